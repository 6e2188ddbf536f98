"""What bringing visits in asks of the store; the visit and contact reads the later stages share."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.dashboard.store import CounterStore
from functions.store.records import ApiKey, Contact, Visit


class VisitReads(Protocol):
    def get_visit(self, clinic_id: str, visit_id: str) -> Visit | None: ...
    # Many visits at once (the cases list names each case's patient): one query on SQLite, batched gets on
    # DynamoDB. Visits gone (purged with their phone) are simply absent.
    def get_visits(self, clinic_id: str, visit_ids: list[str]) -> dict[str, Visit]: ...
    def visits_on(self, clinic_id: str, local_date: str) -> list[Visit]: ...


class ContactStore(Protocol):
    # Contact preferences: one row per patient (phone) per clinic, replaced by the latest import.
    def save_contacts(self, contacts: list[Contact]) -> None: ...
    def contacts(self, clinic_id: str, phones: list[str]) -> dict[str, Contact]: ...


class VisitStore(VisitReads, ContactStore, CounterStore, Protocol):
    # API keys: looked up by their public id; only a hash of the secret is kept.
    def put_api_key(self, key: ApiKey) -> None: ...
    def get_api_key(self, key_id: str) -> ApiKey | None: ...
    def revoke_api_key(self, key_id: str, now: datetime) -> bool: ...
    # Visits: upserted by (clinic, visit id) without touching the invite state; a batch is one
    # transaction (SQLite) or batch writes of 25 (DynamoDB). Each answer is CREATED or UPDATED.
    def save_visits(self, visits: list[Visit]) -> list[str]: ...
    def save_visit(self, visit: Visit) -> str: ...
