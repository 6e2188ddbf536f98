"""Dispatch: DynamoDB requests per dispatched invite (moto; goal <= 4, zero Scans) and invites/s.

Counts every DynamoDB API call the dispatcher makes through botocore's event hooks, and times
a run against SQLite with a fake SMS provider that takes the given latency per message.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.clinics.clinic import save_clinic
from functions.config import Settings
from functions.demo import DEMO_CLINIC
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.store import Visit
from functions.transports import Sms
from tests.moto_atomic import serialise_requests

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class SlowSms:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.count = 0

    def send(self, sms: Sms) -> str:
        time.sleep(self.latency)
        self.count += 1
        return f"m-{self.count}"


def seed(services: Services, count: int) -> None:
    clinic = save_clinic(services.store, DEMO_CLINIC, NOW)
    for n in range(count):
        services.store.save_visit(Visit(
            clinic_id=clinic.id, visit_id=f"b-{n}", patient_name="Bench", phone=f"+7916{n:07d}",
            visit_at=NOW - timedelta(hours=3), local_date=clinic.local_date(NOW),
            expires_at=NOW + timedelta(days=16)))


def dynamodb_requests(count: int) -> None:
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    with mock_aws():
        settings = Settings().with_overrides(store="dynamodb", aws_region="eu-central-1")
        services = Services(settings, sms=SlowSms(0))
        services.store.create_table()  # type: ignore[attr-defined]
        serialise_requests(services.store.client)  # type: ignore[attr-defined]
        seed(services, count)
        calls: Counter = Counter()
        services.store.client.meta.events.register(  # type: ignore[attr-defined]
            "before-call.dynamodb", lambda model, **_: calls.update([model.name]))
        report = send_due_invites(services, NOW)
    total = sum(calls.values())
    print(f"dynamodb: {report.sent} invites, {total} requests, {total / report.sent:.2f} per invite "
          f"(goal <= 4), scans {calls['Scan']}; by operation {dict(calls)}")


def throughput(count: int, latency: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().with_overrides(sqlite_path=str(Path(tmp) / "b.sqlite3"))
        sms = SlowSms(latency)
        services = Services(settings, sms=sms)
        seed(services, count)
        start = time.perf_counter()
        report = send_due_invites(services, NOW)
        elapsed = time.perf_counter() - start
    rate = report.sent / elapsed
    print(f"sqlite: {report.sent} invites with {latency * 1000:.0f} ms provider latency in {elapsed:.2f} s "
          f"= {rate:.0f} invites/s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="visits for the DynamoDB request count (moto)")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--latency-ms", type=float, default=50)
    args = parser.parse_args()
    dynamodb_requests(args.requests)
    small = throughput(args.small, args.latency_ms / 1000)
    large = throughput(args.large, args.latency_ms / 1000)
    print(f"time ratio {args.large}/{args.small} visits: {large / small:.2f} (goal <= 11; linear would be "
          f"{args.large / args.small:.0f})")


if __name__ == "__main__":
    main()
