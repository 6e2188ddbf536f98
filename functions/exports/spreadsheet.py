"""The one CSV writer: every file the product writes goes through it, so no cell can become a formula.

A cell that starts with ``= + - @``, a tab or a carriage return is a formula to Excel and LibreOffice
(``=HYPERLINK(...)`` in a doctor's name runs in the owner's spreadsheet), so it is written with a
leading apostrophe, as OWASP advises; a plain number (a phone in E.164, a negative amount) is data
and stays as it is. The file opens in Russian Excel by a double click: UTF-8 with a byte order mark
(without one Excel reads cp1251 and garbles Cyrillic) and ``;`` between cells (Russian Excel's list
separator; with ``,`` every row lands in one column).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
BOM = "\ufeff"


def safe_cell(value: object) -> object:
    """The value as a cell that a spreadsheet shows as written and never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV file as text, BOM first, ready to be served or written as UTF-8."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def read_back(text: str) -> list[dict[str, str]]:
    """Rows of a file this writer made (or Excel saved again, with ``;`` or ``,``), by header."""
    text = text.removeprefix(BOM)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [{k: (v or "").removeprefix("'") for k, v in row.items() if k}
            for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)]
