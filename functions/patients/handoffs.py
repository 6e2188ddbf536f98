"""Hand-offs: a doctor recommends another specialist («Направление: ортодонт»); if no matching visit arrives
within the clinic's days (14 by default), the patient is on the curator's call list with the recommendation.

A visit matches when it comes after the recommendation and its service or doctor names what was recommended:
words are compared by their stems (the shorter word less its ending, at least five letters: «ортодонта» meets
«Ортодонт»; «КТ» meets «КТ» whole), leaving out words that say nothing of the specialty («консультация»,
«приём», «врач»; per locale in ``templates/patients/<locale>/handoffs.json``). Booked recommendations are
counted for the doctor who made them, on the day of the recommending visit: the numbers page and the hand-offs
page read those counters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from functions.clinics.clinic import Clinic
from functions.clinics.stems import mentions, normalise
from functions.patients.store import RegisterIntake
from functions.store import Visit
from functions.store.patient_records import Handoff
from functions.texts import TEMPLATES

WORD = re.compile(r"[^\W_]+")
SHARED = 5  # letters two forms of one word share: «ортодонт», «ортодонта», «ортодонтом»
CLOSING = {"declined": True, "wrong_number": True, "booked": False, "call_back": False}


@cache
def ignored(locale: str) -> tuple[str, ...]:
    path = TEMPLATES / "patients" / locale / "handoffs.json"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["ignore"])


def _words(text: str, locale: str) -> list[str]:
    skip = ignored(locale)
    return [w for w in WORD.findall(normalise(text)) if not mentions(w, skip)]


def _same(a: str, b: str) -> bool:
    """Two forms of one word: short words whole, longer ones by the shorter's stem (all but its ending)."""
    short, long = sorted((a, b), key=len)
    if len(short) < SHARED:
        return short == long
    return long.startswith(short[:max(SHARED, len(short) - 2)])


def matches(locale: str, wanted: str, visit: Visit) -> bool:
    """Does this visit's service or doctor name what was recommended?"""
    want = _words(wanted, locale)
    have = _words(f"{visit.service} {visit.doctor}", locale)
    return bool(want) and any(_same(w, h) for w in want for h in have)


def _dims(handoff: Handoff) -> list[str]:
    found = ["all", f"doctor:{handoff.doctor}" if handoff.doctor else ""]
    return [d for d in (*found, f"branch:{handoff.branch}" if handoff.branch else "") if d]


def _count(store: RegisterIntake, handoff: Handoff, **counts: int) -> None:
    store.bump_stats(handoff.clinic_id, handoff.local_date, dict.fromkeys(_dims(handoff), counts))


def open_recommendations(store: RegisterIntake, clinic: Clinic, visits: list[Visit], now: datetime) -> int:
    """A hand-off per recommending visit, written once (a re-import changes nothing); answers how many are new."""
    days = timedelta(days=clinic.patients.handoff_days)
    keep = timedelta(days=365.25 * clinic.patients.keep_years)
    handoffs = [Handoff(clinic_id=clinic.id, handoff_id=v.visit_id, phone=v.phone, name=v.patient_name,
                        wanted=v.referral, doctor=v.doctor, branch=v.branch, local_date=v.local_date,
                        visit_at=v.visit_at, due_at=v.visit_at + days, expires_at=v.visit_at + keep) for v in visits]
    created = store.put_handoffs(handoffs) if handoffs else []
    for handoff, new in zip(handoffs, created, strict=True):
        if new:
            _count(store, handoff, handoffs=1)
    return sum(created)


def book_matching(store: RegisterIntake, clinic: Clinic, visits: list[Visit], now: datetime) -> int:
    """Visits that answer an open recommendation of the same patient book it (once); answers how many."""
    phones = {v.phone for v in visits}
    waiting = [h for h in store.open_handoffs(clinic.id) if h.phone in phones]
    booked = 0
    for handoff in waiting:
        visit = next((v for v in sorted(visits, key=lambda v: v.visit_at) if v.phone == handoff.phone
                      and v.visit_id != handoff.handoff_id and v.visit_at > handoff.visit_at
                      and matches(clinic.locale, handoff.wanted, v)), None)
        if visit is not None and store.book_handoff(clinic.id, handoff.handoff_id, visit.visit_id, now):
            _count(store, handoff, handoffs_booked=1)
            booked += 1
    return booked


def call_list(store: RegisterIntake, clinic: Clinic, now: datetime) -> list[Handoff]:
    """Open recommendations whose days have passed without a matching visit: who the curator calls, oldest first."""
    return [h for h in store.open_handoffs(clinic.id) if h.due_at <= now]


def settle(store, clinic: Clinic, handoff_id: str, outcome: str, who: str, now: datetime) -> bool:
    """The curator's call: declined or a wrong number take it off the list; booked and call back keep it open
    (a booking clears it when its visit is imported)."""
    if outcome not in CLOSING:
        raise ValueError(f"unknown outcome {outcome!r}")
    return store.settle_handoff(clinic.id, handoff_id, outcome, who, now, CLOSING[outcome])


@dataclass
class DoctorHandoffs:
    doctor: str
    recommended: int
    booked: int

    @property
    def share(self) -> int | None:
        return round(100 * self.booked / self.recommended) if self.recommended else None


def per_doctor(store, clinic: Clinic, first: date, last: date) -> list[DoctorHandoffs]:
    """Recommendations made on these days and how many were booked, per recommending doctor (from counters)."""
    found: dict[str, DoctorHandoffs] = {}
    for (_, dim), counts in store.read_stats(clinic.id, first.isoformat(), last.isoformat()).items():
        if dim.startswith("doctor:") and (counts.get("handoffs") or counts.get("handoffs_booked")):
            row = found.setdefault(dim[7:], DoctorHandoffs(dim[7:], 0, 0))
            row.recommended += counts.get("handoffs", 0)
            row.booked += counts.get("handoffs_booked", 0)
    return sorted(found.values(), key=lambda r: (-r.recommended, r.doctor))
