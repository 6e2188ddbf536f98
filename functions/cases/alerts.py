"""Director alerts: the email that tells a director about an unhappy patient, sent once."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import quote

from functions.cases.kinds import KIND_NAMES
from functions.cases.replies import suggested_reply
from functions.cases.store import CaseStore
from functions.clinics.clinic import Clinic
from functions.services import Services, backoff
from functions.store import Case, Contact, Visit
from functions.texts import one_line, render
from functions.transports import Email, TransportError

log = logging.getLogger(__name__)

EXCERPT_WORDS = 8
# After this many failed attempts (about 7 minutes with the backoff) the owner is told on the dashboard;
# the sweep keeps retrying all the same.
NOTICE_AFTER_ATTEMPTS = 3
REASON = re.compile(r"^\[([a-z_]+)\] ")


def case_link(services: Services, clinic_id: str, case_id: str) -> str:
    """The case's page on the dashboard (the director signs in with an emailed link if needed)."""
    return f"{services.settings.hooks_base}/admin/c/{quote(clinic_id)}/cases/{quote(case_id)}"


def complaint_email(clinic: Clinic, case: Case, visit: Visit, contact: Contact | None = None,
                    link: str = "") -> Email:
    """Text and HTML from templates; every field is the patient's or clinic's data, never a token."""
    words = case.text.split()
    excerpt = " ".join(words[:EXCERPT_WORDS]) + ("…" if len(words) > EXCERPT_WORDS else "")
    local = visit.visit_at.astimezone(clinic.zone)
    context = {
        "clinic": clinic.name, "branch": visit.branch, "score": case.score, "text": case.text,
        "excerpt": excerpt, "patient": visit.patient_name, "phone": visit.phone,
        "visit_time": local.strftime("%d.%m.%Y %H:%M"), "doctor": visit.doctor, "service": visit.service,
        "contact": contact, "kind": KIND_NAMES[clinic.locale][case.kind],
        "reply": suggested_reply(clinic, case.kind, visit.patient_name), "link": link,
    }
    return templated_email(clinic.directors_for(visit.branch), f"emails/{clinic.locale}/complaint", context)


def templated_email(to: tuple[str, ...], base: str, context: dict) -> Email:
    """Subject, text and HTML from ``<base>.subject.txt``, ``.txt`` and ``.html``; the subject on one line."""
    return Email(to=to, subject=one_line(render(f"{base}.subject.txt", **context))[:200],
                 text=render(f"{base}.txt", **context), html=render(f"{base}.html", **context))


def alert_director(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> str:
    """Claim the case's email, send it, record the outcome: sent, retry (by the sweep) or failed."""
    store: CaseStore = services.store
    # Claim first: a retried request and the sweep job racing here still send one email.
    if not store.claim_case_email(clinic.id, case.case_id, now, services.claim_until(now)):
        return "claimed_elsewhere"
    try:
        contact = store.contacts(clinic.id, [visit.phone]).get(visit.phone)
        services.email.send(complaint_email(clinic, case, visit, contact, case_link(services, clinic.id, case.case_id)))
    except TransportError as err:
        current = store.get_case(clinic.id, case.case_id)
        attempts = current.attempts if current else 1
        state = "failed" if err.permanent else "retry"
        error = f"[{err.reason}] {err.message}" if err.reason else err.message
        store.finish_case_email(clinic.id, case.case_id, state, now, error=error,
                                retry_at=None if err.permanent else now + backoff(attempts))
        log.warning("director email for case %s/%s: %s (%s)", clinic.id, case.case_id, state, err.message)
        return state
    store.finish_case_email(clinic.id, case.case_id, "sent", now)
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


def remind_directors(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> bool:
    """A case still new after the clinic's hours: one reminder email, claimed so it goes once."""
    if not services.store.mark_case_reminded(clinic.id, case.case_id, now):
        return False
    context = {"clinic": clinic.name, "clinic_id": clinic.id, "case_id": case.case_id, "score": case.score,
               "text": case.text, "patient": visit.patient_name, "phone": visit.phone,
               "created": case.created_at.astimezone(clinic.zone).strftime("%d.%m.%Y %H:%M"),
               "reply": suggested_reply(clinic, case.kind, visit.patient_name),
               "link": case_link(services, clinic.id, case.case_id)}
    email = templated_email(clinic.directors_for(visit.branch), f"emails/{clinic.locale}/case_reminder", context)
    try:
        services.email.send(email)
    except TransportError as err:
        # A reminder is a nudge, not the complaint itself (that email is retried until it goes out).
        log.warning("case reminder for %s/%s not sent: %s", clinic.id, case.case_id, err.message)
        return False
    return True
