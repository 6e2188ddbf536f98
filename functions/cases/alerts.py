"""The directors' emails about a case: the alert (once), the follow-up that tells what changed after it, and
the reminder about a case still new. Each is claimed before it is sent and its outcome recorded as data:
sent, retry (the sweep tries again with backoff) or failed (visible on the case)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import quote

from functions.cases.kinds import CHANGED, kind_name
from functions.cases.names import read_name
from functions.cases.replies import case_reply
from functions.cases.store import CaseStore
from functions.cases.timeline import record
from functions.clinics.clinic import Clinic
from functions.services import Services, backoff
from functions.store import Case, Contact, Visit
from functions.store.patient_records import CARE
from functions.texts import one_line, render
from functions.transports import Email, TransportError

log = logging.getLogger(__name__)

EXCERPT_WORDS = 8
FOLLOWUP_RETRY_ATTEMPT = 3  # backoff(3): four minutes, about the sweep's period
# After this many failed attempts (about 7 minutes with the backoff) the owner is told on the dashboard;
# the sweep keeps retrying all the same.
NOTICE_AFTER_ATTEMPTS = 3
REASON = re.compile(r"^\[([a-z_]+)\] ")


def case_link(services: Services, clinic_id: str, case_id: str) -> str:
    """The case's page on the dashboard (the director signs in with an emailed link if needed)."""
    return f"{services.settings.hooks_base}/admin/c/{quote(clinic_id)}/cases/{quote(case_id)}"


def excerpt(text: str) -> str:
    words = text.split()
    return " ".join(words[:EXCERPT_WORDS]) + ("…" if len(words) > EXCERPT_WORDS else "")


def recipients(clinic: Clinic, case: Case, visit: Visit) -> tuple[str, ...]:
    """The directors (and the branch's); for a low answer to the care message, the visit's doctor too."""
    found = clinic.directors_for(visit.branch)
    if case.source == CARE:
        found += tuple(e for e in clinic.doctors.emails_for(visit.doctor) if e not in found)
    return found


def complaint_email(clinic: Clinic, case: Case, visit: Visit, contact: Contact | None = None,
                    link: str = "", wait: int = 0) -> Email:
    """Text and HTML from templates; every field is the patient's or clinic's data, never a token. A care
    answer has its own words, and an urgent one says so first in the subject."""
    local = visit.visit_at.astimezone(clinic.zone)
    context = {
        "clinic": clinic.name, "branch": visit.branch, "score": case.score, "text": case.text,
        "excerpt": excerpt(case.text), "patient": visit.patient_name, "phone": visit.phone,
        "gender": read_name(visit.patient_name).gender,
        "visit_time": local.strftime("%d.%m.%Y %H:%M"), "doctor": visit.doctor, "service": visit.service,
        "contact": contact, "kind": kind_name(clinic.locale, case.kind), "wait": wait,
        "reply": case_reply(clinic, case, visit), "link": link, "urgent": case.urgent,
    }
    base = "care_alert" if case.source == CARE else "complaint"
    return templated_email(recipients(clinic, case, visit), f"emails/{clinic.locale}/{base}", context)


def templated_email(to: tuple[str, ...], base: str, context: dict) -> Email:
    """Subject, text and HTML from ``<base>.subject.txt``, ``.txt`` and ``.html``; the subject on one line."""
    return Email(to=to, subject=one_line(render(f"{base}.subject.txt", **context))[:200],
                 text=render(f"{base}.txt", **context), html=render(f"{base}.html", **context))


def failure_text(err: TransportError) -> str:
    """The error as kept on the case: "[reason] message" when the transport named why, so the page can say it."""
    return f"[{err.reason}] {err.message}" if err.reason else err.message


def _failed(services: Services, case: Case, what: str, err: TransportError, now: datetime,
            attempts: int) -> tuple[str, datetime | None]:
    state = "failed" if err.permanent else "retry"
    retry_at = None if err.permanent else now + backoff(attempts)
    log.warning("%s for case %s/%s: %s (%s)", what, case.clinic_id, case.case_id, state, err.message)
    record(services.store, case, f"{what}_failed", now, text=err.message, state=state)
    return state, retry_at


