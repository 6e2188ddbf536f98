"""What every transport speaks: the messages, the error, and the small interfaces each channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class TransportError(Exception):
    """A send that did not happen. ``permanent`` means retrying the same message cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    sender_id: str
    reference: str = ""  # ours, opaque to the provider: "<clinic>/<visit>", echoed back in status callbacks


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    reply_to: tuple[str, ...] = ()
    # A campaign letter's one-click unsubscribe address (RFC 8058): mail clients show an "Unsubscribe" button, and
    # large mailboxes require it of bulk senders.
    unsubscribe: str = ""


class SmsTransport(Protocol):
    def send(self, sms: Sms) -> str: ...


class SentLookup(Protocol):
    """A transport that can tell whether a message was already accepted (after a crash mid-send)."""

    def find_sent(self, sms: Sms, since: datetime) -> str | None: ...


class EmailTransport(Protocol):
    def send(self, email: Email) -> str: ...


@dataclass(frozen=True)
class Payout:
    """What a reward provider says of one top-up: "paid", "pending" (the operator is still on it) or "failed"."""

    status: str
    reference: str  # the provider's transaction id
    detail: str = ""


class RewardProvider(Protocol):
    """Pays rewards automatically. ``look_up`` finds an earlier top-up by our reward id (None if none)."""

    name: str

    def top_up(self, reward: Any) -> Payout: ...
    def look_up(self, reward: Any) -> Payout | None: ...
