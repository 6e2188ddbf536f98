"""A send a crashed run left open: the claim says it started, nothing says whether the message left.

Shared by every claimed message (the invite, the care message, a campaign letter): ask the provider when it can
tell (``find_sent``) and record it sent, or send it now; a provider that cannot tell gets at most once: the
message is recorded ``unconfirmed`` and never sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from functions.services import Services, backoff
from functions.transports import Sms, TransportError

# Settles the claimed message: ``finish(state, message_id=..., error=..., retry_at=...)``.
Finish = Callable[..., object]
# Asks the provider(s) since when: (whether they can tell at all, the message id when it left).
Lookup = Callable[[datetime], tuple[bool, str | None]]


def held_claim(state: str, claim_until: datetime | None, now: datetime) -> str | None:
    """Why a claimed message waits: ``in_progress`` while a live run holds it, ``retry_later`` until a passing
    failure's retry time; None when it may be taken now."""
    if state in ("claimed", "retry") and claim_until and claim_until > now:
        return "in_progress" if state == "claimed" else "retry_later"
    return None


def sms_lookup(services: Services, sms: Sms | None) -> Lookup:
    """The SMS provider's answer for this SMS; an email (``sms`` None) cannot be looked up."""
    find = getattr(services.sms, "find_sent", None) if sms is not None else None

    def lookup(since: datetime) -> tuple[bool, str | None]:
        return (False, None) if find is None else (True, find(sms, since))
    return lookup


def settle_crashed_send(services: Services, lookup: Lookup, claim_until: datetime | None, attempts: int,
                        finish: Finish, now: datetime) -> str | None:
    """"recovered", "unconfirmed" or "retry" when settled here; None when it surely did not leave (send it now)."""
    since = (claim_until or now) - timedelta(seconds=services.settings.claim_seconds) - timedelta(minutes=5)
    try:
        can_tell, message_id = lookup(since)
    except TransportError as err:
        finish("retry", error=err.message, retry_at=now + backoff(attempts + 1))
        return "retry"
    if not can_tell:
        finish("unconfirmed", error="a run stopped mid-send and this provider cannot say whether it left")
        return "unconfirmed"
    if message_id:
        finish("sent", message_id=message_id)
        return "recovered"
    return None
