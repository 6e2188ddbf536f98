"""Transports: small interfaces for what leaves the system, chosen by configuration.

Each channel is one module. A transport returns the provider's message id or raises
``TransportError``; the caller records the outcome as data (sent, retry later, failed).
"""

from __future__ import annotations

from functions.config import Settings
from functions.transports.base import (
    Email,
    EmailTransport,
    Payout,
    RewardProvider,
    SentLookup,
    Sms,
    SmsTransport,
    TelegramTransport,
    TransportError,
    WhatsAppTransport,
)

__all__ = ["Email", "EmailTransport", "Payout", "RewardProvider", "SentLookup", "Sms", "SmsTransport",
           "TelegramTransport", "TransportError", "WhatsAppTransport", "email_transport", "reward_provider",
           "sms_transport", "telegram_transport", "whatsapp_transport"]


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


def whatsapp_transport(settings: Settings, phone_number_id: str, token: str) -> WhatsAppTransport:
    """One clinic's WhatsApp Business number: Meta's Cloud API, or the outbox."""
    if settings.whatsapp_transport == "cloud":
        from functions.transports.whatsapp import CloudWhatsApp

        return CloudWhatsApp(phone_number_id, token, version=settings.whatsapp_api_version)
    from functions.transports.outbox import Outbox, OutboxWhatsApp

    return OutboxWhatsApp(Outbox(settings.outbox_path), phone_number_id)


def telegram_transport(settings: Settings, bot: str, token: str) -> TelegramTransport:
    """A clinic's bot (its own or the deployment's): the Bot API, or the outbox."""
    if settings.telegram_transport == "bot":
        from functions.transports.telegram import BotTelegram

        return BotTelegram(token)
    from functions.transports.outbox import Outbox, OutboxTelegram

    return OutboxTelegram(Outbox(settings.outbox_path), bot)
