"""When a visit's care message may go: the rule's moment moved into the clinic's sending window, until that
window closes; and the patient's own window and days on top.

``next_day``: from the window's opening on the local day after the visit. ``hours: N``: N hours after the visit,
or the window's next opening when that falls outside it (a visit at 19:00 with 4 hours is asked at 10:00 the
next morning, never at 23:00). Past the window's close on that day the message is too late: a «как вы себя
чувствуете?» two days on is not the care the patient was promised. Times are the clinic's wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.aftercare.rules import CareRule
from functions.invites.timing import SendRules
from functions.store import Contact, Visit
from functions.visits.contacts import reachable_now

# A rule of up to 72 hours moved to the next window can fall on the fourth local day after the visit.
DAYS_BACK = 4


def _at(day: datetime, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), moment, tzinfo=zone)


def care_window(sending: SendRules, rule: CareRule, zone: ZoneInfo, visit: Visit) -> tuple[datetime, datetime]:
    """From when, and until when, this visit's care message may go (UTC)."""
    local = visit.visit_at.astimezone(zone)
    if rule.hours:
        base = local + timedelta(hours=rule.hours)
    else:
        base = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=zone)
    opens, closes = _at(base, sending.window_from, zone), _at(base, sending.window_to, zone)
    if base >= closes:
        following = base + timedelta(days=1)
        opens, closes = _at(following, sending.window_from, zone), _at(following, sending.window_to, zone)
    start = max(base, opens)
    return start.astimezone(UTC), closes.astimezone(UTC)


def care_timing(sending: SendRules, rule: CareRule, zone: ZoneInfo, visit: Visit, contact: Contact | None,
                now: datetime) -> str | None:
    """None when the care message may go now; otherwise why not (``too_late`` is final)."""
    start, end = care_window(sending, rule, zone, visit)
    if now < start:
        return "not_yet"
    if now >= end:
        return "too_late"
    if not reachable_now(contact, now.astimezone(zone)):
        return "outside_patient_window"
    return None


def days_to_look_at(zone: ZoneInfo, now: datetime) -> list[str]:
    """The local visit days whose care messages may be due now."""
    today = now.astimezone(zone).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(1, DAYS_BACK + 1)] + [today.isoformat()]
