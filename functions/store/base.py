"""The store: one narrow interface, shaped by what the funnel asks of it.

Two real backends implement it (``sqlite.py``, ``dynamodb.py``) and one contract suite
(``tests/test_store_contract.py``) runs every case against both. Every read is a key
lookup or a query on a key; writes that start a side effect are conditional claims.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from functions.store.records import ApiKey, Case, Contact, Invite, Reward, Visit

# What ``save_visit`` reports, so imports can say what they did.
CREATED = "created"
UPDATED = "updated"


# Opt-outs under this scope hold for every clinic: a STOP reply to the shared sender.
EVERY_CLINIC = "*"


class PhoneRecentlyInvited(Exception):
    """The claim was refused: another visit of this phone was invited by this clinic too recently."""


def directory_entry(config: dict) -> tuple[str, str]:
    """The timezone and sending window a clinic document names (defaults where it names none)."""
    return config.get("timezone", "Europe/Moscow"), (config.get("sending") or {}).get("window", "10:00-21:00")


def iso(moment: datetime | None) -> str | None:
    """Serialise a time as fixed-width UTC ISO text, so text order is time order."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class Store(Protocol):
    # Clinics: the configuration is a validated JSON document (see clinics.py).
    def put_clinic(self, clinic_id: str, config: dict, now: datetime) -> None: ...
    def get_clinic(self, clinic_id: str) -> dict | None: ...
    def list_clinic_ids(self) -> list[str]: ...
    # Every clinic's id, timezone and sending window ("10:00-21:00"): what the scheduler needs to
    # find the clinics that are due, without loading each configuration.
    def clinic_directory(self) -> list[tuple[str, str, str]]: ...

    # API keys: looked up by their public id; only a hash of the secret is kept.
    def put_api_key(self, key: ApiKey) -> None: ...
    def get_api_key(self, key_id: str) -> ApiKey | None: ...
    def revoke_api_key(self, key_id: str, now: datetime) -> bool: ...

    # Visits: upserted by (clinic, visit id) without touching the invite state; a batch is one
    # transaction (SQLite) or batch writes of 25 (DynamoDB). Each answer is CREATED or UPDATED.
    def save_visits(self, visits: list[Visit]) -> list[str]: ...
    def save_visit(self, visit: Visit) -> str: ...
    def get_visit(self, clinic_id: str, visit_id: str) -> Visit | None: ...
    def visits_on(self, clinic_id: str, local_date: str) -> list[Visit]: ...

    # Contact preferences: one row per patient (phone) per clinic, replaced by the latest import.
    def save_contacts(self, contacts: list[Contact]) -> None: ...
    def contacts(self, clinic_id: str, phones: list[str]) -> dict[str, Contact]: ...

    # Invites. ``claim_invite`` is the conditional write that starts an SMS: it succeeds
    # for a visit with no invite yet, or one whose earlier claim or retry time has passed,
    # and returns the token that the invite uses (an earlier one is kept).
    #
    # With ``phone`` and ``repeat_since``, the same write also takes the phone for this clinic: it
    # fails with ``PhoneRecentlyInvited`` when another visit of the phone was invited since then.
    def claim_invite(
        self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime,
        *, phone: str = "", repeat_since: datetime | None = None,
    ) -> str | None: ...
    def finish_invite(
        self,
        clinic_id: str,
        visit_id: str,
        token: str,
        state: str,
        now: datetime,
        *,
        message_id: str = "",
        error: str = "",
        retry_at: datetime | None = None,
    ) -> bool: ...
    # Reminder ``number`` (1, 2) of a sent invite: claimed when the previous one is the last sent,
    # given back (for the next run) when its send failed for a passing reason.
    def claim_reminder(self, clinic_id: str, visit_id: str, number: int) -> bool: ...
    def release_reminder(self, clinic_id: str, visit_id: str, number: int) -> None: ...

    # The provider's final delivery status for a sent invite; False for an unknown visit.
    def record_delivery(self, clinic_id: str, visit_id: str, status: str, now: datetime) -> bool: ...
    # The visit a provider's message id belongs to (recorded when the invite is marked sent).
    def find_message(self, message_id: str) -> tuple[str, str] | None: ...
    def put_invite(self, invite: Invite) -> bool: ...
    def get_invite(self, token: str) -> Invite | None: ...
    def mark_opened(self, token: str, now: datetime) -> None: ...
    def record_rating(self, token: str, score: int, now: datetime) -> bool: ...
    def record_feedback(self, token: str, text: str, now: datetime) -> bool: ...
    def record_click(self, token: str, platform: str, now: datetime) -> None: ...
    def record_optout(self, token: str, clinic_id: str, phone: str, now: datetime) -> None: ...
    def add_optout(self, scope: str, phone: str, now: datetime) -> None: ...
    # The phones opted out of this clinic or of every clinic.
    def opted_out(self, clinic_id: str, phones: list[str]) -> set[str]: ...

    # The daily cap: a run reserves up to ``wanted`` sends for the clinic's day and gives back what it
    # did not use; overlapping runs never reserve more than ``cap`` together.
    def reserve_sends(self, clinic_id: str, day: str, wanted: int, cap: int) -> int: ...
    def release_sends(self, clinic_id: str, day: str, unused: int) -> None: ...

    # Cases: one per answered invite at most; ``claim_case_email`` starts the alert email.
    def create_case(self, case: Case) -> bool: ...
    def get_case(self, clinic_id: str, case_id: str) -> Case | None: ...
    def list_cases(self, clinic_id: str) -> list[Case]: ...
    def claim_case_email(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> bool: ...
    def finish_case_email(
        self, clinic_id: str, case_id: str, state: str, now: datetime, *, error: str = "",
        retry_at: datetime | None = None,
    ) -> None: ...

    # Rewards: the ledger; ``create_reward`` is the claim (one row per reward id, ever).
    def create_reward(self, reward: Reward) -> bool: ...
    def list_rewards(self, clinic_id: str) -> list[Reward]: ...

    # Phone numbers expire with their invite: DynamoDB's TTL deletes on its own; SQLite purges here.
    def purge_expired(self, now: datetime) -> int: ...

    def close(self) -> None: ...
