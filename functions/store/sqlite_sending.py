"""The dispatcher's side of the SQLite store: claims, outcomes, reminders, delivery and the daily cap.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_changed``,
``_transaction``).
"""

from __future__ import annotations

from datetime import datetime

from functions.store.base import PhoneRecentlyInvited, iso


class SqliteSending:
    def claim_invite(self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime,
                     *, phone: str = "", repeat_since: datetime | None = None) -> str | None:
        with self._transaction() as db:
            if repeat_since is not None:
                row = db.execute("SELECT visit_id, invited_at FROM recent_invites WHERE clinic_id = ? AND phone = ?",
                                 (clinic_id, phone)).fetchone()
                if row and row["visit_id"] != visit_id and row["invited_at"] >= iso(repeat_since):
                    raise PhoneRecentlyInvited(phone)
            claimed = db.execute(
                "UPDATE visits SET invite_state = 'claimed', claim_until = ?, attempts = attempts + 1, "
                "invite_token = CASE invite_token WHEN '' THEN ? ELSE invite_token END "
                "WHERE clinic_id = ? AND visit_id = ? AND (invite_state = '' "
                "OR (invite_state IN ('claimed', 'retry') AND claim_until < ?)) RETURNING invite_token",
                (iso(until), token, clinic_id, visit_id, iso(now))).fetchone()
            if claimed is not None and repeat_since is not None:
                db.execute("INSERT OR REPLACE INTO recent_invites VALUES (?, ?, ?, ?)",
                           (clinic_id, phone, visit_id, iso(now)))
            return None if claimed is None else claimed[0]

    def finish_invite(self, clinic_id: str, visit_id: str, token: str, state: str, now: datetime, *,
                      message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        finished = self._changed(
            "UPDATE visits SET invite_state = ?, claim_until = ?, message_id = ?, last_error = ?, "
            "sent_at = CASE ? WHEN 'sent' THEN ? ELSE sent_at END "
            "WHERE clinic_id = ? AND visit_id = ? AND invite_token = ? AND invite_state = 'claimed'",
            state, iso(retry_at), message_id, error, state, iso(now), clinic_id, visit_id, token)
        if finished and state == "sent" and message_id:
            self._db.execute("INSERT OR REPLACE INTO messages VALUES (?, ?, ?)", (message_id, clinic_id, visit_id))
        return finished

    def note_invite_channel(self, clinic_id: str, visit_id: str, token: str, channel: str, note: str) -> bool:
        return self._changed("UPDATE visits SET channel = ?, channel_note = ? WHERE clinic_id = ? AND visit_id = ? "
                             "AND invite_token = ? AND invite_state = 'claimed'", channel, note, clinic_id, visit_id,
                             token)

    def reroute_invite(self, clinic_id: str, visit_id: str, message_id: str, note: str, now: datetime) -> bool:
        return self._changed(
            "UPDATE visits SET invite_state = 'retry', claim_until = ?, channel = 'sms', channel_note = ? "
            "WHERE clinic_id = ? AND visit_id = ? AND message_id = ? AND invite_state = 'sent' "
            "AND channel = 'whatsapp'", iso(now), note, clinic_id, visit_id, message_id)

    def find_message(self, message_id: str) -> tuple[str, str] | None:
        row = self._one("SELECT clinic_id, visit_id FROM messages WHERE message_id = ?", message_id)
        return None if row is None else (row[0], row[1])

    def claim_reminder(self, clinic_id: str, visit_id: str, number: int) -> bool:
        return self._changed("UPDATE visits SET reminders_sent = ? WHERE clinic_id = ? AND visit_id = ? "
                             "AND invite_state = 'sent' AND reminders_sent = ?",
                             number, clinic_id, visit_id, number - 1)

    def release_reminder(self, clinic_id: str, visit_id: str, number: int) -> None:
        self._db.execute("UPDATE visits SET reminders_sent = ? WHERE clinic_id = ? AND visit_id = ? "
                         "AND reminders_sent = ?", (number - 1, clinic_id, visit_id, number))

    def record_delivery(self, clinic_id: str, visit_id: str, status: str, now: datetime) -> bool:
        return self._changed("UPDATE visits SET delivery = ?, delivery_at = ? WHERE clinic_id = ? AND visit_id = ? "
                             "AND invite_token != '' AND delivery != ?", status, iso(now), clinic_id, visit_id, status)

    def reserve_sends(self, clinic_id: str, day: str, wanted: int, cap: int) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT used FROM daily_sends WHERE clinic_id = ? AND day = ?",
                             (clinic_id, day)).fetchone()
            used = row[0] if row else 0
            granted = max(0, min(wanted, cap - used))
            db.execute("INSERT INTO daily_sends VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET used = excluded.used",
                       (clinic_id, day, used + granted))
            return granted

    def release_sends(self, clinic_id: str, day: str, unused: int) -> None:
        if unused > 0:
            self._db.execute("UPDATE daily_sends SET used = MAX(0, used - ?) WHERE clinic_id = ? AND day = ?",
                             (unused, clinic_id, day))
