"""Which channel a message to a patient goes by, and why when it is not the one they asked for.

A patient who prefers WhatsApp gets WhatsApp when the clinic has it; everyone else gets SMS. The reason is a
code kept on the invite (``Visit.channel_note``) and shown on the dashboard; once WhatsApp failed for good for an
invite, that invite and its reminders stay on SMS.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.clinics.clinic import Clinic
from functions.store import Contact, Visit

SMS, WHATSAPP = "sms", "whatsapp"
NO_WHATSAPP = "no_whatsapp_at_clinic"  # the patient asked for WhatsApp; the clinic has no WhatsApp settings
NO_TEMPLATE = "no_whatsapp_template"  # no approved template for this message, and the 24 hours are over
TELEGRAM_ONLY = "telegram_not_for_patients"  # a bot may not write first to a patient: Telegram is for directors
NO_EMAIL = "email_not_for_patients"  # messages with a link go by phone
CALL = "call_preferred"  # the patient prefers a call: the director's email says so; the message is a text
WHATSAPP_FAILED = "whatsapp_failed"  # WhatsApp refused for good (not on WhatsApp, a template missing…): SMS once

NOTES = {NO_WHATSAPP: "the clinic has no WhatsApp settings", NO_TEMPLATE: "no WhatsApp template for this message",
         TELEGRAM_ONLY: "Telegram reaches directors only", NO_EMAIL: "links go by text message",
         CALL: "the patient prefers a call", WHATSAPP_FAILED: "WhatsApp refused it for good"}


@dataclass(frozen=True)
class Route:
    channel: str
    note: str = ""


def choose_channel(clinic: Clinic, contact: Contact | None, visit: Visit | None = None) -> Route:
    """The patient's own channel where the clinic can use it, else SMS with the reason."""
    if visit is not None and visit.channel_note == WHATSAPP_FAILED:
        return Route(SMS, WHATSAPP_FAILED)  # fallen back once: this invite's messages stay on SMS
    preferred = contact.channel if contact else ""
    if preferred == WHATSAPP:
        return Route(WHATSAPP) if clinic.whatsapp is not None else Route(SMS, NO_WHATSAPP)
    return Route(SMS, {"telegram": TELEGRAM_ONLY, "email": NO_EMAIL, "call": CALL}.get(preferred, ""))
