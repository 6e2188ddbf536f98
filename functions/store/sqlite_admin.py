"""The dashboard's side of the SQLite store: members, one-time marks, rate limits, the audit and the counters.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_transaction``).
"""

from __future__ import annotations

from datetime import datetime

from functions.store.base import iso
from functions.store.records import AuditEntry
from functions.store.sqlite_rows import row_values, to_record


class SqliteAdmin:
    def put_member(self, clinic_id: str, email: str, role: str, now: datetime) -> None:
        self._db.execute("INSERT INTO members VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET role = excluded.role",
                         (email, clinic_id, role, iso(now)))

    def remove_member(self, clinic_id: str, email: str) -> bool:
        deleted = self._db.execute("DELETE FROM members WHERE email = ? AND clinic_id = ?", (email, clinic_id))
        return deleted.rowcount > 0

    def memberships(self, email: str) -> dict[str, str]:
        rows = self._db.execute("SELECT clinic_id, role FROM members WHERE email = ? ORDER BY clinic_id", (email,))
        return {r[0]: r[1] for r in rows}

    def members(self, clinic_id: str) -> dict[str, str]:
        rows = self._db.execute("SELECT email, role FROM members WHERE clinic_id = ? ORDER BY email", (clinic_id,))
        return {r[0]: r[1] for r in rows}

    def record_sign_in(self, email: str, now: datetime) -> None:
        self._db.execute("INSERT INTO sign_ins VALUES (?, ?) ON CONFLICT DO UPDATE SET at = excluded.at",
                         (email, iso(now)))

    def member_sign_ins(self, clinic_id: str) -> dict[str, datetime]:
        rows = self._db.execute("SELECT m.email, s.at FROM members m JOIN sign_ins s ON s.email = m.email "
                                "WHERE m.clinic_id = ?", (clinic_id,))
        return {email: datetime.fromisoformat(at) for email, at in rows}

    def session_version(self, email: str) -> int:
        row = self._one("SELECT version FROM session_versions WHERE email = ?", email)
        return row[0] if row else 0

    def end_sessions(self, email: str) -> int:
        # fetchall, not fetchone: a RETURNING statement holds its write until it is stepped to the end.
        rows = self._db.execute("INSERT INTO session_versions VALUES (?, 1) ON CONFLICT DO UPDATE "
                                "SET version = version + 1 RETURNING version", (email,)).fetchall()
        return rows[0][0]

    def mark_once(self, scope: str, key: str, now: datetime, until: datetime) -> bool:
        with self._transaction() as db:
            db.execute("DELETE FROM once_marks WHERE scope = ? AND until < ?", (scope, iso(now)))
            return db.execute("INSERT INTO once_marks VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                              (scope, key, iso(until))).rowcount > 0

    def count_hit(self, key: str, period: str, limit: int) -> bool:
        with self._transaction() as db:
            row = db.execute("SELECT count FROM hits WHERE key = ? AND period = ?", (key, period)).fetchone()
            if row and row[0] >= limit:
                return False
            db.execute("INSERT INTO hits VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1", (key, period))
            db.execute("DELETE FROM hits WHERE key = ? AND period < ?", (key, period))
            return True

    def add_audit(self, entry: AuditEntry) -> None:
        values = row_values(entry)
        self._db.execute("INSERT INTO audit VALUES (:clinic_id, :entry_id, :at, :who, :what, :before, :after)", values)

    def list_audit(self, clinic_id: str, limit: int) -> list[AuditEntry]:
        rows = self._db.execute("SELECT * FROM audit WHERE clinic_id = ? ORDER BY entry_id DESC LIMIT ?",
                                (clinic_id, limit))
        return [to_record(AuditEntry, r) for r in rows]

    def bump_stats(self, clinic_id: str, day: str, counts: dict[str, dict[str, int]]) -> None:
        rows = [(clinic_id, day, dim, name, value) for dim, named in counts.items() for name, value in named.items()]
        # One event's counters (every dimension) are one commit, not one per row.
        with self._transaction() as db:
            db.executemany("INSERT INTO stats VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
                           "SET value = value + excluded.value", rows)

    def read_stats(self, clinic_id: str, first_day: str, last_day: str) -> dict[tuple[str, str], dict[str, int]]:
        found: dict[tuple[str, str], dict[str, int]] = {}
        rows = self._db.execute("SELECT day, dim, name, value FROM stats WHERE clinic_id = ? AND day BETWEEN ? AND ?",
                                (clinic_id, first_day, last_day))
        for day, dim, name, value in rows:
            found.setdefault((day, dim), {})[name] = value
        return found
