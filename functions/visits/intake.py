"""Visits in: one validation for every way a visit arrives (CSV file, API batch).

A row that is silently lost is a patient we never hear from; a row wrongly accepted is an
SMS to a stranger. So every row either becomes a visit or a line in the report saying why not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count_many
from functions.patients.columns import PATIENT_FIELDS, patient_columns
from functions.patients.intake import note_visits
from functions.store import CREATED, Contact, Visit
from functions.visits.contacts import parse_preferences
from functions.visits.store import VisitStore

DATE_ONLY = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2})$")
# 23.11.2026 14:30, 23.11.26 9:05, 23.11.2026 14:30:00 (what Excel writes in Russian locales).
RUSSIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?$")
YES = {"1", "yes", "y", "true", "да", "д", "+", "согласен", "согласна"}
NO = {"0", "no", "n", "false", "нет", "н", "-", "отказ"}
FIELDS = ("external_id", "patient_name", "phone", "visit_at", "doctor", "branch", "service", "consent",
          "contact_channel", "contact_hours", "contact_days", *PATIENT_FIELDS)
# How long a visit (and its phone number) is kept beyond the invite's own lifetime.
KEEP_AFTER_INVITE = timedelta(days=2)


class RowError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass
class Report:
    """What an import did: counts, and every rejected row with its line, column and reason."""

    imported: int = 0
    updated: int = 0
    rejected: list[dict] = field(default_factory=list)
    # Imported, but part of the row (a contact preference) was not understood and was left out.
    warnings: list[dict] = field(default_factory=list)
    # Stored, but never to be invited: the clinic should know how many and why.
    no_consent: int = 0
    not_mobile: int = 0

    def reject(self, line: int, column: str, reason: str) -> None:
        self.rejected.append({"line": line, "column": column, "reason": reason})

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "rejected": len(self.rejected),
                "no_consent": self.no_consent, "not_mobile": self.not_mobile, "errors": self.rejected,
                "warnings": self.warnings}


def parse_phone(raw: str, region: str) -> tuple[str, bool]:
    """Normalise to E.164; say whether the number can take an SMS (fixed lines cannot)."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise RowError("phone", "not a phone number") from None
    # is_valid_number is "the type for the number's own region is known", so one number_type call
    # answers both questions; calling both classified every number twice (half the import's time).
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise RowError("phone", "not a valid phone number")
    can_sms = kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), can_sms


def parse_visit_time(raw: str, clinic: Clinic) -> datetime:
    """ISO or Russian-style dates; a time without an offset is the clinic's local time."""
    text = re.sub(r"\s+", " ", raw.strip())
    if DATE_ONLY.match(text):
        # A date alone would read as midnight, and the patient would be asked before the visit.
        raise RowError("visit_at", f"{raw!r} has no time; the invite goes out after the visit, so its time is needed")
    moment: datetime | None = None
    russian = RUSSIAN_DATE.match(text)
    try:
        if russian:
            day, month, year, hour, minute, second = (int(g or 0) for g in russian.groups())
            moment = datetime(year + 2000 if year < 100 else year, month, day, hour, minute, second)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        raise RowError("visit_at", f"unknown date {raw!r}; use 23.11.2026 14:30 or 2026-11-23T14:30")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clinic.zone)
    return moment


def parse_consent(raw: object, clinic: Clinic) -> bool:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return clinic.consent_default
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError("consent", f"{raw!r} is neither yes nor no")


def build_visit(clinic: Clinic, row: dict[str, object], token_days: int) -> Visit:
    """Validate one incoming visit (any source) and turn it into a store row."""
    def text(name: str, limit: int) -> str:
        value = row.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise RowError(name, "must be text")
        value = " ".join(value.split())
        if len(value) > limit:
            raise RowError(name, f"longer than {limit} characters")
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
    visit_at = parse_visit_time(raw_time, clinic)
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


# Rows are written in batches: one transaction (SQLite), or batch writes of 25 after one look per
# visit day at what exists (DynamoDB), so a day's export costs about 40 requests per 1,000 rows.
BATCH = 5000


def import_rows(store: VisitStore, clinic: Clinic, rows: Iterable[tuple[int, dict[str, object]]],
                token_days: int, headers: dict[str, str] | None = None) -> Report:
    """Store every valid row (created or updated in place); report every other one.

    ``headers`` names the file's own column for each field, so the report speaks the clinic's words.
    """
    report = Report()
    seen: dict[str, int] = {}
    named = headers or {}
    visits: list[Visit] = []
    contacts: list[Contact] = []
    for line, row in rows:
        try:
            visit = build_visit(clinic, row, token_days)
        except RowError as err:
            report.reject(line, named.get(err.column, err.column), err.reason)
            continue
        if visit.visit_id in seen:
            column = named.get("external_id", "external_id") if row.get("external_id") else "phone + visit_at"
            report.reject(line, column, f"the same visit as line {seen[visit.visit_id]}")
            continue
        seen[visit.visit_id] = line
        report.no_consent += not visit.consent
        report.not_mobile += not visit.invitable
        preferences, problems = parse_preferences(row)
        for problem in problems:
            report.warnings.append({"line": line, "column": named.get(problem.column, problem.column),
                                    "reason": f"{problem.reason}; the visit was imported without it"})
        if preferences:
            contacts.append(Contact(clinic_id=clinic.id, phone=visit.phone, updated_at=datetime.now(UTC),
                                    expires_at=visit.expires_at, **preferences))
        visits.append(visit)
        if len(visits) >= BATCH:
            _flush(store, clinic, visits, contacts, report)
    _flush(store, clinic, visits, contacts, report)
    return report


def _flush(store: VisitStore, clinic: Clinic, visits: list[Visit], contacts: list[Contact], report: Report) -> None:
    outcomes = store.save_visits(visits)
    note_visits(store, clinic, visits, datetime.now(UTC))  # the patient register and recommendations
    count_many(store, [v for v, outcome in zip(visits, outcomes, strict=True) if outcome == CREATED], "visits")
    report.imported += outcomes.count(CREATED)
    report.updated += len(outcomes) - outcomes.count(CREATED)
    if contacts:
        store.save_contacts(contacts)
    visits.clear()
    contacts.clear()
