"""CSV files people open in a spreadsheet: Russian Excel reads UTF-8 only with a BOM and splits on ``;``, and a
cell that starts like a formula (``=``, ``+``, ``-``, ``@``) would run as one, so it is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def dialled(phone: str, region: str) -> str:
    """A number as staff dial it («8 (916) 123-45-67»): a cell starting with "+" would be read as a formula."""
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def spreadsheet_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()
