"""CSV exports from practice-management software, as Excel writes them, into visit rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from functions.clinics.clinic import Clinic
from functions.patients.columns import PATIENT_ALIASES
from functions.visits.intake import FIELDS, Report, import_rows
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


class CsvError(ValueError):
    """The file as a whole cannot be read (not one bad row: those go in the report)."""


def decode(data: bytes) -> str:
    """Excel writes UTF-8 with a BOM or cp1251; take the first that decodes cleanly."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError("the file is neither UTF-8 nor Windows-1251 text")


def _fold(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").replace(".", " ").split())


@dataclass
class CsvRows:
    """The file's data rows as (line number, fields), and which header each field came from."""

    rows: list[tuple[int, dict[str, object]]]
    headers: dict[str, str]


def read_rows(data: bytes, mapping: dict[str, str] | None = None) -> CsvRows:
    """Parse the file; ``mapping`` names odd headers (field -> header). Raises ``CsvError`` for the whole file."""
    text = decode(data).replace("\x00", "")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    if not first.strip():
        raise CsvError("the file is empty or has no header line")
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter)
    header = next(reader)
    columns = _columns(header, mapping or {})
    headers = {name: header[i].strip() for i, name in columns.items()}
    missing = [name for name in ("phone", "patient_name") if name not in headers]
    if "patient_name" in missing and any(part in headers for part in NAME_PARTS):
        missing.remove("patient_name")
        headers["patient_name"] = ", ".join(headers[part] for part in NAME_PARTS if part in headers)
    if "visit_at" not in headers and "visit_date" not in headers:
        missing.append("visit_at")
    if missing:
        raise CsvError(f"no {', '.join(missing)} column among the headers: {'; '.join(header)}")
    rows: list[tuple[int, dict[str, object]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                row = {name: cells[i] for i, name in columns.items() if i < len(cells)}
                rows.append((reader.line_num, _join_name(_join_moment(row))))
    except csv.Error as err:
        raise CsvError(f"line {reader.line_num}: {err}") from None
    return CsvRows(rows, headers)


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


def count_data_rows(data: bytes) -> list[int]:
    """Line numbers of the non-blank lines after the first: what a file-level rejection must account for."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return [i + 1 for i in range(start + 1, len(lines)) if lines[i].strip()]


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


def import_csv(store: VisitStore, clinic: Clinic, data: bytes, token_days: int,
               mapping: dict[str, str] | None = None,
               progress: Callable[[list], Iterable] | None = None) -> Report:
    """Import a whole file; never raises on its content. A file-level problem rejects every data row
    with the reason, so imported + updated + rejected always equals the file's data rows."""
    try:
        parsed = read_rows(data, mapping)
    except CsvError as err:
        report = Report()
        for line in count_data_rows(data):
            report.reject(line, "", str(err))
        return report
    rows = progress(parsed.rows) if progress else parsed.rows
    return import_rows(store, clinic, rows, token_days, parsed.headers)
