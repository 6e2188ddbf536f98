"""When the invites not sent yet will go out: for the page after an import and for the embedded outbox.

The first moment each of today's waiting visits may be texted under the clinic's rules (the delay after the
visit, inside the sending window, or the next morning when the clinic allows it); the dispatch run that comes
after it sends the invite. A patient's own hours may move it later still, so the page says "from".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.invites.timing import SendRules
from functions.store import Visit
from functions.visits.store import VisitReads


def first_chance(rules: SendRules, clinic: Clinic, visit: Visit) -> datetime | None:
    """The earliest local time the visit's invite may go, or None when its day's window is past for good."""
    zone = clinic.zone
    due = (visit.visit_at + timedelta(minutes=rules.delay_minutes)).astimezone(zone)
    day = visit.visit_at.astimezone(zone).date()
    opens = datetime.combine(day, rules.window_from, zone)
    closes = datetime.combine(day, rules.window_to, zone)
    if due.date() == day and due < closes:
        return max(due, opens)
    return datetime.combine(day + timedelta(days=1), rules.window_from, zone) if rules.next_morning else None


@dataclass
class Upcoming:
    today: date
    when: list[tuple[datetime, int]] = field(default_factory=list)  # local time -> how many, earliest first
    too_late: int = 0  # the window closed before their delay was up, and the clinic does not text next morning
    never: int = 0  # no consent or a landline: kept, never invited


def upcoming(store: VisitReads, clinic: Clinic, now: datetime) -> Upcoming:
    """Today's visits (the clinic's local today) whose invite has not gone yet, by when it will."""
    found, times = Upcoming(today=now.astimezone(clinic.zone).date()), Counter()
    for visit in store.visits_on(clinic.id, found.today.isoformat()):
        if visit.invite_state:
            continue
        if not (visit.consent and visit.invitable):
            found.never += 1
            continue
        chance = first_chance(clinic.sending, clinic, visit)
        if chance is None:
            found.too_late += 1
        else:
            times[max(chance, now.astimezone(clinic.zone)).replace(second=0, microsecond=0)] += 1
    found.when = sorted(times.items())
    return found
