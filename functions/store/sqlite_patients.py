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


def _patient(row: sqlite3.Row, db: sqlite3.Connection | None = None) -> Patient:
    """The register row; with ``db``, its visit ids too (an erase, a look at one patient)."""
    values = {name: row[name] for name in PATIENT_COLUMNS}
    for name in ("last_visit_at", "first_visit_at", "updated_at", "expires_at"):
        values[name] = datetime.fromisoformat(values[name])
    values["sms_consent"], values["mobile"] = bool(values["sms_consent"]), bool(values["mobile"])
    values["ad_consent"] = None if values["ad_consent"] is None else bool(values["ad_consent"])
    visits = db.execute("SELECT visit_id, local_date FROM patient_visits WHERE clinic_id = ? AND phone = ?",
                        (row["clinic_id"], row["phone"])) if db is not None else []
    return Patient(**values, visits={v[0]: v[1] for v in visits})


def _params(p: Patient) -> tuple:
    """The row's values in ``PATIENT_COLUMNS`` order (built by hand: an import writes one per patient)."""
    return (p.clinic_id, p.phone, p.name, iso(p.last_visit_at), p.last_visit_id, iso(p.first_visit_at),
            iso(p.updated_at), iso(p.expires_at), p.doctor, p.service, p.branch, p.note, p.email, int(p.sms_consent),
            None if p.ad_consent is None else int(p.ad_consent), int(p.mobile), p.version)


class SqlitePatients:
    # The register
    def note_patients(self, patients: list[Patient]) -> None:
        if not patients:
            return
        folded: dict[tuple[str, str], Patient] = {}
        for new in patients:
            folded[(new.clinic_id, new.phone)] = merge_patient(folded.get((new.clinic_id, new.phone)), new)
        placeholders = ", ".join("?" for _ in PATIENT_COLUMNS)
        with self._transaction() as db:
            rows = []
            for clinic_id in {k[0] for k in folded}:
                phones = [k[1] for k in folded if k[0] == clinic_id]
                for start in range(0, len(phones), 500):
                    chunk = phones[start:start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    rows += db.execute(f"SELECT * FROM patients WHERE clinic_id = ? AND phone IN ({marks})",  # noqa: S608
                                       (clinic_id, *chunk)).fetchall()
            # The visit ids are added apart (INSERT OR IGNORE): the merge needs only the row's own facts.
            existing = {(r["clinic_id"], r["phone"]): _patient(r) for r in rows}
            merged = [_params(merge_patient(existing.get(key), new)) for key, new in folded.items()]
            db.executemany(f"INSERT OR REPLACE INTO patients ({', '.join(PATIENT_COLUMNS)}) "  # noqa: S608
                           f"VALUES ({placeholders})", merged)
            db.executemany("INSERT OR IGNORE INTO patient_visits VALUES (?, ?, ?, ?)",
                           [(p.clinic_id, p.phone, vid, day) for p in folded.values() for vid, day in p.visits.items()])

    def get_patient(self, clinic_id: str, phone: str) -> Patient | None:
        row = self._one("SELECT * FROM patients WHERE clinic_id = ? AND phone = ?", clinic_id, phone)
        return None if row is None else _patient(row, self._db)

    def patients(self, clinic_id: str, phones: list[str]) -> dict[str, Patient]:
        return {r["phone"]: _patient(r, self._db) for r in self._in_phones("patients", "*", clinic_id, phones)}

    def inactive_patients(self, clinic_id: str, before: datetime) -> list[Patient]:
        rows = self._db.execute("SELECT * FROM patients WHERE clinic_id = ? AND last_visit_at < ? "
                                "ORDER BY last_visit_at DESC", (clinic_id, iso(before))).fetchall()
        return [_patient(r) for r in rows]  # a list to call from: its visit ids are not read

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
