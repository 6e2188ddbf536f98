"""What every transport speaks: the messages, the error, and the small interfaces each channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class TransportError(Exception):
    """A send that did not happen. ``permanent`` means retrying the same message cannot help; ``reason``
    is a short code for why (``transports.aws_errors`` names them), "" when the provider did not say."""

    def __init__(self, message: str, *, permanent: bool = False, reason: str = "", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.reason = reason  # why, in our words, when the caller shows it (an SES sender not verified…)
        self.code = code  # the provider's own error code, when the caller may act on it


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


@dataclass(frozen=True)
class WhatsApp:
    """One WhatsApp message: an approved template (name, language, its body parameters and an optional URL
    button's suffix) or, inside the 24 hours after the patient wrote, free-form ``text``."""

    to: str  # E.164
    template: str = ""
    language: str = ""
    params: tuple[str, ...] = ()
    button: str = ""  # the dynamic end of the template's URL button (the invite's path), if it has one
    text: str = ""
    reference: str = ""  # ours: "<clinic>/<visit>"

    @property
    def free_form(self) -> bool:
        return not self.template


@dataclass(frozen=True)
class Button:
    """An inline button under a Telegram message: it either calls back with ``data`` or opens ``url``."""

    text: str
    data: str = ""
    url: str = ""


@dataclass(frozen=True)
class Telegram:
    chat_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons


class SmsTransport(Protocol):
    def send(self, sms: Sms) -> str: ...


class SentLookup(Protocol):
    """A transport that can tell whether a message was already accepted (after a crash mid-send)."""

    def find_sent(self, sms: Sms, since: datetime) -> str | None: ...


class EmailTransport(Protocol):
    def send(self, email: Email) -> str: ...


class WhatsAppTransport(Protocol):
    """Sends one message from the clinic's WhatsApp Business number; returns its ``wamid``."""

    def send(self, message: WhatsApp) -> str: ...


class TelegramTransport(Protocol):
    """The clinic's bot: send a message (its id back), change its buttons, answer a button's press."""

    def send(self, message: Telegram) -> str: ...
    def edit_buttons(self, chat_id: str, message_id: str, buttons: tuple[tuple[Button, ...], ...]) -> None: ...
    def answer(self, callback_id: str, text: str) -> None: ...


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
