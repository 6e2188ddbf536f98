"""The cases' sweep: every case whose work has come due — the alert after the clinic's wait, a follow-up, a
retry of an email that failed for a passing reason, a claim left by a run that died, the reminder about a
case still new — found with one key query per clinic (no Scan, whatever the number of cases)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from functions.cases.lifecycle import look_at
from functions.services import Services

log = logging.getLogger(__name__)
PER_CLINIC = 200  # a clinic with more due cases gets the rest at the next sweep, five minutes later


def sweep_cases(services: Services, now: datetime) -> dict:
    counts: Counter = Counter({"sent": 0, "retry": 0, "failed": 0, "reminded": 0})
    store = services.store
    for clinic_id in store.list_clinic_ids():
        clinic = services.clinic(clinic_id)
        if clinic is None:
            continue
        for case in store.due_cases(clinic_id, now, PER_CLINIC):
            try:
                done = look_at(services, clinic, case, now)
            except Exception:
                log.exception("case %s/%s: the sweep failed on it; it stays due", clinic_id, case.case_id)
                continue
            for outcome in done:  # "alert:sent" counts as "sent", "followup:sent" as "followup_sent"
                what, _, result = outcome.partition(":")
                counts[result if what == "alert" else f"{what}_{result}" if result else what] += 1
    return dict(counts)
