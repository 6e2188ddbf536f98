"""The director's moves on a case: contacted, then resolved (the patient came back or not), each once and
each on the case's timeline; a case closed too soon is opened again (back to "contacted": someone has it)."""

from __future__ import annotations

from datetime import datetime

from functions.cases.timeline import record
from functions.services import Services
from functions.store import Case


def mark_contacted(services: Services, case: Case, who: str, now: datetime, by: str = "") -> bool:
    """``by``: where the director said so, when not the dashboard ("telegram")."""
    if not services.store.move_case(case.clinic_id, case.case_id, ("new",), "contacted", who, now):
        return False
    record(services.store, case, "contacted", now, who=who, **({"by": by} if by else {}))
    return True


def resolve(services: Services, case: Case, who: str, returned: bool, now: datetime, by: str = "") -> bool:
    outcome = "returned" if returned else "not_returned"
    if not services.store.move_case(case.clinic_id, case.case_id, ("new", "contacted"), "resolved", who, now,
                                    outcome):
        return False
    record(services.store, case, "resolved", now, who=who, outcome=outcome, **({"by": by} if by else {}))
    return True


def reopen(services: Services, case: Case, who: str, now: datetime) -> bool:
    """Undo a close: the case is worked again (status "contacted", by whoever reopened it); False when it is
    not closed (or was opened again meanwhile)."""
    if not services.store.move_case(case.clinic_id, case.case_id, ("resolved",), "contacted", who, now):
        return False
    record(services.store, case, "reopened", now, who=who)
    return True
