"""Campaign letters and the next-day care message in SQLite: each one claimed before it goes, like an invite.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_changed``,
``_transaction``, ``_insert_new``).
"""

from __future__ import annotations

import json
from datetime import datetime

from functions.store.base import PhoneRecentlyInvited, iso
from functions.store.patient_records import Campaign, CampaignSend, CareMessage
from functions.store.sqlite_rows import row_values, to_record

# Claimable: never tried, or its claim (or the wait after a passing failure) is over.
CLAIMABLE = "(state = '' OR (state IN ('claimed', 'retry') AND claim_until < ?))"


class SqliteCampaigns:
    def put_campaign(self, campaign: Campaign) -> bool:
        values = row_values(campaign)
        values["letter"] = json.dumps(campaign.letter, ensure_ascii=False)
        return self._db.execute("INSERT INTO campaigns VALUES (:clinic_id, :campaign_id, :name, :channel, :months, "
                                ":cutoff, :created_at, :created_by, :letter, :state) ON CONFLICT DO NOTHING",
                                values).rowcount > 0

    def get_campaign(self, clinic_id: str, campaign_id: str) -> Campaign | None:
        row = self._one("SELECT * FROM campaigns WHERE clinic_id = ? AND campaign_id = ?", clinic_id, campaign_id)
        return None if row is None else to_record(Campaign, row)

    def list_campaigns(self, clinic_id: str) -> list[Campaign]:
        rows = self._db.execute("SELECT * FROM campaigns WHERE clinic_id = ? ORDER BY created_at DESC", (clinic_id,))
        return [to_record(Campaign, r) for r in rows]

    def set_campaign_state(self, clinic_id: str, campaign_id: str, state: str) -> None:
        self._db.execute("UPDATE campaigns SET state = ? WHERE clinic_id = ? AND campaign_id = ?",
                         (state, clinic_id, campaign_id))

    def claim_campaign_send(self, send: CampaignSend, now: datetime, until: datetime) -> CampaignSend | None:
        with self._transaction() as db:
            db.execute("INSERT INTO campaign_sends (clinic_id, campaign_id, phone, expires_at, state, attempts, "
                       "last_error, message_id, unsub_id) VALUES (?, ?, ?, ?, '', 0, '', '', ?) ON CONFLICT DO NOTHING",
                       (send.clinic_id, send.campaign_id, send.phone, iso(send.expires_at), send.unsub_id))
            row = db.execute(
                "UPDATE campaign_sends SET state = 'claimed', claim_until = ?, attempts = attempts + 1 "  # noqa: S608
                f"WHERE clinic_id = ? AND campaign_id = ? AND phone = ? AND {CLAIMABLE} RETURNING *",
                (iso(until), send.clinic_id, send.campaign_id, send.phone, iso(now))).fetchone()
            return None if row is None else to_record(CampaignSend, row)

    def finish_campaign_send(self, clinic_id: str, campaign_id: str, phone: str, state: str, now: datetime, *,
                             message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        return self._changed(
            "UPDATE campaign_sends SET state = ?, claim_until = ?, message_id = ?, last_error = ?, "
            "sent_at = CASE ? WHEN 'sent' THEN ? ELSE sent_at END "
            "WHERE clinic_id = ? AND campaign_id = ? AND phone = ? AND state = 'claimed'",
            state, iso(retry_at), message_id, error, state, iso(now), clinic_id, campaign_id, phone)

    def campaign_sends(self, clinic_id: str, campaign_id: str) -> list[CampaignSend]:
        rows = self._db.execute("SELECT * FROM campaign_sends WHERE clinic_id = ? AND campaign_id = ? ORDER BY phone",
                                (clinic_id, campaign_id))
        return [to_record(CampaignSend, r) for r in rows]

    def put_unsubscribe(self, unsub_id: str, clinic_id: str, phone: str, campaign_id: str,
                        expires_at: datetime) -> None:
        self._db.execute("INSERT OR IGNORE INTO unsubscribes VALUES (?, ?, ?, ?, ?)",
                         (unsub_id, clinic_id, phone, campaign_id, iso(expires_at)))

    def find_unsubscribe(self, unsub_id: str) -> tuple[str, str, str] | None:
        row = self._one("SELECT clinic_id, phone, campaign_id FROM unsubscribes WHERE unsub_id = ?", unsub_id)
        return None if row is None else (row[0], row[1], row[2])

    # The next-day care message
    def care_messages(self, clinic_id: str, visit_ids: list[str]) -> dict[str, CareMessage]:
        found: dict[str, CareMessage] = {}
        for start in range(0, len(visit_ids), 500):
            chunk = visit_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._db.execute(f"SELECT * FROM care_messages WHERE clinic_id = ? AND visit_id IN ({marks})",  # noqa: S608
                                    (clinic_id, *chunk))
            found.update((r["visit_id"], to_record(CareMessage, r)) for r in rows)
        return found

    def claim_care(self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime, *,
                   phone: str, expires_at: datetime, repeat_since: datetime | None = None) -> str | None:
        with self._transaction() as db:
            if repeat_since is not None:
                row = db.execute("SELECT visit_id, sent_at FROM care_phones WHERE clinic_id = ? AND phone = ?",
                                 (clinic_id, phone)).fetchone()
                if row and row["visit_id"] != visit_id and row["sent_at"] >= iso(repeat_since):
                    raise PhoneRecentlyInvited(phone)
            db.execute("INSERT INTO care_messages (clinic_id, visit_id, expires_at, state, token, attempts, "
                       "last_error, message_id) VALUES (?, ?, ?, '', ?, 0, '', '') ON CONFLICT DO NOTHING",
                       (clinic_id, visit_id, iso(expires_at), token))
            claimed = db.execute(
                "UPDATE care_messages SET state = 'claimed', claim_until = ?, attempts = attempts + 1 "  # noqa: S608
                f"WHERE clinic_id = ? AND visit_id = ? AND {CLAIMABLE} RETURNING token",
                (iso(until), clinic_id, visit_id, iso(now))).fetchone()
            if claimed is not None and repeat_since is not None:
                db.execute("INSERT OR REPLACE INTO care_phones VALUES (?, ?, ?, ?)",
                           (clinic_id, phone, visit_id, iso(now)))
            return None if claimed is None else claimed[0]

    def finish_care(self, clinic_id: str, visit_id: str, token: str, state: str, now: datetime, *,
                    message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        return self._changed(
            "UPDATE care_messages SET state = ?, claim_until = ?, message_id = ?, last_error = ?, "
            "sent_at = CASE ? WHEN 'sent' THEN ? ELSE sent_at END "
            "WHERE clinic_id = ? AND visit_id = ? AND token = ? AND state = 'claimed'",
            state, iso(retry_at), message_id, error, state, iso(now), clinic_id, visit_id, token)
