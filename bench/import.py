"""Visits import: rows/s and peak memory for large CSV files on SQLite, and DynamoDB requests per 1,000 rows.

The file is what clinics send: cp1251, ';'-separated, Russian headers, Russian dates and phones.
Each SQLite size runs in a fresh process (its peak RSS is the import's alone) and first times a bare
``csv.reader`` pass over the same file; rows/s is given by the wall clock and per CPU second (the
second holds still when other work shares the machine), and the load average is printed before and
after. ``--baseline DIR`` measures an earlier checkout of the code alongside, size by size.
Budgets: peak RSS <= 120 MB at 100,000 rows and flat in the file's size; <= 45 DynamoDB requests per
1,000 rows of a 7-day export.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HEADER = "Номер визита;Дата приёма;ФИО;Телефон;Врач;Филиал;Услуга;Согласие на SMS"


def line(n: int, days: int, branch: str = "Центр") -> str:
    day = 1 + n % days
    return (f"{n};{day:02d}.11.2026 {9 + n % 10}:{n % 60:02d};Пациент Номер {n};"
            f"8 (916) {n // 10000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d};Иванов И. И.;{branch};"
            f"Приём терапевта;да")


def write_export(path: Path, rows: int, days: int) -> None:
    with path.open("w", encoding="cp1251", newline="") as out:
        out.write(HEADER + "\r\n")
        for n in range(rows):
            out.write(line(n, days) + "\r\n")


def export(rows: int, days: int, branch: str = "Центр") -> bytes:
    return ("\r\n".join([HEADER, *(line(n, days, branch) for n in range(rows))]) + "\r\n").encode("cp1251")


def child(path: Path, db: Path, code: Path) -> None:
    """One size, in its own process: the bare csv pass, the import, the re-import, and the peak RSS."""
    import inspect

    sys.path.insert(0, str(code))
    from functions.clinics.clinic import parse_clinic
    from functions.config import Settings
    from functions.demo import DEMO_CLINIC
    from functions.store import open_store
    from functions.visits.csv_files import import_csv

    start = time.process_time()
    with path.open(encoding="cp1251", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
    bare = time.process_time() - start
    store = open_store(Settings().with_overrides(sqlite_path=str(db)))
    clinic = parse_clinic(DEMO_CLINIC)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(2):
        start, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as handle:
            if "now" in inspect.signature(import_csv).parameters:
                report = import_csv(store, clinic, handle, 14, now=NOW)
            else:  # the code before streaming: it took the file's bytes
                report = import_csv(store, clinic, handle.read(), 14)
        timings.append((time.perf_counter() - start, time.process_time() - cpu, report))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (first, first_cpu, new), (second, second_cpu, again) = timings
    print(json.dumps({"rows": rows, "bare": rows / bare, "first": rows / first, "again": rows / second,
                      "first_cpu": rows / first_cpu, "again_cpu": rows / second_cpu,
                      "imported": new.imported, "updated": again.updated, "rejected": len(new.rejected),
                      "rss_before_mb": before / 1024, "rss_peak_mb": peak / 1024}))


def sqlite_runs(sizes: list[int], codes: dict[str, Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rows, (label, code) in ((r, c) for r in sizes for c in codes.items()):
            path = Path(tmp) / f"export-{rows}.csv"
            if not path.exists():
                write_export(path, rows, days=28)
            db = Path(tmp) / f"{label}-{rows}.db"
            done = subprocess.run([sys.executable, __file__, "--child", str(path), str(db), str(code)],
                                  check=True, capture_output=True, text=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / 1e6
            print(f"sqlite, {label}: {r['rows']:,} rows ({size:.1f} MB): imported {r['imported']:,} at "
                  f"{r['first']:,.0f} rows/s ({r['first_cpu']:,.0f} per CPU second), re-import updated "
                  f"{r['updated']:,} at {r['again']:,.0f} rows/s ({r['again_cpu']:,.0f} per CPU second); "
                  f"a bare csv.reader pass {r['bare']:,.0f} rows per CPU second; "
                  f"peak RSS {r['rss_peak_mb']:.0f} MB (before importing {r['rss_before_mb']:.0f} MB; budget 120)")


def dynamodb_requests(rows: int, days: int) -> None:
    from moto import mock_aws

    from functions.clinics.clinic import parse_clinic
    from functions.config import Settings
    from functions.demo import DEMO_CLINIC
    from functions.store import open_store
    from functions.visits.csv_files import import_csv
    from tests.moto_atomic import copy_tables_once

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    calls: Counter = Counter()

    def count(model, **_) -> None:
        calls.update([model.name])

    copy_tables_once()  # moto's own cost, not DynamoDB's: it would copy the table once per item
    with mock_aws():
        store = open_store(Settings().with_overrides(store="dynamodb", aws_region="eu-central-1"))
        store.create_table()  # type: ignore[attr-defined]
        store.client.meta.events.register("before-call.dynamodb", count)  # type: ignore[attr-defined]
        clinic = parse_clinic(DEMO_CLINIC)
        for label, data in (("new", export(rows, days)), ("again, unchanged", export(rows, days)),
                            ("again, every row changed", export(rows, days, branch="Юг"))):
            calls.clear()
            report = import_csv(store, clinic, data, 14, now=NOW)
            total = sum(calls.values())
            print(f"dynamodb, {rows} rows over {days} day(s), {label}: {report.imported} created, "
                  f"{report.updated} updated; {total} requests = {total * 1000 / rows:.1f} per 1,000 rows "
                  f"(budget <= 45), scans {calls['Scan']}; {dict(calls)}")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="25000,100000,200000", help="rows per SQLite run, comma-separated")
    parser.add_argument("--dynamodb-rows", type=int, default=1000)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of earlier code (git worktree add /tmp/before main) to measure alongside")
    parser.add_argument("--child", nargs=3, metavar=("CSV", "DB", "CODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), Path(args.child[2]))
        return
    print(f"before: {load()}")
    codes = {"this code": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    sqlite_runs([int(n) for n in args.sizes.split(",")], codes)
    dynamodb_requests(args.dynamodb_rows, days=1)
    dynamodb_requests(args.dynamodb_rows, days=7)
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
