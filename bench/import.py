"""Visits import: rows/s for a 100,000-row CSV on SQLite, and DynamoDB requests per 1,000 rows (goal <= 45).

The file is what clinics send: cp1251, ';'-separated, Russian headers, Russian dates and phones.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.clinics.clinic import parse_clinic
from functions.config import Settings
from functions.demo import DEMO_CLINIC
from functions.store import open_store
from functions.visits.csv_files import import_csv

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def export(rows: int, days: int) -> bytes:
    lines = ["Номер визита;Дата приёма;ФИО;Телефон;Врач;Филиал;Услуга;Согласие на SMS"]
    for n in range(rows):
        day = 1 + n % days
        lines.append(f"{n};{day:02d}.11.2026 {9 + n % 10}:{n % 60:02d};Пациент Номер {n};"
                     f"8 (916) {n // 10000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d};Иванов И. И.;Центр;"
                     f"Приём терапевта;да")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def sqlite_rate(rows: int) -> None:
    data = export(rows, days=28)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings().with_overrides(sqlite_path=str(Path(tmp) / "b.sqlite3")))
        clinic = parse_clinic(DEMO_CLINIC)
        start = time.perf_counter()
        report = import_csv(store, clinic, data, 14)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = import_csv(store, clinic, data, 14)
        second = time.perf_counter() - start
    print(f"sqlite: {rows} rows ({len(data) / 1e6:.1f} MB) imported {report.imported} rejected "
          f"{len(report.rejected)} in {first:.2f} s = {rows / first:,.0f} rows/s; "
          f"re-import updated {again.updated} in {second:.2f} s = {rows / second:,.0f} rows/s")


def dynamodb_requests(rows: int, days: int) -> None:
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    data = export(rows, days)
    calls: Counter = Counter()

    def count(model, **_) -> None:
        calls.update([model.name])

    with mock_aws():
        store = open_store(Settings().with_overrides(store="dynamodb", aws_region="eu-central-1"))
        store.create_table()  # type: ignore[attr-defined]
        store.client.meta.events.register("before-call.dynamodb", count)  # type: ignore[attr-defined]
        clinic = parse_clinic(DEMO_CLINIC)
        for label in ("new", "again"):
            calls.clear()
            report = import_csv(store, clinic, data, 14)
            total = sum(calls.values())
            print(f"dynamodb, {rows} rows over {days} day(s), {label}: {report.imported} created, "
                  f"{report.updated} updated; {total} requests = {total * 1000 / rows:.1f} per 1,000 rows "
                  f"(goal <= 45), scans {calls['Scan']}; {dict(calls)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dynamodb-rows", type=int, default=1000)
    args = parser.parse_args()
    sqlite_rate(args.rows)
    dynamodb_requests(args.dynamodb_rows, days=1)
    dynamodb_requests(args.dynamodb_rows, days=7)


if __name__ == "__main__":
    main()
