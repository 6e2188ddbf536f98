"""The patient's answer to the care message: how they feel, on the same one-tap page.

No reward (the care message promised none) and no review platforms (it is care, not a request for a review).
A score below the clinic's ``followups.threshold`` is a case at once for the directors and the visit's doctor
(``source = "care"``); the patient's words join it, and words that name pain, blood or fever (stems per locale in
``templates/aftercare/<locale>/words.json``, or the clinic's ``urgent_words``) mark it urgent, which its email's
subject says first. The one check before any write is the invite's (``answers/answer.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.aftercare.store import CareStore
from functions.aftercare.text import care_words
from functions.answers.answer import RATE, Opened, refuse, refuse_unless_allowed, take_words
from functions.answers.answer import route as answer_route
from functions.answers.words import tone
from functions.cases.kinds import CHANGED, guess_kind
from functions.cases.lifecycle import deliver, taken_back
from functions.cases.timeline import PATIENT, record
from functions.clinics.clinic import Clinic
from functions.clinics.stems import mentions
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Case, Visit
from functions.store.patient_records import CARE, care_case_id


def is_low(clinic: Clinic, score: int) -> bool:
    return score < clinic.followups.threshold


def is_urgent(clinic: Clinic, text: str) -> bool:
    return mentions(text, clinic.followups.urgent_words or care_words(clinic.locale)["urgent"])


def route(clinic: Clinic, score: int) -> str:
    """``well``: the page is glad and says whom to call if that changes; ``private``: what is wrong, in words."""
    return "private" if is_low(clinic, score) else "well"


def is_care(opened: Opened) -> bool:
    """The link of a care message (not of the visit's invite)."""
    return opened.invite.purpose == CARE


def page_route(opened: Opened, score: int) -> str:
    """Where the page goes after this score: the care message's ways, or the invite's."""
    return route(opened.clinic, score) if is_care(opened) else answer_route(opened.clinic, score)


def page_tone(opened: Opened, score: int | None) -> str:
    if is_care(opened) and score:
        return "glad" if route(opened.clinic, score) == "well" else "sorry"
    return tone(opened.clinic, score)


def rate_care(services: Services, opened: Opened, score: int, now: datetime) -> tuple[int, bool, bool]:
    """Record how the patient feels (a mis-tap may be corrected until words are sent); a low answer is a case."""
    refuse_unless_allowed(opened, RATE)
    store: CareStore = services.store
    invite, clinic, visit = opened.invite, opened.clinic, opened.visit
    first = store.record_rating(invite.token, score, now)
    changed = False
    if not first:
        current = store.get_invite(invite.token) or invite
        if current.feedback is not None:
            refuse("answered")  # the words arrived a moment ago, from another tab
        old = current.score or score
        if old != score:
            changed = store.change_rating(invite.token, old, score, now)
            if not changed:
                score = (store.get_invite(invite.token) or current).score or score  # someone else changed it
    if first:
        count(store, visit, care_answered=1, **({"care_low": 1} if is_low(clinic, score) else {}))
    case = store.get_case(clinic.id, care_case_id(visit.visit_id))
    if is_low(clinic, score) and case is None:
        open_care_case(services, clinic, visit, score, now)
    elif case is not None and changed:
        _change_score(services, clinic, visit, case, score, now)
    return score, first, changed


def _change_score(services: Services, clinic: Clinic, visit: Visit, case: Case, score: int, now: datetime) -> None:
    """A mis-tap corrected: a good score closes a case without words, a low one opens it again."""
    changes: dict = {"score": score}
    if not is_low(clinic, score) and case.status != "resolved" and not case.text:
        changes.update(status="resolved", outcome=CHANGED, resolved_by=PATIENT, resolved_at=now)
    elif is_low(clinic, score) and taken_back(case):
        changes.update(status="new", outcome="", resolved_by="", resolved_at=None)
    if services.store.amend_case(clinic.id, case.case_id, changes, now):
        record(services.store, case, "score_changed", now, who=PATIENT, **{"from": case.score, "to": score})
        deliver(services, clinic, case.case_id, visit, now)


def open_care_case(services: Services, clinic: Clinic, visit: Visit, score: int, now: datetime,
                   text: str = "") -> bool:
    """The case for a patient who feels unwell: the directors and the doctor hear of it, with the words or after
    the clinic's short wait for them."""
    alert_at = now if text else now + timedelta(minutes=clinic.alert_wait_minutes)
    urgent = is_urgent(clinic, text)
    case = Case(clinic_id=clinic.id, case_id=care_case_id(visit.visit_id), visit_id=visit.visit_id, score=score,
                text=text, created_at=now, kind=guess_kind(clinic, text), alert_at=alert_at, due_at=alert_at,
                words_at=now if text else None, source=CARE, urgent=urgent)
    if not services.store.create_case(case):
        return False
    record(services.store, case, "care_low", now, who=PATIENT, score=score)
    if text:
        record(services.store, case, "words", now, who=PATIENT, text=text)
    if urgent:
        record(services.store, case, "marked_urgent", now)
    deliver(services, clinic, case.case_id, visit, now)
    return True


def give_care_words(services: Services, opened: Opened, raw: object, now: datetime, *, channel: object = None,
                    hours: object = None, address: object = None) -> bool:
    """What is wrong, in the patient's words: into the care case (urgent when they name pain, blood or fever)."""
    text, first = take_words(services, opened, raw, now, channel=channel, hours=hours, address=address)
    store: CareStore = services.store
    invite, clinic, visit = opened.invite, opened.clinic, opened.visit
    case = store.get_case(clinic.id, care_case_id(visit.visit_id))
    if case is None:
        open_care_case(services, clinic, visit, invite.score or 0, now, text)
        return first
    urgent = case.urgent or is_urgent(clinic, text)
    changes: dict = {"text": text, "words_at": now, "urgent": urgent}
    if case.kind == "unclear":
        changes["kind"] = guess_kind(clinic, text)
    if taken_back(case):
        changes.update(status="new", outcome="", resolved_by="", resolved_at=None)
    if store.amend_case(clinic.id, case.case_id, changes, now):
        record(store, case, "words", now, who=PATIENT, text=text)
        if urgent and not case.urgent:
            record(store, case, "marked_urgent", now)
    deliver(services, clinic, case.case_id, visit, now)
    return first
