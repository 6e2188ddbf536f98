"""Properties of the CSV importer: it never raises, every data row is accounted for (imported, updated
or rejected), and nothing outside the rules is stored, whatever the file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.clinics.clinic import parse_clinic
from functions.store.sqlite import SqliteStore
from functions.visits.csv_files import import_csv
from functions.visits.fields import visit_window

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HEADERS = ["Номер визита", "ФИО", "Телефон", "Дата приёма", "Врач", "Согласие на SMS", "Комментарий"]
READ = len(HEADERS) - 1  # every column but the comment is read
OUT_OF_RANGE = ["31.12.9999 23:00", "0001-01-01T00:00", "01.01.0001 10:00", "2026-11-23T10:00+14:00",
                "9999-12-31T23:59:59-12:00", "24.11.2027 10:00", "22.11.2025 10:00", "01.01.1900 00:00"]
LETTER_PHONES = ["+7-916-ABC-DEFG", "8 916 123 45 67 доб. 2", "+7916123450l", "tel:+79161234567"]
cells = st.one_of(
    st.text(max_size=12).filter(lambda s: "\n" not in s and "\r" not in s),
    st.sampled_from(["8 (916) 123-45-01", "+79161234502", "12345", "23.11.2026 10:00", "2026-11-23T10:00",
                     "да", "нет", "", " ", "A-1", "A-1", "\"", ";", ",", "\t", *OUT_OF_RANGE, *LETTER_PHONES]),
)
comments = st.one_of(st.text(max_size=20), st.sampled_from(["", "позвонить\r\nвечером", "строка 1\nстрока 2"]))
rows = st.lists(st.tuples(st.lists(cells, min_size=0, max_size=READ), comments), max_size=12)

CLINIC = parse_clinic(json.loads((Path(__file__).parent / "data" / "clinic.json").read_text(encoding="utf-8")))


def fresh_store() -> SqliteStore:
    return SqliteStore(":memory:")


def stored_days(store: SqliteStore) -> list[str]:
    return [r[0] for r in store._db.execute("SELECT local_date FROM visits")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, delimiter=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
       ending=st.sampled_from(["\r\n", "\n", "\r"]))
def test_every_data_row_is_imported_updated_or_rejected(rows, delimiter, encoding, ending) -> None:
    """A well-formed file (a comment may hold line breaks, as Excel writes Alt+Enter) in any encoding
    Excel writes, with any line end: the rows a CSV reader sees are the rows accounted for."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending)
    writer.writerow(HEADERS)
    writer.writerows([[*row, *[""] * (READ - len(row)), comment] for row, comment in rows])
    data = out.getvalue().encode(encoding, errors="replace")
    text = data.decode(encoding).removeprefix("\ufeff")
    expected = sum(1 for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                   if any(c.strip() for c in cells)) - 1
    store = fresh_store()
    report = import_csv(store, CLINIC, data, 14, now=NOW)
    assert report.imported + report.updated + len(report.rejected) == expected
    first, last = visit_window(CLINIC, NOW)
    assert all(first.isoformat() <= day <= last.isoformat() for day in stored_days(store))
    phones = {r[0] for r in store._db.execute("SELECT phone FROM visits")}
    assert all(p.startswith("+") and p[1:].isdigit() for p in phones)


def _hostile_line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["row", "row", "row", "blank", "long"]))
    if kind == "blank":
        return draw(st.sampled_from(["", " ", ";;;;;", "\x00", " ; ;"]))
    if kind == "long":
        return "А" * 70_000 + ";8 916 123-45-01;23.11.2026 10:00"
    values = draw(st.lists(st.sampled_from(["Анна", "8 (916) 123-45-01", "23.11.2026 10:00", "+7-916-ABC-DEFG",
                                            "31.12.9999 23:00", "да", "x\x00y", ""]), min_size=1, max_size=7))
    return ";".join(values)


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """Files as they come from odd systems: mixed line ends, NULs, unclosed quotes, a line far too long,
    bytes that are no text, UTF-16. With no quote closed, each non-blank line after the header is one row."""
    lines = [_hostile_line(draw) for _ in range(draw(st.integers(0, 10)))]
    rows = [n for n, line in enumerate(lines) if line.replace("\x00", "").replace(";", "").strip()]
    if rows and draw(st.booleans()):  # one quote opened at the start of a cell and never closed
        n = draw(st.sampled_from(rows))
        cells = lines[n].split(";")
        at = draw(st.integers(0, len(cells) - 1))
        lines[n] = ";".join(('"' + c) if i == at else c for i, c in enumerate(cells))
    encoding = draw(st.sampled_from(["utf-8", "cp1251", "utf-16", "utf-16-le"]))
    endings = [draw(st.sampled_from(["\r\n", "\n", "\r"])) for _ in range(len(lines) + 1)]
    text = "ФИО;Телефон;Дата приёма;Согласие на SMS" + "".join(e + line for e, line in zip(endings, lines,
                                                                                            strict=False))
    data = text.encode(encoding, errors="replace")
    blank = sum(1 for line in lines if not line.replace("\x00", "").replace(";", "").strip())
    if encoding in ("utf-8", "cp1251") and draw(st.booleans()):
        data += b"\r\n\x98\xff;8 916 123-45-01"  # bytes that read as neither UTF-8 nor Windows-1251
        return data, len(lines) - blank + 1
    return data, len(lines) - blank


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=hostile_files())
def test_hostile_files_account_for_every_line(case) -> None:
    data, expected = case
    report = import_csv(fresh_store(), CLINIC, data, 14, now=NOW)
    assert report.imported + report.updated + len(report.rejected) == expected
    assert all(error["reason"] and error["code"] for error in report.rejected)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data) -> None:
    report = import_csv(fresh_store(), CLINIC, data, 14, now=NOW)
    json.dumps(report.as_dict())  # the report is always a JSON document
    assert all(error["line"] >= 2 and error["reason"] for error in report.rejected)
