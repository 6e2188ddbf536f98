"""The funnel's counters, kept as events happen, so the dashboard never reads invites.

Every event counts on the visit's local day (so a date range is a cohort: its visits and what became
of them) under three dimensions: the clinic ("all"), the doctor and the branch. An event is counted
once, by whoever won its conditional write (first open, first score, new case, paid reward); batches
(an import, a dispatch run) are counted once per group, not per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from functions.dashboard.store import CounterStore
from functions.store import Visit


def dims(visit: Visit) -> list[str]:
    found = ["all"]
    if visit.doctor:
        found.append(f"doctor:{visit.doctor}")
    if visit.branch:
        found.append(f"branch:{visit.branch}")
    return found


def count(store: CounterStore, visit: Visit, **counts: int) -> None:
    """One event of one visit: add ``counts`` under each of its dimensions (one write)."""
    store.bump_stats(visit.clinic_id, visit.local_date, dict.fromkeys(dims(visit), counts))


def count_many(store: CounterStore, visits: Iterable[Visit], name: str) -> None:
    """A batch of the same event: one write per visit day, whatever the batch's size."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    for visit in visits:
        groups.setdefault((visit.clinic_id, visit.local_date), Counter()).update(dims(visit))
    for (clinic_id, day), per_dim in groups.items():
        store.bump_stats(clinic_id, day, {dim: {name: number} for dim, number in per_dim.items()})


def rating_counts(score: int) -> dict[str, int]:
    return {"answered": 1, f"score{score}": 1, "score_sum": score}
