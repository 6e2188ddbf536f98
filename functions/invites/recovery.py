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


def settle_crashed_send(services: Services, sms: Sms | None, claim_until: datetime | None, attempts: int,
                        finish: Finish, now: datetime) -> str | None:
    """"recovered", "unconfirmed" or "retry" when settled here; None when it surely did not leave (send it now)."""
    lookup = getattr(services.sms, "find_sent", None) if sms is not None else None
    if lookup is None:
        finish("unconfirmed", error="a run stopped mid-send and this provider cannot say whether it left")
        return "unconfirmed"
    since = (claim_until or now) - timedelta(seconds=services.settings.claim_seconds) - timedelta(minutes=5)
    try:
        message_id = lookup(sms, since)
    except TransportError as err:
        finish("retry", error=err.message, retry_at=now + backoff(attempts + 1))
        return "retry"
    if message_id:
        finish("sent", message_id=message_id)
        return "recovered"
    return None
