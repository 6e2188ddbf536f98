"""Contact preferences: how and when a patient wants to be reached (``18-21``, ``по будням``, WhatsApp)."""

from __future__ import annotations

import re
from datetime import datetime

from functions.store import Contact
from functions.visits.reasons import reason as words

CHANNELS = {
    "sms": ("sms", "смс", "эсэмэс"),
    "whatsapp": ("whatsapp", "whats app", "ватсап", "вотсап", "вацап", "wa"),
    "telegram": ("telegram", "телеграм", "телеграмм", "tg"),
    "email": ("email", "e-mail", "почта", "эл. почта", "электронная почта"),
    "call": ("call", "phone", "звонок", "позвонить", "телефон"),
}
DAYS = {
    "weekdays": ("weekdays", "будни", "по будням", "пн-пт", "будние дни"),
    "weekends": ("weekends", "выходные", "по выходным", "сб-вс", "выходные дни"),
    "": ("any", "любые", "любой", "все", "все дни", "ежедневно"),
}
HOURS = re.compile(r"^(?:с|from)?\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:-|–|—|до|to)\s*(\d{1,2})(?:[:.](\d{2}))?$")
# How people write a time of day in a form: «вечером», «после 18», «до 12», «в 19».
PERIODS = {"утром": (9, 12), "с утра": (9, 12), "днем": (12, 17), "в обед": (12, 14), "вечером": (17, 21),
           "morning": (9, 12), "in the morning": (9, 12), "afternoon": (12, 17), "in the afternoon": (12, 17),
           "evening": (17, 21), "in the evening": (17, 21), "any time": (9, 21), "в любое время": (9, 21)}
AFTER = re.compile(r"^(?:после|after|from|с)\s*(\d{1,2})(?:[:.](\d{2}))?$")
BEFORE = re.compile(r"^(?:до|before|until|till)\s*(\d{1,2})(?:[:.](\d{2}))?$")
AROUND = re.compile(r"^(?:в|около|at|around)\s*(\d{1,2})(?:[:.](\d{2}))?$")


class PreferenceError(ValueError):
    """A preference that was not understood: ``code`` names why (words in ``templates/visits``)."""

    def __init__(self, column: str, code: str, value: str) -> None:
        self.column = column
        self.code = code
        self.value = value
        self.reason = words(code, "en", value=value)
        super().__init__(self.reason)


def _lookup(table: dict[str, tuple[str, ...]], raw: str, column: str, code: str) -> str:
    value = " ".join(raw.lower().split())
    for key, spellings in table.items():
        if value in spellings:
            return key
    raise PreferenceError(column, code, raw[:40])


def parse_hours(raw: str) -> tuple[int, int]:
    """A window of whole local hours, [from, to): «18-21», «с 9 до 12», «после 18», «вечером»."""
    text = " ".join(raw.lower().replace("ё", "е").replace("ч.", "").replace("час", "").split()).strip(" .")
    if text in PERIODS:
        return PERIODS[text]
    if match := HOURS.match(text):
        start, end = int(match.group(1)), int(match.group(3)) + (1 if int(match.group(4) or 0) else 0)
    elif match := AFTER.match(text):
        start = int(match.group(1))
        end = 21 if start < 21 else min(start + 2, 24)  # «после 18»: the evening, as far as texting goes
    elif match := BEFORE.match(text):
        end = int(match.group(1)) + (1 if int(match.group(2) or 0) else 0)
        start = min(9, end - 1)
    elif match := AROUND.match(text):
        start = int(match.group(1))
        end = start + 1
    else:
        raise PreferenceError("contact_hours", "hours_unknown", raw[:40])
    if not 0 <= start < end <= 24:
        raise PreferenceError("contact_hours", "hours_order", raw[:40])
    return start, end


def parse_preferences(row: dict[str, object]) -> tuple[dict, list[PreferenceError]]:
    """The preference fields a row gives (possibly none), and the problems with the ones it got wrong."""
    found: dict = {}
    problems: list[PreferenceError] = []
    raw = {k: str(row.get(k) or "").strip() for k in ("contact_channel", "contact_hours", "contact_days")}
    try:
        if raw["contact_channel"]:
            found["channel"] = _lookup(CHANNELS, raw["contact_channel"], "contact_channel", "channel_unknown")
    except PreferenceError as err:
        problems.append(err)
    try:
        if raw["contact_hours"]:
            found["hours_from"], found["hours_to"] = parse_hours(raw["contact_hours"])
    except PreferenceError as err:
        problems.append(err)
    try:
        if raw["contact_days"]:
            found["days"] = _lookup(DAYS, raw["contact_days"], "contact_days", "days_unknown")
    except PreferenceError as err:
        problems.append(err)
    return found, problems


def reachable_now(contact: Contact | None, local: datetime) -> bool:
    """Whether the patient's own window and days allow a message at this local time."""
    if contact is None:
        return True
    if contact.days == "weekdays" and local.weekday() >= 5:
        return False
    if contact.days == "weekends" and local.weekday() < 5:
        return False
    if contact.hours_from is not None and contact.hours_to is not None:
        return contact.hours_from <= local.hour < contact.hours_to
    return True
