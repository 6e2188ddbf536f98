"""How and when the patient wants the director to reach them, from the complaint form: a channel, a time
(«вечером», «после 18», «18-21») and, for email or Telegram, the address or username to write to."""

from __future__ import annotations

import re
from datetime import datetime

from functions.clinics.clinic import EMAIL, Clinic
from functions.errors import FunnelError
from functions.store import Contact, Visit
from functions.visits.contacts import parse_preferences

TELEGRAM = re.compile(r"^(?:https?://)?(?:t\.me/|telegram\.me/)?@?([A-Za-z0-9_]{5,32})$")
TELEGRAM_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,18}[0-9]$")
ADDRESS_LIMIT = 100


def contact_wish(clinic: Clinic, visit: Visit, channel: object, hours: object, address: object,
                 now: datetime) -> Contact | None:
    """The patient's wish as a contact row; None when they gave none; a 400 naming what to fix otherwise."""
    found, problems = parse_preferences({"contact_channel": channel or "", "contact_hours": hours or ""})
    if problems:
        code = "bad_hours" if problems[0].column == "contact_hours" else "bad_channel"
        raise FunnelError(400, code, problems[0].reason)
    chosen = found.get("channel", "")
    given = " ".join(str(address or "").split())[:ADDRESS_LIMIT] if isinstance(address, str | None) else ""
    if chosen == "email":
        if not given:
            raise FunnelError(400, "need_email", "Give the email address to write to.")
        if not EMAIL.match(given):
            raise FunnelError(400, "bad_email", "This does not look like an email address.")
    elif chosen == "telegram":
        if not given:
            raise FunnelError(400, "need_telegram", "Give your Telegram username or number.")
        username = TELEGRAM.match(given)
        if username:
            given = "@" + username.group(1)
        elif not TELEGRAM_PHONE.match(given):
            raise FunnelError(400, "bad_telegram", "A Telegram username is 5 to 32 Latin letters, digits or _.")
    else:
        given = ""  # other channels reach the visit's own number
    if not found:
        return None
    return Contact(clinic_id=clinic.id, phone=visit.phone, updated_at=now, expires_at=visit.expires_at,
                   address=given, **found)
