"""The patient register in SQLite: patients and their visit ids, recommendations (hand-offs) and call outcomes.

A mixin: ``SqliteStore`` provides the connection helpers it uses (``_db``, ``_one``, ``_changed``,
``_transaction``, ``_insert_new``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from functions.store.base import iso
from functions.store.patient_records import CallOutcome, Handoff, Patient, merge_patient
from functions.store.sqlite_rows import row_values, to_record

PATIENT_COLUMNS = ("clinic_id", "phone", "name", "last_visit_at", "last_visit_id", "first_visit_at", "updated_at",
                   "expires_at", "doctor", "service", "branch", "note", "email", "sms_consent", "ad_consent",
                   "mobile", "version")


def _patient(db: sqlite3.Connection, row: sqlite3.Row) -> Patient:
    values = {name: row[name] for name in PATIENT_COLUMNS}
    for name in ("last_visit_at", "first_visit_at", "updated_at", "expires_at"):
        values[name] = datetime.fromisoformat(values[name])
    values["sms_consent"], values["mobile"] = bool(values["sms_consent"]), bool(values["mobile"])
    values["ad_consent"] = None if values["ad_consent"] is None else bool(values["ad_consent"])
    visits = db.execute("SELECT visit_id, local_date FROM patient_visits WHERE clinic_id = ? AND phone = ?",
                        (row["clinic_id"], row["phone"]))
    return Patient(**values, visits={v[0]: v[1] for v in visits})


class SqlitePatients:
    # The register
    def note_patients(self, patients: list[Patient]) -> None:
        if not patients:
            return
        placeholders = ", ".join(f":{c}" for c in PATIENT_COLUMNS)
        with self._transaction() as db:
            for new in patients:
                row = db.execute("SELECT * FROM patients WHERE clinic_id = ? AND phone = ?",
                                 (new.clinic_id, new.phone)).fetchone()
                merged = merge_patient(None if row is None else _patient(db, row), new)
                values = row_values(merged)
                values.pop("visits")
                db.execute(f"INSERT OR REPLACE INTO patients ({', '.join(PATIENT_COLUMNS)}) "  # noqa: S608
                           f"VALUES ({placeholders})", values)
                db.executemany("INSERT OR IGNORE INTO patient_visits VALUES (?, ?, ?, ?)",
                               [(new.clinic_id, new.phone, vid, day) for vid, day in new.visits.items()])

    def get_patient(self, clinic_id: str, phone: str) -> Patient | None:
        row = self._one("SELECT * FROM patients WHERE clinic_id = ? AND phone = ?", clinic_id, phone)
        return None if row is None else _patient(self._db, row)

    def patients(self, clinic_id: str, phones: list[str]) -> dict[str, Patient]:
        return {r["phone"]: _patient(self._db, r) for r in self._in_phones("patients", "*", clinic_id, phones)}

    def inactive_patients(self, clinic_id: str, before: datetime) -> list[Patient]:
        rows = self._db.execute("SELECT * FROM patients WHERE clinic_id = ? AND last_visit_at < ? "
                                "ORDER BY last_visit_at DESC", (clinic_id, iso(before))).fetchall()
        return [_patient(self._db, r) for r in rows]

    def _purge_patients(self, now: datetime) -> int:
        """The register's own retention: a patient not seen for the clinic's years leaves it."""
        gone = self._db.execute("DELETE FROM patient_visits WHERE (clinic_id, phone) IN "
                                "(SELECT clinic_id, phone FROM patients WHERE expires_at < ?)", (iso(now),)).rowcount
        for table in ("patients", "handoffs", "calls", "campaign_sends", "unsubscribes", "care_messages"):
            gone += self._db.execute(f"DELETE FROM {table} WHERE expires_at < ?", (iso(now),)).rowcount  # noqa: S608
        return gone

    # Recommendations (hand-offs)
    def put_handoffs(self, handoffs: list[Handoff]) -> list[bool]:
        return [self._insert_new("handoffs", h) for h in handoffs]

    def open_handoffs(self, clinic_id: str) -> list[Handoff]:
        rows = self._db.execute("SELECT * FROM handoffs WHERE clinic_id = ? AND state = 'open' ORDER BY due_at",
                                (clinic_id,))
        return [to_record(Handoff, r) for r in rows]

    def get_handoff(self, clinic_id: str, handoff_id: str) -> Handoff | None:
        row = self._one("SELECT * FROM handoffs WHERE clinic_id = ? AND handoff_id = ?", clinic_id, handoff_id)
        return None if row is None else to_record(Handoff, row)

    def book_handoff(self, clinic_id: str, handoff_id: str, visit_id: str, now: datetime) -> bool:
        return self._changed("UPDATE handoffs SET state = 'booked', booked_at = ?, booked_visit_id = ? "
                             "WHERE clinic_id = ? AND handoff_id = ? AND state = 'open'",
                             iso(now), visit_id, clinic_id, handoff_id)

    def settle_handoff(self, clinic_id: str, handoff_id: str, outcome: str, who: str, now: datetime,
                       close: bool) -> bool:
        return self._changed("UPDATE handoffs SET outcome = ?, outcome_at = ?, outcome_by = ?, "
                             "state = CASE ? WHEN 1 THEN 'closed' ELSE state END "
                             "WHERE clinic_id = ? AND handoff_id = ? AND state = 'open'",
                             outcome, iso(now), who, int(close), clinic_id, handoff_id)

    # Reactivation calls
    def put_call_outcome(self, outcome: CallOutcome) -> None:
        self._db.execute("INSERT OR REPLACE INTO calls VALUES (:clinic_id, :phone, :outcome, :at, :by, :expires_at)",
                         row_values(outcome))

    def call_outcomes(self, clinic_id: str, phones: list[str]) -> dict[str, CallOutcome]:
        return {r["phone"]: to_record(CallOutcome, r) for r in self._in_phones("calls", "*", clinic_id, phones)}
