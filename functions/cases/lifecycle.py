"""A case from the unhappy tap on: opened at once, words joined, the score taken back or changed, and the due
work the sweep finds (the alert after the clinic's wait, a follow-up, the still-new reminder, a retry).

The case is stored first and carries when it is next due (an index key on both stores), so a process that
dies between the tap and the alert leaves the alert to the sweep, never to chance. What a request can send
at once it sends; every email is claimed, so the request and the sweep never both send it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from functions.cases.alerts import alert_director, remind_directors, send_followup
from functions.cases.kinds import CHANGED, guess_kind
from functions.cases.store import CaseStore
from functions.cases.timeline import PATIENT, record
from functions.channels.telegram_alerts import notice_due, notice_time, notify_directors
from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Case, Visit

log = logging.getLogger(__name__)


def is_low(clinic: Clinic, score: int) -> bool:
    return score < clinic.threshold


def taken_back(case: Case) -> bool:
    return case.status == "resolved" and case.outcome == CHANGED


def open_case(services: Services, clinic: Clinic, visit: Visit, score: int, now: datetime, text: str = "") -> bool:
    """A low score (or words from anyone) is a case at once; without words the alert waits for them a little."""
    alert_at = now if text else now + timedelta(minutes=clinic.alert_wait_minutes)
    case = Case(clinic_id=clinic.id, case_id=visit.visit_id, visit_id=visit.visit_id, score=score, text=text,
                created_at=now, kind=guess_kind(clinic, text), alert_at=alert_at, due_at=alert_at,
                words_at=now if text else None, tg_wanted=1 if clinic.telegram else 0,
                tg_reason="complaint" if clinic.telegram else "")
    if not services.store.create_case(case):
        return False
    # The patient's later WhatsApp words find this case by their phone (kept only as long as the visit).
    services.store.link_case_phone(clinic.id, visit.phone, case.case_id, visit.expires_at)
    count(services.store, visit, complaints=1, **{f"kind:{case.kind}": 1})
    record(services.store, case, "created", now, who=PATIENT, score=score)
    if text:
        record(services.store, case, "words", now, who=PATIENT, text=text)
    _deliver_after_commit(services, clinic, case.case_id, visit, now)
    return True


def join_words(services: Services, clinic: Clinic, visit: Visit, score: int, text: str, now: datetime,
               send: bool = True) -> None:
    """The patient's words: into the open case (the alert carries them, or a follow-up does), or a new one.
    With ``send`` False the emails are left to the caller (the sweep, which sends what is due next)."""
    store = services.store
    case = store.get_case(clinic.id, visit.visit_id)
    if case is None and open_case(services, clinic, visit, score, now, text):
        return
    case = case or store.get_case(clinic.id, visit.visit_id)
    if case is None:
        return
    kind = guess_kind(clinic, text) if case.kind == "unclear" else case.kind
    changes: dict = {"text": text, "words_at": now, "kind": kind}
    if taken_back(case):
        changes.update(status="new", outcome="", resolved_by="", resolved_at=None)
    if store.amend_case(clinic.id, case.case_id, changes, now):
        _recount(services, visit, case, kind, counted=not taken_back(case))
        record(store, case, "words", now, who=PATIENT, text=text)
        want_notice(services, clinic, case, "words", now)
    if send:
        _deliver_after_commit(services, clinic, case.case_id, visit, now)


def change_score(services: Services, clinic: Clinic, visit: Visit, old: int, new: int, now: datetime) -> None:
    """A mis-tap corrected: a happy score closes the case as the patient's change, a low one opens or reopens it."""
    store = services.store
    case = store.get_case(clinic.id, visit.visit_id)
    if case is None:
        if is_low(clinic, new):
            open_case(services, clinic, visit, new, now)
        return
    changes: dict = {"score": new}
    closed = not is_low(clinic, new) and case.status != "resolved" and not case.text
    reopened = is_low(clinic, new) and taken_back(case)
    if closed:
        changes.update(status="resolved", outcome=CHANGED, resolved_by=PATIENT, resolved_at=now)
    elif reopened:
        changes.update(status="new", outcome="", resolved_by="", resolved_at=None)
    if not store.amend_case(clinic.id, case.case_id, changes, now):
        return
    if closed:
        count(store, visit, complaints=-1, **{f"kind:{case.kind}": -1})
    elif reopened:
        count(store, visit, complaints=1, **{f"kind:{case.kind}": 1})
    record(store, case, "score_changed", now, who=PATIENT, closed=closed, reopened=reopened, **{"from": old, "to": new})
    want_notice(services, clinic, case, "score", now)
    _deliver_after_commit(services, clinic, case.case_id, visit, now)


def want_notice(services: Services, clinic: Clinic, case: Case, reason: str, now: datetime) -> None:
    """One more Telegram notice, for a clinic with Telegram (one message tells all wanted so far)."""
    if clinic.telegram is not None:
        services.store.want_case_notice(clinic.id, case.case_id, reason, now)


