"""The reward ledger in SQLite: the grant (row, month's budget and phone's limit in one transaction),
payment claims and their outcomes.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_found_before_writing``,
``_transaction``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from functions.store.base import iso
from functions.store.records import Invite, Reward, RewardStanding
from functions.store.sqlite_rows import row_values, to_record

GRANTED, EXISTS, OVER_BUDGET, PHONE_LIMIT = "granted", "exists", "budget", "phone_limit"

# Columns the ledger (and the clinics) gained after the first release: added to an older database when it is opened.
LATER_COLUMNS = {"rewards": (
    ("attempts", "INTEGER NOT NULL DEFAULT 0"), ("claim_until", "TEXT"), ("last_error", "TEXT NOT NULL DEFAULT ''"),
    ("paid_at", "TEXT"), ("settled_by", "TEXT NOT NULL DEFAULT ''"), ("batch", "TEXT NOT NULL DEFAULT ''"),
    ("promised_until", "TEXT")),
    "clinics": (("version", "INTEGER NOT NULL DEFAULT 1"),)}
# Claimable: never tried, or its claim (or wait after a failure) is over. A manual hand-over has no end.
CLAIMABLE = "(status = 'pending' OR (status IN ('failed', 'sending') AND claim_until IS NOT NULL AND claim_until <= ?))"


def add_later_columns(db: sqlite3.Connection) -> None:
    for table, columns in LATER_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, declaration in columns:
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")


def _insert(db: sqlite3.Connection, reward: Reward) -> None:
    values = row_values(reward)
    columns = ", ".join(values)
    db.execute(f"INSERT INTO rewards ({columns}) VALUES ({', '.join(':' + c for c in values)})", values)  # noqa: S608


def _grant(db: sqlite3.Connection, reward: Reward, budget_minor: int, phone_since: datetime | None) -> str:
    """The grant inside an open transaction: the row, the month's budget and the phone's limit together."""
    if db.execute("SELECT 1 FROM rewards WHERE clinic_id = ? AND reward_id = ?",
                  (reward.clinic_id, reward.reward_id)).fetchone():
        return EXISTS
    row = db.execute("SELECT committed_minor FROM reward_budgets WHERE clinic_id = ? AND month = ?",
                     (reward.clinic_id, reward.month)).fetchone()
    committed = row[0] if row else 0
    declined = ""
    if budget_minor and committed + reward.amount_minor > budget_minor:
        declined = OVER_BUDGET
    elif phone_since is not None:
        last = db.execute("SELECT reward_id, rewarded_at FROM reward_phones WHERE clinic_id = ? AND phone = ?",
                          (reward.clinic_id, reward.phone)).fetchone()
        if last and last[0] != reward.reward_id and last[1] >= iso(phone_since):
            declined = PHONE_LIMIT
    if declined:
        reward.status, reward.last_error = "declined", declined
        _insert(db, reward)
        return declined
    _insert(db, reward)
    db.execute("INSERT INTO reward_budgets VALUES (?, ?, ?) ON CONFLICT DO UPDATE "
               "SET committed_minor = committed_minor + excluded.committed_minor",
               (reward.clinic_id, reward.month, reward.amount_minor))
    db.execute("INSERT OR REPLACE INTO reward_phones VALUES (?, ?, ?, ?)",
               (reward.clinic_id, reward.phone, reward.reward_id, iso(reward.created_at)))
    return GRANTED


class SqliteRewards:
    def grant_reward(self, reward: Reward, budget_minor: int, phone_since: datetime | None) -> str:
        # A ledger row is never deleted: when it is there (a repeat tap), say so without taking the write lock.
        if self._found_before_writing(
                "SELECT 1 FROM rewards WHERE clinic_id = ? AND reward_id = ?", reward.clinic_id, reward.reward_id):
            return EXISTS
        with self._transaction() as db:
            return _grant(db, reward, budget_minor, phone_since)

    def put_invite_promising(self, invite: Invite, reward: Reward, budget_minor: int,
                             phone_since: datetime | None) -> str:
        with self._transaction() as db:
            values = row_values(invite)
            columns = ", ".join(values)
            created = db.execute(f"INSERT INTO invites ({columns}) VALUES ({', '.join(':' + c for c in values)}) "  # noqa: S608
                                 "ON CONFLICT DO NOTHING", values).rowcount > 0
            return _grant(db, reward, budget_minor, phone_since) if created else EXISTS

    def keep_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool:
        return self._changed("UPDATE rewards SET status = 'pending', updated_at = ?, promised_until = NULL "
                             "WHERE clinic_id = ? AND reward_id = ? AND status = 'promised'", iso(now), clinic_id,
                             reward_id)

    def expired_promises(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]:
        rows = self._db.execute("SELECT * FROM rewards WHERE clinic_id = ? AND status = 'promised' "
                                "AND promised_until <= ? ORDER BY promised_until LIMIT ?", (clinic_id, iso(now), limit))
        return [to_record(Reward, r) for r in rows]

    def release_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool:
        with self._transaction() as db:
            row = db.execute("UPDATE rewards SET status = 'expired', updated_at = ?, promised_until = NULL "
                             "WHERE clinic_id = ? AND reward_id = ? AND status = 'promised' "
                             "RETURNING amount_minor, phone", (iso(now), clinic_id, reward_id)).fetchone()
            if row is None:
                return False
            # The money goes back to the month, and the phone may be promised a reward again.
            db.execute("UPDATE reward_budgets SET committed_minor = MAX(0, committed_minor - ?) "
                       "WHERE clinic_id = ? AND month = ?", (row[0], clinic_id, reward_id[:7]))
            db.execute("DELETE FROM reward_phones WHERE clinic_id = ? AND phone = ? AND reward_id = ?",
                       (clinic_id, row[1], reward_id))
            return True

    def get_reward(self, clinic_id: str, reward_id: str) -> Reward | None:
        row = self._one("SELECT * FROM rewards WHERE clinic_id = ? AND reward_id = ?", clinic_id, reward_id)
        return None if row is None else to_record(Reward, row)

    def list_rewards(self, clinic_id: str) -> list[Reward]:
        rows = self._db.execute("SELECT * FROM rewards WHERE clinic_id = ? ORDER BY reward_id", (clinic_id,))
        return [to_record(Reward, r) for r in rows]

    def rewards_in_month(self, clinic_id: str, month: str) -> list[Reward]:
        # "/" sorts just before "0": the month's ids are the ones from "<month>/" up to "<month>0".
        rows = self._db.execute("SELECT * FROM rewards WHERE clinic_id = ? AND reward_id >= ? AND reward_id < ? "
                                "ORDER BY reward_id", (clinic_id, f"{month}/", f"{month}0"))
        return [to_record(Reward, r) for r in rows]

    def reward_totals(self, clinic_id: str, month: str) -> dict[str, tuple[int, int]]:
        rows = self._db.execute(
            "SELECT status || CASE WHEN status = 'declined' THEN ':' || last_error ELSE '' END, COUNT(*), "
            "SUM(amount_minor) FROM rewards WHERE clinic_id = ? AND reward_id >= ? AND reward_id < ? GROUP BY 1",
            (clinic_id, f"{month}/", f"{month}0"))
        return {key: (count, amount) for key, count, amount in rows}

    def due_rewards(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]:
        rows = self._db.execute(
            f"SELECT * FROM rewards WHERE clinic_id = ? AND provider != 'manual' AND {CLAIMABLE} "  # noqa: S608
            "ORDER BY created_at LIMIT ?", (clinic_id, iso(now), limit))
        return [to_record(Reward, r) for r in rows]

    def claim_reward(self, clinic_id: str, reward_id: str, now: datetime, until: datetime | None,
                     batch: str = "") -> Reward | None:
        where = f"WHERE clinic_id = ? AND reward_id = ? AND {CLAIMABLE} RETURNING *"
        row = self._db.execute(
            "UPDATE rewards SET status = 'sending', attempts = attempts + 1, claim_until = ?, updated_at = ?, "  # noqa: S608
            "batch = CASE ? WHEN '' THEN batch ELSE ? END " + where,
            (iso(until), iso(now), batch, batch, clinic_id, reward_id, iso(now))).fetchone()
        return None if row is None else to_record(Reward, row)

    def settle_reward(self, clinic_id: str, reward_id: str, status: str, now: datetime, *,
                      from_status: tuple[str, ...] = ("sending",), attempt: int | None = None, reference: str = "",
                      error: str = "", retry_at: datetime | None = None, by: str = "") -> bool:
        marks = ", ".join("?" for _ in from_status)
        where = f"WHERE clinic_id = ? AND reward_id = ? AND status IN ({marks}) "
        with self._transaction() as db:
            row = db.execute(
                "UPDATE rewards SET status = ?, updated_at = ?, claim_until = ?, last_error = ?, "  # noqa: S608
                "reference = CASE ? WHEN '' THEN reference ELSE ? END, "
                "paid_at = CASE ? WHEN 'paid' THEN ? ELSE paid_at END, "
                "settled_by = CASE ? WHEN '' THEN settled_by ELSE ? END "
                + where + "AND (? IS NULL OR attempts = ?) RETURNING amount_minor",
                (status, iso(now), iso(retry_at), error, reference, reference, status, iso(now), by, by,
                 clinic_id, reward_id, *from_status, attempt, attempt)).fetchone()
            if row is not None and status == "rejected":
                # Money that was never paid goes back to the month's budget.
                db.execute("UPDATE reward_budgets SET committed_minor = MAX(0, committed_minor - ?) "
                           "WHERE clinic_id = ? AND month = ?", (row[0], clinic_id, reward_id[:7]))
            return row is not None

    def reward_standing(self, clinic_id: str, month: str, phone: str) -> RewardStanding:
        budget = self._one("SELECT committed_minor FROM reward_budgets WHERE clinic_id = ? AND month = ?",
                           clinic_id, month)
        last = self._one("SELECT reward_id, rewarded_at FROM reward_phones WHERE clinic_id = ? AND phone = ?",
                         clinic_id, phone)
        return RewardStanding(committed_minor=budget[0] if budget else 0,
                              phone_reward_id=last[0] if last else "",
                              phone_rewarded_at=datetime.fromisoformat(last[1]) if last else None)
