"""CSV exports from practice-management software, as Excel writes them, into visit rows."""

from __future__ import annotations

import csv
import io

from functions.visits import FIELDS

# Header spellings seen in clinics' exports, folded to lower case without punctuation.
HEADER_ALIASES = {
    "external_id": ("external id", "external_id", "id", "visit id", "номер визита", "номер", "ид визита"),
    "patient_name": ("patient", "patient name", "name", "пациент", "фио", "фио пациента"),
    "phone": ("phone", "mobile", "телефон", "мобильный", "мобильный телефон"),
    "visit_at": ("visit time", "visit_at", "visit", "date", "дата приёма", "дата приема", "время", "дата"),
    "doctor": ("doctor", "врач", "доктор"),
    "branch": ("branch", "филиал"),
    "service": ("service", "услуга"),
    "consent": ("consent", "sms consent", "согласие на sms", "согласие на смс", "согласие"),
}


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


def read_rows(data: bytes, mapping: dict[str, str] | None = None) -> list[tuple[int, dict[str, object]]]:
    """Parse the file into (line number, fields) pairs; ``mapping`` names odd headers (field -> header)."""
    text = decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvError("the file is empty or has no header line")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    columns = _columns(header, mapping or {})
    if "phone" not in columns.values():
        raise CsvError(f"no phone column among: {', '.join(header)}")
    rows: list[tuple[int, dict[str, object]]] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows.append((line, {name: cells[i] for i, name in columns.items() if i < len(cells)}))
    return rows


def _columns(header: list[str], mapping: dict[str, str]) -> dict[int, str]:
    wanted = {_fold(h): name for name, h in mapping.items() if name in FIELDS}
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            wanted.setdefault(alias, name)
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = wanted.get(_fold(title))
        if name and name not in columns.values():
            columns[index] = name
    return columns