def _recount(services: Services, visit: Visit, case: Case, kind: str, counted: bool) -> None:
    """Words moved the case's topic, or brought a taken-back case back: the counters follow."""
    if not counted:
        count(services.store, visit, complaints=1, **{f"kind:{kind}": 1})
    elif kind != case.kind:
        count(services.store, visit, **{f"kind:{case.kind}": -1, f"kind:{kind}": 1})


def _deliver_after_commit(services: Services, clinic: Clinic, case_id: str, visit: Visit, now: datetime) -> None:
    """Inside a patient's request the emails wait for its commit: no transport call holds SQLite's write lock,
    and none goes for writes that were rolled back (the sweep finds the case due either way)."""
    store: CaseStore = services.store
    store.after_commit(lambda: deliver(services, clinic, case_id, visit, now))


def deliver(services: Services, clinic: Clinic, case_id: str, visit: Visit, now: datetime) -> None:
    """Send what is due now (the alert, else a follow-up); what cannot go now stays due for the sweep."""
    case = services.store.get_case(clinic.id, case_id)
    if case is None:
        return
    if alert_due(case, now):
        alert_director(services, clinic, case, visit, now)
        case = services.store.get_case(clinic.id, case_id) or case
    if followup_due(case, now):
        send_followup(services, clinic, case, visit, now)
        case = services.store.get_case(clinic.id, case_id) or case
    if notice_due(clinic, case, now):
        notify_directors(services, clinic, case, visit, now)


def alert_due(case: Case, now: datetime) -> bool:
    if case.email_state == "":
        return not taken_back(case) and (bool(case.text) or case.alert_at is None or case.alert_at <= now)
    if case.email_state in ("retry", "claimed"):
        return case.claim_until is None or case.claim_until < now
    return False


def followup_due(case: Case, now: datetime) -> bool:
    return case.email_state == "sent" and case.followups_wanted > case.followups_sent and (
        case.followup_until is None or case.followup_until < now)


def reminder_due(clinic: Clinic, case: Case, now: datetime) -> bool:
    hours = clinic.case_reminder_hours
    return bool(hours) and case.status == "new" and case.reminded_at is None and (
        case.created_at + timedelta(hours=hours) <= now)


def next_look(clinic: Clinic, case: Case, now: datetime) -> datetime | None:
    """When the case has something to do next, from its own state alone; None when nothing is left."""
    times = []
    if case.email_state == "" and not taken_back(case):
        times.append(now if case.text or case.alert_at is None else case.alert_at)
    if case.email_state in ("retry", "claimed"):
        times.append(case.claim_until or now)
    if case.email_state == "sent" and case.followups_wanted > case.followups_sent:
        times.append(case.followup_until or now)
    if clinic.case_reminder_hours and case.status == "new" and case.reminded_at is None:
        times.append(case.created_at + timedelta(hours=clinic.case_reminder_hours))
    notice = notice_time(clinic, case, now)
    if notice is not None:
        times.append(notice)
    return min(times) if times else None


def look_at(services: Services, clinic: Clinic, case: Case, now: datetime) -> list[str]:
    """The sweep's turn on one due case: do what is due, then settle when to look again."""
    store = services.store
    done: list[str] = []
    visit = store.get_visit(clinic.id, case.visit_id)
    if visit is None:
        log.warning("case %s/%s: the visit expired before its emails went out", clinic.id, case.case_id)
        store.schedule_case(case, None)
        return done
    if not case.text and visit.invite_token and case.case_id == visit.visit_id:
        # Words the invite holds but the case does not: the request died between storing them and joining them.
        # (Only the visit's own case: a care message's case has its own link.)
        invite = store.get_invite(visit.invite_token)
        if invite is not None and invite.feedback:
            join_words(services, clinic, visit, invite.score or case.score, invite.feedback, now, send=False)
            done.append("words_joined")
            case = store.get_case(clinic.id, case.case_id) or case
    if alert_due(case, now):
        done.append(f"alert:{alert_director(services, clinic, case, visit, now)}")
        case = store.get_case(clinic.id, case.case_id) or case
    if followup_due(case, now):
        done.append(f"followup:{send_followup(services, clinic, case, visit, now)}")
        case = store.get_case(clinic.id, case.case_id) or case
    if reminder_due(clinic, case, now) and remind_directors(services, clinic, case, visit, now):
        done.append("reminded")
        want_notice(services, clinic, case, "reminder", now)
        case = store.get_case(clinic.id, case.case_id) or case
    if notice_due(clinic, case, now):
        done.append(f"telegram:{notify_directors(services, clinic, case, visit, now)}")
        case = store.get_case(clinic.id, case.case_id) or case
    later = next_look(clinic, case, now)
    if later != case.due_at:
        # Only if nothing changed since the read: a change meanwhile made the case due now, and it stays so.
        store.schedule_case(case, later)
    return done
