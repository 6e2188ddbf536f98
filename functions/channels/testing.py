"""An operator's checks of a clinic's channels: one test message (WhatsApp or SMS to a phone, Telegram to a
member's linked chat), and connecting the bot's webhook."""

from __future__ import annotations

from datetime import datetime

from functions.channels.choice import SMS, WHATSAPP, Route
from functions.channels.patient import PatientMessage, send_to_patient
from functions.channels.secrets import SecretError
from functions.channels.telegram_alerts import bot_words
from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.texts import render
from functions.transports import TransportError
from functions.transports.base import Telegram
from functions.visits.intake import RowError, parse_phone

# Every new WhatsApp Business account has Meta's sample template; a clinic may name its own "test" instead.
SAMPLE_TEMPLATE = ("hello_world", "en_US")


def send_test(services: Services, clinic: Clinic, to: str, channel: str | None, now: datetime) -> dict:
    if "@" in to:
        return _telegram_test(services, clinic, to.strip().lower())
    try:
        phone, _ = parse_phone(to, clinic.region)
    except RowError as err:
        return {"sent": False, "error": f"{to!r}: {err.reason}"}
    use = channel or (WHATSAPP if clinic.whatsapp is not None else SMS)
    if use == WHATSAPP and clinic.whatsapp is None:
        return {"sent": False, "error": "the clinic has no WhatsApp settings"}
    text = render(f"channels/{clinic.locale}/test_message.txt", clinic=clinic.name)
    message = PatientMessage(kind="test", phone=phone, text=text, values={"clinic": clinic.name})
    if use == WHATSAPP and "test" not in clinic.whatsapp.templates:
        return _sample_template(services, clinic, phone)
    try:
        delivery = send_to_patient(services, clinic, message, Route(use), now)
    except TransportError as err:
        return {"sent": False, "channel": use, "error": err.message, "permanent": err.permanent}
    outcome = {"sent": True, "channel": delivery.channel, "message_id": delivery.message_id}
    if delivery.error:
        outcome.update(whatsapp_error=delivery.error, note=delivery.note)
    return outcome


def _sample_template(services: Services, clinic: Clinic, phone: str) -> dict:
    from functions.transports.base import WhatsApp

    try:
        transport = services.whatsapp_for(clinic)
        message_id = transport.send(WhatsApp(to=phone, template=SAMPLE_TEMPLATE[0], language=SAMPLE_TEMPLATE[1]))
    except (TransportError, SecretError) as err:
        return {"sent": False, "channel": WHATSAPP, "error": getattr(err, "message", str(err)),
                "permanent": getattr(err, "permanent", True)}
    return {"sent": True, "channel": WHATSAPP, "template": SAMPLE_TEMPLATE[0], "message_id": message_id}


def _telegram_test(services: Services, clinic: Clinic, email: str) -> dict:
    if clinic.telegram is None:
        return {"sent": False, "error": "the clinic has no Telegram settings"}
    link = next((x for x in services.store.telegram_links(clinic.id) if x.email == email), None)
    if link is None:
        return {"sent": False, "error": f"{email} has not linked Telegram (dashboard: /admin/c/{clinic.id}/telegram)"}
    try:
        transport = services.telegram_for(clinic)
        message_id = transport.send(Telegram(link.chat_id, bot_words(clinic.locale)["test"].format(clinic=clinic.name)))
    except (TransportError, SecretError) as err:
        return {"sent": False, "channel": "telegram", "error": getattr(err, "message", str(err))}
    return {"sent": True, "channel": "telegram", "to": email, "message_id": message_id}


def connect_bot(services: Services, clinic: Clinic) -> dict:
    """setWebhook for the clinic's bot with our URL and secret; WhatsApp's webhook is given to Meta by hand."""
    done: dict = {}
    if clinic.whatsapp is not None:
        done["whatsapp"] = {"callback_url": f"{services.settings.hooks_base}/hooks/whatsapp/{clinic.id}",
                            "verify_token": "FUNNEL_WHATSAPP_VERIFY_TOKEN or the clinic's own",
                            "subscribe": "messages"}
    if clinic.telegram is None:
        done["telegram"] = "off"
        return done
    url = f"{services.settings.hooks_base}/hooks/telegram/{clinic.id}"
    try:
        transport = services.telegram_for(clinic)
        secret = services.secret(clinic.telegram.webhook_secret, services.settings.telegram_webhook_secret)
        if not secret:
            raise TransportError("no webhook secret: set FUNNEL_TELEGRAM_WEBHOOK_SECRET or the clinic's own")
        if not hasattr(transport, "set_webhook"):
            done["telegram"] = {"webhook": url, "set": False, "why": "FUNNEL_TELEGRAM_TRANSPORT is outbox"}
            return done
        transport.set_webhook(url, secret)
        done["telegram"] = {"webhook": url, "set": True, "bot": transport.username()}
    except (TransportError, SecretError) as err:
        done["telegram"] = {"webhook": url, "set": False, "error": getattr(err, "message", str(err))}
    return done
