"""Visits in: one validation for every way a visit arrives (CSV file, API batch, S3 drop).

A row that is silently lost is a patient we never hear from; a row wrongly accepted is an
SMS to a stranger. So every row either becomes a visit or a line in the report saying why not,
and whatever goes wrong inside one row is that row's problem, never the file's or the batch's.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count_many
from functions.patients.columns import PATIENT_FIELDS, patient_columns
from functions.patients.intake import note_visits
from functions.store import CREATED, Contact, Visit
from functions.visits.contacts import parse_preferences
from functions.visits.fields import RowError, parse_consent, parse_phone, parse_visit_time
from functions.visits.reasons import field_name, reason
from functions.visits.store import VisitStore

log = logging.getLogger(__name__)

FIELDS = ("external_id", "patient_name", "phone", "visit_at", "doctor", "branch", "service", "consent",
          "contact_channel", "contact_hours", "contact_days", *PATIENT_FIELDS)
# How long a visit (and its phone number) is kept beyond the invite's own lifetime.
KEEP_AFTER_INVITE = timedelta(days=2)

__all__ = ["FIELDS", "Report", "RowError", "build_visit", "import_rows", "parse_phone"]


@dataclass
class Report:
    """What an import did: counts, and every rejected row with its line, column, code and reason.

    The reasons are in the clinic's language; ``column`` is the file's own header where there is one.
    """

    locale: str = "ru"
    headers: dict[str, str] = field(default_factory=dict)
    imported: int = 0
    updated: int = 0
    rejected: list[dict] = field(default_factory=list)
    # Imported, but part of the row (a contact preference) was not understood and was left out.
    warnings: list[dict] = field(default_factory=list)
    # Stored, but never to be invited: the clinic should know how many and why.
    no_consent: int = 0
    not_mobile: int = 0

    def column(self, name: str) -> str:
        if name == "phone + visit_at":
            return f"{self.column('phone')} + {self.column('visit_at')}"
        return self.headers.get(name) or (field_name(name, self.locale) if name else "")

    def reject(self, line: int, column: str, code: str, **params: object) -> None:
        self.rejected.append({"line": line, "column": self.column(column), "code": code,
                              "reason": reason(code, self.locale, **params)})

    def warn(self, line: int, column: str, code: str, **params: object) -> None:
        said = reason(code, self.locale, **params)
        self.warnings.append({"line": line, "column": self.column(column), "code": code,
                              "reason": reason("left_out", self.locale, reason=said)})

    @property
    def accounted(self) -> int:
        return self.imported + self.updated + len(self.rejected)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "rejected": len(self.rejected),
                "no_consent": self.no_consent, "not_mobile": self.not_mobile, "errors": self.rejected,
                "warnings": self.warnings}


def build_visit(clinic: Clinic, row: dict[str, object], token_days: int, now: datetime | None = None) -> Visit:
    """Validate one incoming visit (any source) and turn it into a store row."""
    now = now or datetime.now(UTC)

    def text(name: str, limit: int) -> str:
        value = row.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise RowError(name, "not_text")
        value = " ".join((value.replace("\x00", "") if "\x00" in value else value).split())
        if len(value) > limit:
            raise RowError(name, "too_long", limit=limit)
        return value

    name = text("patient_name", 120)
    if not name:
        raise RowError("patient_name", "empty")
    raw_phone = text("phone", 40)
    if not raw_phone:
        raise RowError("phone", "empty")
    phone, can_sms = parse_phone(raw_phone, clinic.region)
    raw_time = text("visit_at", 40)
    if not raw_time:
        raise RowError("visit_at", "empty")
    visit_at = parse_visit_time(raw_time, clinic, now)
    external_id = text("external_id", 64)
    visit_id = external_id or _derived_id(phone, visit_at)
    return Visit(
        clinic_id=clinic.id, visit_id=visit_id, patient_name=name, phone=phone, visit_at=visit_at,
        local_date=clinic.local_date(visit_at),
        expires_at=visit_at + timedelta(days=token_days) + KEEP_AFTER_INVITE,
        doctor=text("doctor", 120), branch=text("branch", 120), service=text("service", 200),
        consent=parse_consent(row.get("consent"), clinic), invitable=can_sms, **patient_columns(row, RowError))


def _derived_id(phone: str, visit_at: datetime) -> str:
    """Without an id from the clinic, the same phone at the same time is the same visit."""
    digest = hashlib.sha256(f"{phone}|{visit_at.isoformat()}".encode()).hexdigest()
    return "h-" + digest[:20]


# Rows are written in batches: one transaction (SQLite), or conditional transactions of 100 on
# DynamoDB, so memory stays flat however long the file is.
BATCH = 5000


class Rejected(Exception):
    """A row the reader could not read at all (a broken line): reported with ``code`` at its line."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def import_rows(store: VisitStore, clinic: Clinic, rows: Iterable[tuple[int, dict[str, object] | Rejected]],
                token_days: int, headers: dict[str, str] | None = None, *, now: datetime | None = None,
                same_code: str = "same_visit", locale: str | None = None) -> Report:
    """Store every valid row (created or updated in place); report every other one.

    ``headers`` names the file's own column for each field, so the report speaks the clinic's words.
    """
    now = now or datetime.now(UTC)
    report = Report(locale=locale or clinic.locale, headers=dict(headers or {}))
    # visit id -> the line that brought it, to name the first when a second arrives
    seen: dict[str, int] = {}
    visits: list[Visit] = []
    contacts: list[Contact] = []
    for line, row in rows:
        if isinstance(row, Rejected):
            report.reject(line, "", row.code, **row.params)
            continue
        try:
            visit = build_visit(clinic, row, token_days, now)
            preferences, problems = parse_preferences(row)
        except RowError as err:
            report.reject(line, err.column, err.code, **err.params)
            continue
        except Exception as err:  # one row's surprise must not cost the others their import
            # Where it failed, not the message: that may quote the row, and logs carry no phone numbers.
            log.error("visit row at line %s could not be processed: %s\n%s", line, type(err).__name__,
                      "".join(traceback.format_tb(err.__traceback__)))
            report.reject(line, "", "row_failed")
            continue
        if visit.visit_id in seen:
            column = "external_id" if row.get("external_id") else "phone + visit_at"
            report.reject(line, column, same_code, first=seen[visit.visit_id])
            continue
        seen[visit.visit_id] = line
        report.no_consent += not visit.consent
        report.not_mobile += not visit.invitable
        for problem in problems:
            report.warn(line, problem.column, problem.code, value=problem.value)
        if preferences:
            contacts.append(Contact(clinic_id=clinic.id, phone=visit.phone, updated_at=now,
                                    expires_at=visit.expires_at, **preferences))
        visits.append(visit)
        if len(visits) >= BATCH:
            _flush(store, clinic, visits, contacts, report)
    _flush(store, clinic, visits, contacts, report)
    return report


def _flush(store: VisitStore, clinic: Clinic, visits: list[Visit], contacts: list[Contact], report: Report) -> None:
    if not visits:
        return
    outcomes = store.save_visits(visits)
    note_visits(store, clinic, visits, datetime.now(UTC))  # the patient register and recommendations
    count_many(store, [v for v, outcome in zip(visits, outcomes, strict=True) if outcome == CREATED], "visits")
    report.imported += outcomes.count(CREATED)
    report.updated += len(outcomes) - outcomes.count(CREATED)
    if contacts:
        store.save_contacts(contacts)
    visits.clear()
    contacts.clear()
