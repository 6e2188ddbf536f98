"""CSV exports from practice-management software, as Excel writes them, into visit rows.

The file streams through (``csv_lines.py``): memory stays flat whatever its size, and every data
row ends up imported, updated or rejected with its line, the file's own column and the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from functions.clinics.clinic import Clinic
from functions.patients.columns import MULTILINE, PATIENT_ALIASES
from functions.visits.csv_lines import Readable, header_cells, physical_lines, records
from functions.visits.intake import FIELDS, Rejected, Report, import_rows
from functions.visits.reasons import field_name
from functions.visits.store import VisitStore

# Header spellings seen in clinics' exports, folded to lower case without punctuation.
HEADER_ALIASES = {
    "external_id": ("external id", "external_id", "id", "visit id", "номер визита", "номер", "ид визита"),
    "patient_name": ("patient", "patient name", "name", "пациент", "фио", "фио пациента"),
    # Some exports split the name; the parts are joined into patient_name (ФИО order for Russian names).
    "last_name": ("фамилия", "last name", "lastname", "surname", "family name"),
    "first_name": ("имя", "first name", "firstname", "given name"),
    "middle_name": ("отчество", "middle name", "patronymic"),
    "phone": ("phone", "mobile", "телефон", "мобильный", "мобильный телефон"),
    "visit_at": ("visit time", "visit_at", "visit", "appointment", "дата приёма", "дата приема", "дата и время",
                 "дата и время приёма", "дата и время приема", "приём", "прием"),
    # Some exports split the moment in two columns; they are joined into visit_at.
    "visit_date": ("date", "visit date", "дата", "дата визита"),
    "visit_time": ("time", "время", "время приёма", "время приема"),
    "doctor": ("doctor", "врач", "доктор"),
    "branch": ("branch", "филиал"),
    "service": ("service", "услуга"),
    "consent": ("consent", "sms consent", "согласие на sms", "согласие на смс", "согласие"),
    "contact_channel": ("preferred channel", "contact channel", "channel", "канал связи", "способ связи",
                        "предпочтительный способ связи"),
    "contact_hours": ("preferred time", "contact hours", "удобное время", "время для связи", "время связи"),
    "contact_days": ("preferred days", "contact days", "удобные дни", "дни для связи", "дни связи"),
    **PATIENT_ALIASES,
}


NAME_PARTS = ("last_name", "first_name", "middle_name")
READ_FIELDS = (*FIELDS, "visit_date", "visit_time", *NAME_PARTS)
REQUIRED = ("patient_name", "phone", "visit_at")


def _fold(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").replace(".", " ").split())


def _columns(header: list[str], mapping: dict[str, str]) -> dict[int, str]:
    wanted = {_fold(h): name for name, h in mapping.items() if name in READ_FIELDS}
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            wanted.setdefault(alias, name)
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = wanted.get(_fold(title))
        if name and name not in columns.values():
            columns[index] = name
    return columns


def _join_moment(row: dict[str, object]) -> dict[str, object]:
    """Put a date column and a time column together as the visit's moment."""
    date = row.pop("visit_date", None)
    time = row.pop("visit_time", None)
    day = str(row.get("visit_at") or date or "").strip()
    row["visit_at"] = f"{day} {str(time).strip()}".strip() if time else day
    return row


def _join_name(row: dict[str, object]) -> dict[str, object]:
    """Put name columns together: «Фамилия Имя Отчество» for Cyrillic names, "First Last" for Latin ones."""
    last, first, middle = (str(row.pop(part, "") or "").strip() for part in NAME_PARTS)
    if not row.get("patient_name") and (last or first or middle):
        cyrillic = any("а" <= c.lower() <= "я" or c.lower() == "ё" for c in last + first + middle)
        parts = (last, first, middle) if cyrillic or middle else (first, last)
        row["patient_name"] = " ".join(part for part in parts if part)
    return row


def read_rows(source: bytes | Readable, locale: str = "ru", mapping: dict[str, str] | None = None,
              ) -> tuple[dict[str, str], Iterator[tuple[int, dict[str, object] | Rejected]]]:
    """The file's own header for each field, and its data rows as they stream in (blank ones skipped).

    A file without the columns a visit needs rejects each of its rows with the reason.
    """
    lines = physical_lines(source)
    first = next((line for line in lines if line.text.strip()), None)
    if first is None:
        return {}, iter(())
    header, delimiter = header_cells(first)
    columns = _columns(header, mapping or {})
    headers = {name: header[i].strip() for i, name in columns.items()}
    missing = [name for name in REQUIRED if name not in headers]
    if "visit_at" in missing and "visit_date" in headers:
        missing.remove("visit_at")
    if "patient_name" in missing and any(part in headers for part in NAME_PARTS):
        missing.remove("patient_name")
        headers["patient_name"] = ", ".join(headers[part] for part in NAME_PARTS if part in headers)
    problem: Rejected | None = None
    if missing:
        problem = Rejected("missing_columns", columns=", ".join(field_name(m, locale) for m in missing),
                           headers="; ".join(h.strip() for h in header)[:300])

    # The columns whose cells never hold a line break: one there means a quote ran on.
    single = frozenset(i for i, name in columns.items() if name not in MULTILINE)

    def rows() -> Iterator[tuple[int, dict[str, object] | Rejected]]:
        for record in records(lines, delimiter, len(header), single):
            if record.problem:
                yield record.line, Rejected(record.problem, **(record.params or {}))
            else:
                cells = record.cells
                yield record.line, problem or _join_name(_join_moment(
                    {name: cells[i] for i, name in columns.items() if i < len(cells)}))

    return headers, rows()


def import_csv(store: VisitStore, clinic: Clinic, source: bytes | Readable, token_days: int,
               mapping: dict[str, str] | None = None, *, now: datetime | None = None,
               locale: str | None = None) -> Report:
    """Import a whole file as it streams in; never raises on its content (the report in ``locale``, else the
    clinic's).

    imported + updated + rejected always equals the file's data rows: a file-level problem (no phone
    column) rejects each row with the reason, a broken line is that line's row.
    """
    headers, rows = read_rows(source, locale or clinic.locale, mapping)
    return import_rows(store, clinic, rows, token_days, headers, now=now, locale=locale)
