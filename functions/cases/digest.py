"""The weekly digest: every Monday, each clinic's owners get last week's funnel and the cases still open.

One per clinic per week: the week is claimed (a one-time mark) before the email goes out, so a
retried or overlapping run never sends it twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from functions.cases.alerts import templated_email
from functions.dashboard.formats import number
from functions.dashboard.numbers import load_numbers
from functions.services import Services
from functions.transports import TransportError

log = logging.getLogger(__name__)
KEPT = timedelta(days=60)


def last_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week before ``today``'s."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def send_digests(services: Services, now: datetime) -> dict[str, int]:
    counts = {"sent": 0, "already": 0, "no_owner": 0, "failed": 0}
    store = services.store
    for clinic_id in store.list_clinic_ids():
        clinic = services.clinic(clinic_id)
        owners = tuple(sorted(e for e, role in store.members(clinic_id).items() if role == "owner"))
        if clinic is None or not owners:
            counts["no_owner"] += 1
            continue
        start, end = last_week(now.astimezone(clinic.zone).date())
        if not store.mark_once("digest", f"{clinic_id}:{start.isoformat()}", now, now + KEPT):
            counts["already"] += 1
            continue
        numbers = load_numbers(store, clinic, start, end)
        open_cases = sorted((c for c in store.list_cases(clinic_id) if c.status != "resolved"),
                            key=lambda c: c.created_at)
        base = services.settings.hooks_base
        context = {"clinic": clinic.name, "first": start.strftime("%d.%m"), "last": end.strftime("%d.%m.%Y"),
                   "steps": numbers.steps(), "average": number(numbers.total.average), "cases": open_cases[:20],
                   "more": max(len(open_cases) - 20, 0), "open": len(open_cases),
                   "link": f"{base}/admin/c/{clinic_id}/", "cases_link": f"{base}/admin/c/{clinic_id}/cases",
                   "case_base": f"{base}/admin/c/{clinic_id}/cases/"}
        try:
            services.email.send(templated_email(owners, "admin/emails/digest", context))
            counts["sent"] += 1
        except TransportError as err:
            log.warning("digest for %s not sent: %s", clinic_id, err.message)
            counts["failed"] += 1
    return counts
