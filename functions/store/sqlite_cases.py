"""Cases in SQLite: the case, its due work (an indexed ``due_at``), its emails' claims and its timeline.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_changed``,
``_transaction``, ``_insert_new``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from functions.store.base import iso
from functions.store.records import Case, CaseEvent
from functions.store.sqlite_rows import to_record

# Columns added after the first release: an older database gains them when it is opened.
LATER_COLUMNS = {
    "cases": (("alert_at", "TEXT"), ("due_at", "TEXT"), ("words_at", "TEXT"),
              ("followups_wanted", "INTEGER NOT NULL DEFAULT 0"), ("followups_sent", "INTEGER NOT NULL DEFAULT 0"),
              ("followup_until", "TEXT"), ("followup_error", "TEXT NOT NULL DEFAULT ''"),
              ("told_score", "INTEGER NOT NULL DEFAULT 0"), ("told_words", "INTEGER NOT NULL DEFAULT 0"),
              ("source", "TEXT NOT NULL DEFAULT ''"), ("urgent", "INTEGER NOT NULL DEFAULT 0")),
    "contacts": (("address", "TEXT NOT NULL DEFAULT ''"),),
    "visits": (("channel", "TEXT NOT NULL DEFAULT ''"), ("channel_note", "TEXT NOT NULL DEFAULT ''"),
               ("ad_consent", "INTEGER"), ("email", "TEXT NOT NULL DEFAULT ''"), ("note", "TEXT NOT NULL DEFAULT ''"),
               ("referral", "TEXT NOT NULL DEFAULT ''")),
    "invites": (("purpose", "TEXT NOT NULL DEFAULT ''"),),
}
# The Telegram notice's columns (a case without them has never wanted one).
LATER_COLUMNS["cases"] += (
    ("tg_wanted", "INTEGER NOT NULL DEFAULT 0"), ("tg_told", "INTEGER NOT NULL DEFAULT 0"),
    ("tg_state", "TEXT NOT NULL DEFAULT ''"), ("tg_until", "TEXT"), ("tg_attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("tg_error", "TEXT NOT NULL DEFAULT ''"), ("tg_reason", "TEXT NOT NULL DEFAULT ''"),
    ("tg_chats", "TEXT NOT NULL DEFAULT ''"))
# What an amendment may change; anything else is a programming error.
AMENDABLE = ("text", "words_at", "kind", "score", "status", "outcome", "resolved_at", "resolved_by", "urgent")


def add_case_columns(db: sqlite3.Connection) -> None:
    """Bring an older database up to date; cases it had that still owe an email are due at once."""
    added = False
    for table, columns in LATER_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, declaration in columns:
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                added = added or name == "due_at"
    # The sweep's key query: due cases of one clinic, oldest first (only rows with work are in the index).
    db.execute("CREATE INDEX IF NOT EXISTS cases_due ON cases (clinic_id, due_at) WHERE due_at IS NOT NULL")
    if added:
        db.execute("UPDATE cases SET due_at = created_at, told_score = score, told_words = text != '' "
                   "WHERE email_state NOT IN ('sent', 'failed') OR (status = 'new' AND reminded_at IS NULL)")


class SqliteCases:
    def create_case(self, case: Case) -> bool:
        return self._insert_new("cases", case)

    def get_case(self, clinic_id: str, case_id: str) -> Case | None:
        row = self._one("SELECT * FROM cases WHERE clinic_id = ? AND case_id = ?", clinic_id, case_id)
        return None if row is None else to_record(Case, row)

    def list_cases(self, clinic_id: str) -> list[Case]:
        rows = self._db.execute("SELECT * FROM cases WHERE clinic_id = ? ORDER BY case_id", (clinic_id,))
        return [to_record(Case, r) for r in rows]

    def due_cases(self, clinic_id: str, now: datetime, limit: int) -> list[Case]:
        rows = self._db.execute("SELECT * FROM cases WHERE clinic_id = ? AND due_at IS NOT NULL AND due_at <= ? "
                                "ORDER BY due_at LIMIT ?", (clinic_id, iso(now), limit))
        return [to_record(Case, r) for r in rows]

    def schedule_case(self, case: Case, due_at: datetime | None) -> bool:
        return self._changed(
            "UPDATE cases SET due_at = ? WHERE clinic_id = ? AND case_id = ? AND email_state = ? AND status = ? "
            "AND followups_wanted = ? AND followups_sent = ? AND text = ? AND tg_wanted = ? AND tg_state = ?",
            iso(due_at), case.clinic_id, case.case_id, case.email_state, case.status, case.followups_wanted,
            case.followups_sent, case.text, case.tg_wanted, case.tg_state)

    def claim_case_email(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        row = self._db.execute(
            "UPDATE cases SET email_state = 'claimed', claim_until = ?, attempts = attempts + 1 "
            "WHERE clinic_id = ? AND case_id = ? AND (email_state = '' "
            "OR (email_state IN ('claimed', 'retry') AND claim_until < ?)) RETURNING *",
            (iso(until), clinic_id, case_id, iso(now))).fetchone()
        return None if row is None else to_record(Case, row)

    def finish_case_email(self, clinic_id: str, case_id: str, state: str, now: datetime, *,
                          error: str = "", retry_at: datetime | None = None, told: Case | None = None) -> None:
        told_sql, told_args = "", ()
        if state == "sent" and told is not None:
            told_sql = ", told_score = ?, told_words = ?, followups_sent = MAX(followups_sent, ?)"
            told_args = (told.score, int(bool(told.text)), told.followups_wanted)
        self._db.execute(
            "UPDATE cases SET email_state = ?, claim_until = ?, last_error = ?, due_at = ?, "  # noqa: S608
            "emailed_at = CASE ? WHEN 'sent' THEN ? ELSE emailed_at END" + told_sql +
            " WHERE clinic_id = ? AND case_id = ? AND email_state = 'claimed'",
            (state, iso(retry_at), error, iso(retry_at or now), state, iso(now), *told_args, clinic_id, case_id))

    def amend_case(self, clinic_id: str, case_id: str, changes: dict, now: datetime) -> bool:
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise ValueError(f"a case cannot be amended in {sorted(unknown)}")
        values = row_values_of(changes)
        sets = ", ".join(f"{name} = ?" for name in values)
        only_once = " AND text = ''" if "text" in changes else ""
        with self._transaction() as db:
            row = db.execute("SELECT email_state FROM cases WHERE clinic_id = ? AND case_id = ?" + only_once,  # noqa: S608
                             (clinic_id, case_id)).fetchone()
            if row is None:
                return False
            # The alert already went (or is going) without this change: one more follow-up is wanted.
            more = 0 if row[0] in ("", "retry") else 1
            db.execute(f"UPDATE cases SET {sets}, due_at = ?, followups_wanted = followups_wanted + ? "  # noqa: S608
                       "WHERE clinic_id = ? AND case_id = ?", (*values.values(), iso(now), more, clinic_id, case_id))
            return True

    def claim_case_followup(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        row = self._db.execute(
            "UPDATE cases SET followup_until = ? WHERE clinic_id = ? AND case_id = ? AND email_state = 'sent' "
            "AND followups_wanted > followups_sent AND (followup_until IS NULL OR followup_until < ?) RETURNING *",
            (iso(until), clinic_id, case_id, iso(now))).fetchone()
        return None if row is None else to_record(Case, row)

    def finish_case_followup(self, clinic_id: str, case_id: str, state: str, now: datetime, *, told: Case,
                             error: str = "", retry_at: datetime | None = None) -> None:
        if state == "retry":
            self._db.execute("UPDATE cases SET followup_until = ?, followup_error = ?, due_at = ? "
                             "WHERE clinic_id = ? AND case_id = ?", (iso(retry_at), error, iso(retry_at), clinic_id,
                                                                      case_id))
            return
        # Sent, or failed for good: either way these changes are settled (a failure stays visible in the error).
        self._db.execute(
            "UPDATE cases SET followups_sent = MAX(followups_sent, ?), followup_until = NULL, followup_error = ?, "
            "told_score = CASE ? WHEN 'sent' THEN ? ELSE told_score END, "
            "told_words = CASE ? WHEN 'sent' THEN ? ELSE told_words END, due_at = ? "
            "WHERE clinic_id = ? AND case_id = ?",
            (told.followups_wanted, error, state, told.score, state, int(bool(told.text)), iso(now), clinic_id,
             case_id))

    def move_case(self, clinic_id: str, case_id: str, from_status: tuple[str, ...], to_status: str, who: str,
                  now: datetime, outcome: str = "") -> bool:
        stamp = "contacted" if to_status == "contacted" else "resolved"
        marks = ", ".join("?" for _ in from_status)
        return self._changed(
            f"UPDATE cases SET status = ?, {stamp}_at = ?, {stamp}_by = ?, outcome = ? "  # noqa: S608
            f"WHERE clinic_id = ? AND case_id = ? AND status IN ({marks})",
            to_status, iso(now), who, outcome, clinic_id, case_id, *from_status)

    def set_case_kind(self, clinic_id: str, case_id: str, kind: str) -> bool:
        return self._changed("UPDATE cases SET kind = ? WHERE clinic_id = ? AND case_id = ?", kind, clinic_id, case_id)

    def claim_case_reply(self, clinic_id: str, case_id: str, text: str, now: datetime) -> bool:
        return self._changed("UPDATE cases SET reply_state = 'claimed', reply_text = ?, reply_at = ? "
                             "WHERE clinic_id = ? AND case_id = ? AND reply_state = ''",
                             text, iso(now), clinic_id, case_id)

    def finish_case_reply(self, clinic_id: str, case_id: str, state: str) -> None:
        self._db.execute("UPDATE cases SET reply_state = ? WHERE clinic_id = ? AND case_id = ? "
                         "AND reply_state = 'claimed'", (state, clinic_id, case_id))

    def mark_case_reminded(self, clinic_id: str, case_id: str, now: datetime) -> bool:
        return self._changed("UPDATE cases SET reminded_at = ? WHERE clinic_id = ? AND case_id = ? "
                             "AND status = 'new' AND reminded_at IS NULL", iso(now), clinic_id, case_id)

    def link_case_phone(self, clinic_id: str, phone: str, case_id: str, until: datetime) -> None:
        self._db.execute("INSERT OR REPLACE INTO case_phones VALUES (?, ?, ?, ?)", (clinic_id, phone, case_id,
                                                                                    iso(until)))

    def case_of_phone(self, clinic_id: str, phone: str) -> str | None:
        row = self._one("SELECT case_id FROM case_phones WHERE clinic_id = ? AND phone = ?", clinic_id, phone)
        return None if row is None else row[0]

    # Telegram notices
    def want_case_notice(self, clinic_id: str, case_id: str, reason: str, now: datetime) -> bool:
        return self._changed("UPDATE cases SET tg_wanted = tg_wanted + 1, tg_reason = ?, due_at = ? "
                             "WHERE clinic_id = ? AND case_id = ?", reason, iso(now), clinic_id, case_id)

    def claim_case_notice(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM cases WHERE clinic_id = ? AND case_id = ? AND tg_wanted > tg_told "
                "AND (tg_state NOT IN ('claimed', 'retry') OR tg_until IS NULL OR tg_until < ?)",
                (clinic_id, case_id, iso(now))).fetchone()
            if row is None:
                return None
            db.execute("UPDATE cases SET tg_state = 'claimed', tg_until = ?, tg_attempts = tg_attempts + 1 "
                       "WHERE clinic_id = ? AND case_id = ?", (iso(until), clinic_id, case_id))
            return to_record(Case, row)

    def finish_case_notice(self, clinic_id: str, case_id: str, state: str, now: datetime, *, told: int,
                           chats: str = "", error: str = "", retry_at: datetime | None = None) -> None:
        if state == "retry":
            self._db.execute("UPDATE cases SET tg_state = 'retry', tg_until = ?, tg_chats = ?, tg_error = ?, "
                             "due_at = ? WHERE clinic_id = ? AND case_id = ? AND tg_state = 'claimed'",
                             (iso(retry_at), chats, error, iso(retry_at), clinic_id, case_id))
            return
        self._db.execute("UPDATE cases SET tg_state = ?, tg_told = MAX(tg_told, ?), tg_until = NULL, tg_chats = '', "
                         "tg_error = ?, due_at = ? WHERE clinic_id = ? AND case_id = ? AND tg_state = 'claimed'",
                         (state, told, error, iso(now), clinic_id, case_id))

    # The timeline
    def add_case_event(self, event: CaseEvent) -> None:
        self._db.execute("INSERT OR IGNORE INTO case_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (event.clinic_id, event.case_id, event.event_id, event.kind, iso(event.at), event.who,
                          event.text, json.dumps(event.data, ensure_ascii=False)))

    def case_events(self, clinic_id: str, case_id: str) -> list[CaseEvent]:
        rows = self._db.execute("SELECT * FROM case_events WHERE clinic_id = ? AND case_id = ? ORDER BY event_id",
                                (clinic_id, case_id))
        return [to_record(CaseEvent, r) for r in rows]


def row_values_of(changes: dict) -> dict:
    """Column values for a partial change: times as ISO text, flags as 0/1."""
    return {k: iso(v) if isinstance(v, datetime) else int(v) if isinstance(v, bool) else v
            for k, v in changes.items()}

