"""The cases' sweep: director emails that failed for a passing reason (or were never claimed), and the
reminder about a case still new."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from functions.cases.alerts import alert_director, remind_directors
from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.store import Case

log = logging.getLogger(__name__)


def _still_new(clinic: Clinic, case: Case, now: datetime) -> bool:
    hours = clinic.case_reminder_hours
    return bool(hours) and case.status == "new" and case.reminded_at is None and (
        case.created_at + timedelta(hours=hours) <= now)


def sweep_cases(services: Services, now: datetime) -> dict:
    """Send director emails left in ``retry``, in a claim whose run crashed, or never claimed at all
    (the request died between storing the case and claiming its email)."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "reminded": 0}
    store = services.store
    for clinic_id in store.list_clinic_ids():
        clinic = services.clinic(clinic_id)
        if clinic is None:
            continue
        for case in store.list_cases(clinic_id):
            if _still_new(clinic, case, now):
                visit = store.get_visit(clinic_id, case.visit_id)
                if visit is not None and remind_directors(services, clinic, case, visit, now):
                    counts["reminded"] += 1
            unclaimed = case.email_state == ""
            expired = case.email_state in ("retry", "claimed") and case.claim_until and case.claim_until <= now
            due = unclaimed or expired
            if not due:
                continue
            visit = store.get_visit(clinic_id, case.visit_id)
            if visit is None:
                log.warning("case %s/%s: visit expired before its email went out", clinic_id, case.case_id)
                continue
            outcome = alert_director(services, clinic, case, visit, now)
            if outcome in counts:
                counts[outcome] += 1
    return counts
