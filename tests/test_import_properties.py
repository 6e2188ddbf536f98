"""Properties of the CSV importer: it never raises, and every data row is accounted for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.clinics.clinic import parse_clinic
from functions.store.sqlite import SqliteStore
from functions.visits.csv_files import import_csv

HEADERS = ["Номер визита", "ФИО", "Телефон", "Дата приёма", "Врач", "Согласие на SMS"]
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["8 (916) 123-45-01", "+79161234502", "12345", "23.11.2026 10:00", "2026-11-23T10:00",
                     "да", "нет", "", " ", "A-1", "A-1", "\"", ";", "\r\n"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=7), max_size=12)


CLINIC = parse_clinic(json.loads((Path(__file__).parent / "data" / "clinic.json").read_text(encoding="utf-8")))


def fresh_store() -> SqliteStore:
    return SqliteStore(":memory:")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, delimiter=st.sampled_from([";", ",", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig",
                                                                                           "cp1251"]))
def test_every_data_row_is_imported_updated_or_rejected(rows, delimiter, encoding) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, errors="replace")
    expected = sum(1 for cells in csv.reader(io.StringIO(data.decode(encoding).removeprefix("\ufeff")),
                                             delimiter=delimiter) if any(c.strip() for c in cells)) - 1
    report = import_csv(fresh_store(), CLINIC, data, 14)
    assert report.imported + report.updated + len(report.rejected) == expected


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data) -> None:
    report = import_csv(fresh_store(), CLINIC, data, 14)
    json.dumps(report.as_dict())  # the report is always a JSON document
    assert all(error["line"] >= 2 and error["reason"] for error in report.rejected)
