"""The embedded store: stdlib SQLite in WAL mode, one connection per thread (``sqlite_db.py``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from functions.store.base import CREATED, EVERY_CLINIC, UPDATED, directory_entry, iso
from functions.store.records import VISIT_DATA, ApiKey, Contact, Invite, Visit
from functions.store.sqlite_admin import SqliteAdmin
from functions.store.sqlite_campaigns import SqliteCampaigns
from functions.store.sqlite_cases import SqliteCases, add_case_columns
from functions.store.sqlite_channels import SqliteChannels
from functions.store.sqlite_db import SqliteDb
from functions.store.sqlite_erase import SqliteErase
from functions.store.sqlite_patients import SqlitePatients
from functions.store.sqlite_rewards import SqliteRewards, add_later_columns
from functions.store.sqlite_rows import row_values, to_record
from functions.store.sqlite_sending import SqliteSending

SCHEMA = Path(__file__).with_name("schema.sql")


class SqliteStore(SqliteDb, SqliteSending, SqliteRewards, SqliteCases, SqliteAdmin, SqliteChannels, SqlitePatients,
                  SqliteCampaigns, SqliteErase):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db.executescript(SCHEMA.read_text(encoding="utf-8"))
        # Several server processes open the same file at once: each looks at and adds the later columns
        # under the write lock, so none adds a column another has just added.
        with self._transaction() as db:
            add_later_columns(db)
            add_case_columns(db)

    def _insert_new(self, table: str, record: object) -> bool:
        """Insert a row unless its key exists; True when this call created it (the claim)."""
        v = row_values(record)
        columns = ", ".join(v)
        placeholders = ", ".join(f":{name}" for name in v)
        # Table and column names come from this module and the record classes, never from input.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"  # noqa: S608
        return self._db.execute(sql, v).rowcount > 0

    def purge_expired(self, now: datetime) -> int:
        """Delete visits and invites past their expiry: phone numbers leave with them."""
        gone = self._db.execute("DELETE FROM invites WHERE expires_at < ?", (iso(now),)).rowcount
        gone += self._db.execute("DELETE FROM contacts WHERE expires_at < ?", (iso(now),)).rowcount
        gone += self._purge_channels(now)
        gone += self._purge_patients(now)
        return gone + self._db.execute("DELETE FROM visits WHERE expires_at < ?", (iso(now),)).rowcount

    # Clinics
    def put_clinic(self, clinic_id: str, config: dict, now: datetime) -> None:
        self._db.execute(
            "INSERT INTO clinics (clinic_id, config, updated_at) VALUES (?, ?, ?) ON CONFLICT (clinic_id) DO UPDATE "
            "SET config = excluded.config, updated_at = excluded.updated_at, version = clinics.version + 1",
            (clinic_id, json.dumps(config, ensure_ascii=False), iso(now)),
        )

    def get_clinic(self, clinic_id: str) -> dict | None:
        row = self._one("SELECT config FROM clinics WHERE clinic_id = ?", clinic_id)
        return None if row is None else json.loads(row["config"])

    def get_clinic_since(self, clinic_id: str, known_version: int) -> tuple[int, dict | None] | None:
        # The document leaves the database only when it changed: an unchanged clinic costs one integer.
        row = self._one("SELECT version, CASE version WHEN ? THEN NULL ELSE config END FROM clinics "
                        "WHERE clinic_id = ?", known_version, clinic_id)
        if row is None:
            return None
        return row[0], None if row[1] is None else json.loads(row[1])

    def clinic_directory(self) -> list[tuple[str, str, str]]:
        rows = self._db.execute("SELECT clinic_id, config FROM clinics ORDER BY clinic_id")
        return [(r[0], *directory_entry(json.loads(r[1]))) for r in rows]

    def list_clinic_ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT clinic_id FROM clinics ORDER BY clinic_id")]

    # Leases: who runs the schedules
    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        return self._changed(
            "INSERT INTO leases VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET holder = excluded.holder, until = excluded.until WHERE leases.holder = excluded.holder "
            "OR leases.until < ?", name, holder, iso(until), iso(now))

    def release_lease(self, name: str, holder: str) -> bool:
        return self._changed("DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)

    # API keys
    def put_api_key(self, key: ApiKey) -> None:
        v = row_values(key)
        self._db.execute("INSERT INTO api_keys VALUES (:key_id, :clinic_id, :secret_hash, :created_at, :revoked_at)", v)

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self._one("SELECT * FROM api_keys WHERE key_id = ?", key_id)
        return None if row is None else to_record(ApiKey, row)

    def revoke_api_key(self, key_id: str, now: datetime) -> bool:
        return self._changed(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", iso(now), key_id)

    # Visits
    def save_visits(self, visits: list[Visit]) -> list[str]:
        """Upsert a batch in one transaction; the invite columns of existing visits are left as they are."""
        if not visits:
            return []
        rows = [row_values(v) for v in visits]
        columns = ", ".join(rows[0])
        placeholders = ", ".join(f":{name}" for name in rows[0])
        updates = ", ".join(f"{name} = excluded.{name}" for name in VISIT_DATA)
        with self._transaction() as db:
            existing: set[tuple[str, str]] = set()
            for clinic_id in {v.clinic_id for v in visits}:
                ids = [v.visit_id for v in visits if v.clinic_id == clinic_id]
                for start in range(0, len(ids), 500):
                    chunk = ids[start:start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    sql = f"SELECT visit_id FROM visits WHERE clinic_id = ? AND visit_id IN ({marks})"  # noqa: S608
                    existing.update((clinic_id, r[0]) for r in db.execute(sql, (clinic_id, *chunk)))
            db.executemany(
                f"INSERT INTO visits ({columns}) VALUES ({placeholders}) "  # noqa: S608
                f"ON CONFLICT (clinic_id, visit_id) DO UPDATE SET {updates}", rows)
        return [UPDATED if (v.clinic_id, v.visit_id) in existing else CREATED for v in visits]

    def save_visit(self, visit: Visit) -> str:
        return self.save_visits([visit])[0]

    def get_visit(self, clinic_id: str, visit_id: str) -> Visit | None:
        row = self._one("SELECT * FROM visits WHERE clinic_id = ? AND visit_id = ?", clinic_id, visit_id)
        return None if row is None else to_record(Visit, row)

    def get_visits(self, clinic_id: str, visit_ids: list[str]) -> dict[str, Visit]:
        found: dict[str, Visit] = {}
        unique = sorted(set(visit_ids))
        for start in range(0, len(unique), 500):  # SQLite's limit on bound values, with room to spare
            part = unique[start:start + 500]
            rows = self._db.execute(f"SELECT * FROM visits WHERE clinic_id = ? AND visit_id IN "  # noqa: S608
                                    f"({', '.join('?' for _ in part)})", (clinic_id, *part))
            found.update((v.visit_id, v) for v in (to_record(Visit, r) for r in rows))
        return found

    def visits_on(self, clinic_id: str, local_date: str) -> list[Visit]:
        rows = self._db.execute(
            "SELECT * FROM visits WHERE clinic_id = ? AND local_date = ? ORDER BY visit_id",
            (clinic_id, local_date))
        return [to_record(Visit, r) for r in rows]

    # Contact preferences
    def save_contacts(self, contacts: list[Contact]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO contacts (clinic_id, phone, updated_at, expires_at, channel, hours_from, hours_to, "
            "days, address) VALUES (:clinic_id, :phone, :updated_at, :expires_at, :channel, :hours_from, :hours_to, "
            ":days, :address)",
            [row_values(c) for c in contacts])

    def contacts(self, clinic_id: str, phones: list[str]) -> dict[str, Contact]:
        return {r["phone"]: to_record(Contact, r) for r in self._in_phones("contacts", "*", clinic_id, phones)}

    def _in_phones(self, table: str, columns: str, clinic_id: str, phones: list[str]) -> list[sqlite3.Row]:
        found: list[sqlite3.Row] = []
        for start in range(0, len(phones), 500):
            chunk = phones[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT {columns} FROM {table} WHERE clinic_id = ? AND phone IN ({marks})"  # noqa: S608
            found.extend(self._db.execute(sql, (clinic_id, *chunk)))
        return found

    # Invites
    def put_invite(self, invite: Invite) -> bool:
        return self._insert_new("invites", invite)

    def get_invite(self, token: str) -> Invite | None:
        row = self._one("SELECT * FROM invites WHERE token = ?", token)
        return None if row is None else to_record(Invite, row)

    def mark_opened(self, token: str, now: datetime) -> bool:
        if self._found_before_writing("SELECT 1 FROM invites WHERE token = ? AND opened_at IS NULL", token) is False:
            return False  # opened already
        return self._changed("UPDATE invites SET opened_at = ? WHERE token = ? AND opened_at IS NULL", iso(now), token)

    def record_rating(self, token: str, score: int, now: datetime) -> bool:
        if self._found_before_writing("SELECT 1 FROM invites WHERE token = ? AND score IS NULL", token) is False:
            return False  # a repeat tap
        return self._changed(
            "UPDATE invites SET score = ?, rated_at = ? WHERE token = ? AND score IS NULL", score, iso(now), token)

    def change_rating(self, token: str, old: int, new: int, now: datetime) -> bool:
        return self._changed("UPDATE invites SET score = ? WHERE token = ? AND score = ? AND feedback IS NULL",
                             new, token, old)

    def record_feedback(self, token: str, text: str, now: datetime) -> bool:
        return self._changed(
            "UPDATE invites SET feedback = ?, feedback_at = ? WHERE token = ? AND feedback IS NULL",
            text, iso(now), token)

    def record_click(self, token: str, platform: str, now: datetime) -> bool:
        return self._changed(
            "UPDATE invites SET clicks = json_set(clicks, '$.' || json_quote(?), 1) "
            "WHERE token = ? AND json_extract(clicks, '$.' || json_quote(?)) IS NULL", platform, token, platform)

    def add_optout(self, scope: str, phone: str, now: datetime) -> None:
        self._db.execute("INSERT INTO optouts VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (scope, phone, iso(now)))

    def count_platform_click(self, clinic_id: str, platform: str) -> None:
        self._db.execute("INSERT INTO platform_clicks VALUES (?, ?, 1) "
                         "ON CONFLICT DO UPDATE SET clicks = clicks + 1", (clinic_id, platform))

    def platform_clicks(self, clinic_id: str) -> dict[str, int]:
        rows = self._db.execute("SELECT platform, clicks FROM platform_clicks WHERE clinic_id = ?", (clinic_id,))
        return {r[0]: r[1] for r in rows}

    def record_optout(self, token: str, clinic_id: str, phone: str, now: datetime) -> None:
        self.add_optout(clinic_id, phone, now)
        self._db.execute("UPDATE invites SET opted_out_at = ? WHERE token = ? AND opted_out_at IS NULL",
                         (iso(now), token))

    def opted_out(self, clinic_id: str, phones: list[str]) -> set[str]:
        found = self._in_phones("optouts", "phone", clinic_id, phones)
        found += self._in_phones("optouts", "phone", EVERY_CLINIC, phones)
        return {r["phone"] for r in found}
