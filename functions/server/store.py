"""What the self-hosted schedules ask of the store: a lease, so one process runs them at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ScheduleStore(Protocol):
    # Take (or renew) the lease ``name`` for ``holder`` until ``until``: True when it is free, run out by
    # ``now``, or already this holder's; False while another holder's lease still runs.
    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool: ...
    # Give it back at once (a clean shutdown), so the next holder need not wait for it to run out.
    def release_lease(self, name: str, holder: str) -> bool: ...
