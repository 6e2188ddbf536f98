"""A clinic's sending rules, and when a visit's invite may go out under them.

Times are the clinic's wall clock (``zoneinfo``), so DST shifts move nothing a patient would notice:
a visit at 14:00 is texted at 16:00 local on both sides of a change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.store import Contact, Visit
from functions.visits.contacts import reachable_now

WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
# Never at night, whatever a clinic configures: no invite before 08:00 or after 22:00 local.
EARLIEST, LATEST = time(8, 0), time(22, 0)


@dataclass(frozen=True)
class SendRules:
    delay_minutes: int = 120
    window_from: time = time(10, 0)
    window_to: time = time(21, 0)
    next_morning: bool = False  # a visit whose window closed today may go out tomorrow morning
    repeat_days: int = 30  # no second invite to the same phone from this clinic within this many days
    daily_cap: int = 0  # invites per clinic per local day; 0 for no cap
    reminders: int = 1  # reminders when the link was never opened, 0-2
    reminder_hours: int = 24
    template: str = ""  # the clinic's own SMS text; empty for the default
    details: bool = False  # may the text name the doctor and service?

    def to_doc(self) -> dict:
        return {"delay_minutes": self.delay_minutes,
                "window": f"{self.window_from:%H:%M}-{self.window_to:%H:%M}",
                "next_morning": self.next_morning, "repeat_days": self.repeat_days, "daily_cap": self.daily_cap,
                "reminders": self.reminders, "reminder_hours": self.reminder_hours, "template": self.template,
                "details": self.details}


def parse_rules(doc: object, problems: list[str]) -> SendRules:
    """Validate the ``sending`` part of a clinic document, adding any problem to ``problems``."""
    if doc is None:
        return SendRules()
    if not isinstance(doc, dict):
        problems.append("sending: an object")
        return SendRules()
    defaults = SendRules()

    def whole(key: str, low: int, high: int) -> int:
        value = doc.get(key, getattr(defaults, key))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"sending.{key}: a whole number from {low} to {high}")
            return getattr(defaults, key)
        return value

    def flag(key: str) -> bool:
        value = doc.get(key, getattr(defaults, key))
        if not isinstance(value, bool):
            problems.append(f"sending.{key}: true or false")
            return getattr(defaults, key)
        return value

    window_from, window_to = defaults.window_from, defaults.window_to
    match = WINDOW.match(str(doc.get("window", "10:00-21:00")).strip())
    try:
        if not match:
            raise ValueError
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        window_from, window_to = time(h1, m1), time(h2, m2)
        if not EARLIEST <= window_from < window_to <= LATEST:
            problems.append("sending.window: within 08:00-22:00, opening before it closes (never at night)")
    except ValueError:
        problems.append("sending.window: like 10:00-21:00")
    template = doc.get("template", "")
    if not isinstance(template, str) or len(template) > 500:
        problems.append("sending.template: text of at most 500 characters")
        template = ""
    elif template and "{{ link }}" not in template:
        problems.append("sending.template: must contain {{ link }}")
    elif template:
        problems.extend(_template_problems(template, doc.get("details", defaults.details) is True))
    return SendRules(
        delay_minutes=whole("delay_minutes", 0, 24 * 60), window_from=window_from, window_to=window_to,
        next_morning=flag("next_morning"), repeat_days=whole("repeat_days", 0, 365),
        daily_cap=whole("daily_cap", 0, 1_000_000), reminders=whole("reminders", 0, 2),
        reminder_hours=whole("reminder_hours", 1, 72), template=template, details=flag("details"))


def _template_problems(template: str, details: bool) -> list[str]:
    """Render the clinic's text once with sample values, so a broken one is refused when it is saved."""
    from jinja2 import TemplateError, UndefinedError

    from functions.texts import render_clinic_text

    sample = {"clinic": "Клиника", "link": "https://otk.ru/xxxxxxxxxxxx", "reward": "100 ₽"}
    if details:
        sample.update(doctor="Иванов И. И.", service="Приём")
    try:
        render_clinic_text(template, **sample)
    except TemplateError as err:
        unknown = isinstance(err, UndefinedError) and not details
        hint = " (doctor and service need sending.details: true)" if unknown else ""
        return [f"sending.template: {err.message or err}{hint}"]
    return []


def in_window(rules: SendRules, local: datetime) -> bool:
    return rules.window_from <= local.time() < rules.window_to


def days_to_look_at(rules: SendRules, zone: ZoneInfo, now: datetime) -> list[str]:
    """The local visit days whose invites may be due now: today, and yesterday when next morning is allowed."""
    today = now.astimezone(zone).date()
    days = [today.isoformat()]
    if rules.next_morning:
        days.append((today - timedelta(days=1)).isoformat())
    return days


def timing(rules: SendRules, zone: ZoneInfo, visit: Visit, contact: Contact | None, now: datetime) -> str | None:
    """None when the invite may go out now; otherwise why not. ``too_late`` is final, the rest pass with time."""
    local_now = now.astimezone(zone)
    visit_day = visit.visit_at.astimezone(zone).date()
    if now < visit.visit_at + timedelta(minutes=rules.delay_minutes):
        due_local = (visit.visit_at + timedelta(minutes=rules.delay_minutes)).astimezone(zone)
        late = due_local.date() > visit_day or due_local.time() >= rules.window_to
        return "not_yet" if not late or rules.next_morning else "too_late"
    if local_now.date() == visit_day:
        if local_now.time() >= rules.window_to:
            return "window_closed" if rules.next_morning else "too_late"
    elif not (rules.next_morning and local_now.date() == visit_day + timedelta(days=1)):
        return "too_late"
    if not in_window(rules, local_now):
        return "outside_window"
    if not reachable_now(contact, local_now):
        return "outside_patient_window"
    return None
