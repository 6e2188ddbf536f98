"""Erasing a patient from the SQLite store: every row of the phone at one clinic, found by the phone and by the
visit ids the register kept; reward rows stay for the accountant without the phone; opt-outs stay.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_transaction``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def _chunks(ids: list[str]) -> Iterator[tuple[str, list[str]]]:
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield ", ".join("?" for _ in chunk), chunk


def _delete_by_visit(db: sqlite3.Connection, table: str, clinic_id: str, visit_ids: list[str]) -> int:
    gone = 0
    for marks, chunk in _chunks(visit_ids):
        # Table names come from this module, never from input.
        gone += db.execute(f"DELETE FROM {table} WHERE clinic_id = ? AND visit_id IN ({marks})",  # noqa: S608
                           (clinic_id, *chunk)).rowcount
    return gone


class SqliteErase:
    def erase_patient(self, clinic_id: str, phone: str, visits: dict[str, str],
                      campaign_ids: list[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._transaction() as db:
            # Visits the register never saw (imported before it existed) are found by their phone too.
            found = {r[0] for r in db.execute("SELECT visit_id FROM visits WHERE clinic_id = ? AND phone = ?",
                                              (clinic_id, phone))}
            visit_ids = sorted(set(visits) | found)
            case_ids: list[str] = []
            for marks, chunk in _chunks(visit_ids):
                case_ids += [r[0] for r in db.execute(
                    f"SELECT case_id FROM cases WHERE clinic_id = ? AND visit_id IN ({marks})",  # noqa: S608
                    (clinic_id, *chunk))]
            counts["case_events"] = 0
            for marks, chunk in _chunks(case_ids):
                counts["case_events"] += db.execute(
                    f"DELETE FROM case_events WHERE clinic_id = ? AND case_id IN ({marks})",  # noqa: S608
                    (clinic_id, *chunk)).rowcount
            for table in ("cases", "invites", "messages", "care_messages", "visits"):
                counts[table] = _delete_by_visit(db, table, clinic_id, visit_ids)
            unsubscribes = [r[0] for r in db.execute(
                "SELECT unsub_id FROM campaign_sends WHERE clinic_id = ? AND phone = ?", (clinic_id, phone))]
            counts["unsubscribes"] = 0
            for marks, chunk in _chunks(unsubscribes):
                counts["unsubscribes"] += db.execute(
                    f"DELETE FROM unsubscribes WHERE unsub_id IN ({marks})", chunk).rowcount  # noqa: S608
            for table in ("campaign_sends", "handoffs", "calls", "contacts", "recent_invites", "reward_phones",
                          "care_phones", "case_phones", "patient_messages", "patient_visits", "patients"):
                counts[table] = db.execute(f"DELETE FROM {table} WHERE clinic_id = ? AND phone = ?",  # noqa: S608
                                           (clinic_id, phone)).rowcount
            # The accountant keeps what was paid and when; the number it went to leaves with the patient.
            counts["rewards_kept"] = db.execute("UPDATE rewards SET phone = '' WHERE clinic_id = ? AND phone = ?",
                                                (clinic_id, phone)).rowcount
        return {k: v for k, v in counts.items() if v}