def alert_director(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> str:
    """Claim the case's alert, send it, record the outcome: sent, retry (by the sweep) or failed."""
    store: CaseStore = services.store
    # Claim first: a retried request and the sweep racing here still send one email. The claim hands back
    # the case as it is now, so the email carries the words that arrived a moment ago.
    claimed = store.claim_case_email(clinic.id, case.case_id, now, services.claim_until(now))
    if claimed is None:
        return "claimed_elsewhere"
    if claimed.status == "resolved" and claimed.outcome == CHANGED:
        # The patient took the low score back before anyone was told: nothing to send (unless it comes back).
        store.finish_case_email(clinic.id, case.case_id, "", now)
        return "taken_back"
    wait = 0 if claimed.text or not claimed.alert_at else clinic.alert_wait_minutes
    try:
        contact = store.contacts(clinic.id, [visit.phone]).get(visit.phone)
        services.email.send(complaint_email(clinic, claimed, visit, contact,
                                            case_link(services, clinic.id, case.case_id), wait))
    except TransportError as err:
        state, retry_at = _failed(services, claimed, "alert", err, now, claimed.attempts)
        store.finish_case_email(clinic.id, case.case_id, state, now, error=failure_text(err), retry_at=retry_at)
        return state
    store.finish_case_email(clinic.id, case.case_id, "sent", now, told=claimed)
    record(store, claimed, "alert_sent", now, to=len(recipients(clinic, claimed, visit)))
    return "sent"


def send_followup(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> str:
    """What changed after the alert (words, a new score, the case taken back), in one short email."""
    store: CaseStore = services.store
    claimed = store.claim_case_followup(clinic.id, case.case_id, now, services.claim_until(now))
    if claimed is None:
        return "claimed_elsewhere"
    closed = claimed.status == "resolved" and claimed.outcome == CHANGED
    new_words = bool(claimed.text) and not claimed.told_words
    messages = unsaid_messages(store, claimed)
    if not (closed or new_words or messages or claimed.score != claimed.told_score):
        store.finish_case_followup(clinic.id, case.case_id, "sent", now, told=claimed)
        return "nothing_new"  # e.g. 2 -> 5 -> 2 before this email went: the directors know it all
    context = {"clinic": clinic.name, "branch": visit.branch, "score": claimed.score, "told_score": claimed.told_score,
               "closed": closed, "new_words": new_words, "text": claimed.text, "excerpt": excerpt(claimed.text),
               "messages": messages,
               "patient": visit.patient_name, "phone": visit.phone, "reply": case_reply(clinic, claimed, visit),
               "link": case_link(services, clinic.id, case.case_id), "care": claimed.source == CARE,
               "urgent": claimed.urgent}
    try:
        services.email.send(templated_email(recipients(clinic, claimed, visit),
                                            f"emails/{clinic.locale}/followup", context))
    except TransportError as err:
        # A follow-up keeps no attempt count: it is tried again at the sweep's pace.
        state, retry_at = _failed(services, claimed, "followup", err, now, FOLLOWUP_RETRY_ATTEMPT)
        store.finish_case_followup(clinic.id, case.case_id, state, now, told=claimed, error=failure_text(err),
                                   retry_at=retry_at)
        return state
    store.finish_case_followup(clinic.id, case.case_id, "sent", now, told=claimed)
    record(store, claimed, "followup_sent", now, score=claimed.score, words=new_words)
    return "sent"


def alert_problem(case: Case) -> tuple[str, str]:
    """Why the case's email has not gone out: the transport's reason code ("" if it gave none) and its words."""
    found = REASON.match(case.last_error)
    return (found.group(1), case.last_error[found.end():]) if found else ("", case.last_error)


def undelivered(cases: list[Case]) -> list[Case]:
    """Cases whose directors have not been emailed for a while: failed for good, or still failing after
    ``NOTICE_AFTER_ATTEMPTS`` tries. The owner sees them on the dashboard, so no complaint is lost silently."""
    return [c for c in cases if c.email_state == "failed"
            or (c.email_state == "retry" and c.attempts >= NOTICE_AFTER_ATTEMPTS)]


def unsaid_messages(store: CaseStore, case: Case) -> list[str]:
    """What the patient wrote on WhatsApp since the directors' last email about the case (the timeline keeps it)."""
    events = store.case_events(case.clinic_id, case.case_id)  # in the order they happened
    told = max((n for n, e in enumerate(events) if e.kind in ("alert_sent", "followup_sent")), default=-1)
    return [e.text for e in events[told + 1:] if e.kind == "whatsapp_in"]


def remind_directors(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> bool:
    """A case still new after the clinic's hours: one reminder email, claimed so it goes once."""
    if not services.store.mark_case_reminded(clinic.id, case.case_id, now):
        return False
    context = {"clinic": clinic.name, "clinic_id": clinic.id, "case_id": case.case_id, "score": case.score,
               "text": case.text, "patient": visit.patient_name, "phone": visit.phone,
               "gender": read_name(visit.patient_name).gender,
               "created": case.created_at.astimezone(clinic.zone).strftime("%d.%m.%Y %H:%M"),
               "reply": case_reply(clinic, case, visit), "link": case_link(services, clinic.id, case.case_id)}
    email = templated_email(recipients(clinic, case, visit), f"emails/{clinic.locale}/case_reminder", context)
    try:
        services.email.send(email)
    except TransportError as err:
        # A reminder is a nudge, not the complaint itself (that email is retried until it goes out).
        log.warning("case reminder for %s/%s not sent: %s", clinic.id, case.case_id, err.message)
        return False
    record(services.store, case, "reminder_sent", now)
    return True
