"""The whole store: every stage's protocol in one, which both backends implement.

A stage's code types what it takes with its own protocol (``visits/store.py``, ``invites/store.py``,
``answers/store.py``, ``cases/store.py``, ``rewards/store.py``, ``dashboard/store.py``, ``clinics/store.py``,
``channels/store.py``, ``patients/store.py``, ``aftercare/store.py``),
so a reader sees what it may touch. One contract suite per stage runs every case against both backends.
Every read is a key lookup or a query on a key; writes that start a side effect are conditional claims.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.aftercare.store import CareStore
from functions.answers.store import AnswerStore
from functions.cases.store import CaseStore
from functions.channels.store import ChannelStore
from functions.clinics.store import ClinicStore
from functions.dashboard.store import DashboardStore
from functions.invites.store import SendingStore
from functions.patients.store import PatientStore
from functions.rewards.store import RewardStore
from functions.server.store import ScheduleStore
from functions.store.unit import UnitOfWork
from functions.visits.store import VisitStore


class Store(ClinicStore, VisitStore, CareStore, PatientStore, SendingStore, AnswerStore, CaseStore, RewardStore,
            DashboardStore, ChannelStore, ScheduleStore, UnitOfWork, Protocol):
    # Phone numbers expire with their invite: DynamoDB's TTL deletes on its own; SQLite purges here.
    def purge_expired(self, now: datetime) -> int: ...
    def close(self) -> None: ...
