"""Linking a member's Telegram from the dashboard: a one-time deep link ``https://t.me/<bot>?start=<code>``,
good for 15 minutes and one use. Only the code's hash is stored; opening the link in Telegram sends the bot
``/start <code>`` from the member's own chat, which is then where the clinic's alerts go."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.store.records import TelegramLink

CODE_MINUTES = 15


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_link(services: Services, clinic: Clinic, email: str, now: datetime) -> str | None:
    """A fresh deep link for this member of this clinic; None when the clinic has no bot."""
    bot = services.bot_name(clinic)
    if clinic.telegram is None or not bot:
        return None
    code = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: what /start takes (64 at most)
    services.store.put_link_code(code_hash(code), clinic.id, email, now + timedelta(minutes=CODE_MINUTES))
    return f"https://t.me/{bot}?start={code}"


def use_code(services: Services, bot_clinic: Clinic, code: str, chat_id: str, username: str,
             now: datetime) -> tuple[TelegramLink, Clinic] | None:
    """Link the chat the code came from; None for a used, expired or unknown code, a member no longer of the
    clinic, or a code made for another bot than the one it was sent to."""
    found = services.store.take_link_code(code_hash(code), now) if code else None
    if found is None:
        return None
    clinic_id, email = found
    clinic = services.clinic(clinic_id)
    if clinic is None or services.store.memberships(email).get(clinic_id) is None:
        return None
    if services.bot_name(clinic).lower() != services.bot_name(bot_clinic).lower():
        return None
    link = TelegramLink(clinic_id=clinic_id, email=email, chat_id=chat_id, username=username, linked_at=now)
    services.store.link_telegram(link)
    return link, clinic
