"""Transports: small interfaces for what leaves the system, chosen by configuration.

Each channel is one module. A transport returns the provider's message id or raises
``TransportError``; the caller records the outcome as data (sent, retry later, failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from functions.config import Settings


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


def sms_transport(settings: Settings) -> SmsTransport:
    if settings.sms_transport == "smsru":
        from functions.transports.smsru import SmsRuSms

        return SmsRuSms(settings.smsru_api_id, test=settings.smsru_test)
    if settings.sms_transport == "twilio":
        from functions.transports.twilio import TwilioSms

        return TwilioSms(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from,
                         f"{settings.hooks_base}/hooks/twilio/status")
    if settings.sms_transport == "sns":
        from functions.transports.aws import client
        from functions.transports.sns import SnsSms

        return SnsSms(client("sns", settings))
    from functions.transports.outbox import Outbox, OutboxSms

    return OutboxSms(Outbox(settings.outbox_path))


def email_transport(settings: Settings) -> EmailTransport:
    if settings.email_transport == "smtp":
        from functions.transports.smtp import SmtpEmail

        return SmtpEmail(settings.smtp_host, settings.smtp_port, settings.email_from, user=settings.smtp_user,
                         password=settings.smtp_password, security=settings.smtp_security)
    if settings.email_transport == "ses":
        from functions.transports.aws import client
        from functions.transports.ses import SesEmail

        return SesEmail(client("sesv2", settings), settings.email_from)
    from functions.transports.outbox import Outbox, OutboxEmail

    return OutboxEmail(Outbox(settings.outbox_path), settings.email_from)


def reward_provider(settings: Settings) -> RewardProvider | None:
    """The automatic payer, or None with ``manual`` (a person pays from the exported work list)."""
    if settings.reward_provider == "reloadly":
        from functions.transports.reloadly import ReloadlyRewards

        return ReloadlyRewards(settings.reloadly_client_id, settings.reloadly_client_secret,
                               sandbox=settings.reloadly_sandbox)
    return None
