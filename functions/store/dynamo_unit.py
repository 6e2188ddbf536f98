"""Units of work on DynamoDB (see ``unit.py``): each write stands alone, as every claim must answer at
once; what a unit adds is one counter write per visit day for the whole request, made when it ends,
and callbacks that wait for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DynamoTable
from functions.store.unit import PendingEffects, run_all

STATS_PER_UPDATE = 100


class DynamoUnit(DynamoTable):
    def __init__(self, client: Any, table: str) -> None:
        super().__init__(client, table)
        self._pending = PendingEffects()
        self._counts = threading.local()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self._pending.enter()
        outermost = self._pending.depth == 1
        if outermost:
            self._counts.merged = {}
        succeeded = False
        try:
            yield
            succeeded = True
        finally:
            callbacks = self._pending.leave(succeeded)
            if outermost:
                merged, self._counts.merged = self._counts.merged, None
                # Writes that won their conditions stand even when a later step failed, and so do their counts.
                for (clinic_id, day), counts in merged.items():
                    self._write_stats(clinic_id, day, counts)
        run_all(callbacks)

    def after_commit(self, callback: Callable[[], object]) -> None:
        if not self._pending.hold(callback):
            callback()

    def _merge_stats(self, clinic_id: str, day: str, counts: dict[str, dict[str, int]]) -> bool:
        """Inside a unit: add to the request's counters for that day (written when it ends); False outside."""
        merged = getattr(self._counts, "merged", None)
        if merged is None:
            return False
        into = merged.setdefault((clinic_id, day), {})
        for dim, named in counts.items():
            slot = into.setdefault(dim, {})
            for name, value in named.items():
                slot[name] = slot.get(name, 0) + value
        return True

    def _write_stats(self, clinic_id: str, day: str, counts: dict[str, dict[str, int]]) -> None:
        """One UpdateItem on the day's counters item (more only past 100 counters: an expression is <= 4 KB)."""
        pairs = [(f"{dim}|{name}", value) for dim, named in counts.items() for name, value in named.items()]
        for start in range(0, len(pairs), STATS_PER_UPDATE):
            chunk = pairs[start:start + STATS_PER_UPDATE]
            names = {f"#n{n}": name for n, (name, _) in enumerate(chunk)}
            values = {f":v{n}": value for n, (_, value) in enumerate(chunk)}
            expression = "ADD " + ", ".join(f"#n{n} :v{n}" for n in range(len(chunk)))
            self._update(clinic_key(clinic_id), f"STATS#{day}", expression, None, values, names=names)
