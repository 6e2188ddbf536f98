"""The channels' side of the SQLite store: the patient's last message, members' Telegram chats, link codes and
the buttons' case references.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_changed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.store.base import iso, parse_time
from functions.store.records import TelegramLink
from functions.store.sqlite_rows import row_values, to_record

# The WhatsApp window is 24 hours; the note of the patient's last message is kept a little longer, then goes.
MESSAGE_KEPT = timedelta(days=2)


class SqliteChannels:
    def note_patient_message(self, clinic_id: str, phone: str, channel: str, at: datetime) -> None:
        self._db.execute("INSERT INTO patient_messages VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                         "SET at = MAX(at, excluded.at)", (clinic_id, phone, channel, iso(at)))

    def last_patient_message(self, clinic_id: str, phone: str, channel: str) -> datetime | None:
        row = self._one("SELECT at FROM patient_messages WHERE clinic_id = ? AND phone = ? AND channel = ?",
                        clinic_id, phone, channel)
        return None if row is None else parse_time(row[0])

    def put_link_code(self, code_hash: str, clinic_id: str, email: str, until: datetime) -> None:
        self._db.execute("INSERT INTO telegram_codes VALUES (?, ?, ?, ?)", (code_hash, clinic_id, email, iso(until)))

    def take_link_code(self, code_hash: str, now: datetime) -> tuple[str, str] | None:
        # The delete is the use: a second message with the same code finds nothing.
        row = self._db.execute("DELETE FROM telegram_codes WHERE code_hash = ? RETURNING clinic_id, email, until",
                               (code_hash,)).fetchone()
        if row is None or row[2] <= iso(now):
            return None
        return row[0], row[1]

    def link_telegram(self, link: TelegramLink) -> None:
        self._db.execute("INSERT OR REPLACE INTO telegram_links VALUES (:clinic_id, :email, :chat_id, :username, "
                         ":linked_at)", row_values(link))

    def unlink_telegram(self, clinic_id: str, email: str) -> bool:
        return self._changed("DELETE FROM telegram_links WHERE clinic_id = ? AND email = ?", clinic_id, email)

    def telegram_links(self, clinic_id: str) -> list[TelegramLink]:
        rows = self._db.execute("SELECT * FROM telegram_links WHERE clinic_id = ? ORDER BY email", (clinic_id,))
        return [to_record(TelegramLink, r) for r in rows]

    def chat_links(self, chat_id: str) -> list[TelegramLink]:
        rows = self._db.execute("SELECT * FROM telegram_links WHERE chat_id = ? ORDER BY clinic_id", (chat_id,))
        return [to_record(TelegramLink, r) for r in rows]

    def put_case_ref(self, ref: str, clinic_id: str, case_id: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO case_refs VALUES (?, ?, ?)", (ref, clinic_id, case_id))

    def case_ref(self, ref: str) -> tuple[str, str] | None:
        row = self._one("SELECT clinic_id, case_id FROM case_refs WHERE ref = ?", ref)
        return None if row is None else (row[0], row[1])

    def _purge_channels(self, now: datetime) -> int:
        """Phones leave with their visit's expiry; the window's notes after two days; unused codes at their end."""
        gone = self._db.execute("DELETE FROM case_phones WHERE until < ?", (iso(now),)).rowcount
        gone += self._db.execute("DELETE FROM patient_messages WHERE at < ?", (iso(now - MESSAGE_KEPT),)).rowcount
        return gone + self._db.execute("DELETE FROM telegram_codes WHERE until < ?", (iso(now),)).rowcount
