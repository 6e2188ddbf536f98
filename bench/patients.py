"""The patient register at a clinic's scale: DynamoDB requests (moto) to list 1,000 patients who stopped coming and
to send one campaign letter each (zero Scans), and the SQLite call list's time with 10,000 such patients."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.clinics.clinic import parse_clinic
from functions.config import Settings
from functions.demo import DEMO_CLINIC
from functions.patients.campaigns import send_campaign, start_campaign
from functions.patients.intake import patient_of
from functions.patients.reactivation import inactive, rows_csv
from functions.services import Services
from functions.store import Visit, open_store
from functions.transports import Email

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LETTER = {"offer": "Осмотр и чистка за 2 500 ₽", "price": "4 000 ₽"}


class Recorded:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, email: Email) -> str:
        self.sent += 1
        return f"e-{self.sent}"


def lapsed(clinic, count: int) -> list:
    patients = []
    for n in range(count):
        at = NOW - timedelta(days=400 + n % 300, hours=n % 9)
        visit = Visit(clinic_id=clinic.id, visit_id=f"v{n}", patient_name=f"Петрова Мария Ивановна {n}",
                      phone=f"+7916{n:07d}", visit_at=at, local_date=at.date().isoformat(),
                      expires_at=at + timedelta(days=16), doctor="Иванов И. И.", service="Гигиена",
                      note="План лечения: пломба" if n % 3 == 0 else "", email=f"p{n}@mail.example",
                      ad_consent=n % 10 != 0)
        patients.append(patient_of(clinic, visit, NOW))
    return patients


def dynamodb(count: int) -> None:
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    calls: Counter = Counter()
    with mock_aws():
        settings = Settings().with_overrides(store="dynamodb", aws_region="eu-central-1", secret_key="k" * 32)
        store = open_store(settings)
        store.create_table()  # type: ignore[attr-defined]
        clinic = parse_clinic({**DEMO_CLINIC, "patients": {"letter": LETTER}})
        store.put_clinic(clinic.id, clinic.to_doc(), NOW)
        store.note_patients(lapsed(clinic, count))
        store.client.meta.events.register("before-call.dynamodb",  # type: ignore[attr-defined]
                                          lambda model, **_: calls.update([model.name]))
        rows, _ = inactive(store, clinic, 12, NOW)
        listed = dict(calls)
        print(f"dynamodb: the call list of {len(rows)} patients (of {count} lapsed) in {sum(listed.values())} "
              f"requests, scans {calls['Scan']}; {listed}")
        email = Recorded()
        services = Services(settings, store=store, email=email)
        campaign, _ = start_campaign(store, clinic, "bench", 12, "email", "bench", NOW)
        calls.clear()
        report = send_campaign(services, clinic, campaign, NOW)
        total = sum(calls.values())
        print(f"dynamodb: a campaign of {report.sent} letters in {total} requests = {total / report.sent:.2f} per "
              f"letter, scans {calls['Scan']}; {dict(calls)}")


def sqlite(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings().with_overrides(sqlite_path=str(Path(tmp) / "b.sqlite3")))
        clinic = parse_clinic(DEMO_CLINIC)
        start = time.perf_counter()
        store.note_patients(lapsed(clinic, count))
        noted = time.perf_counter() - start
        pages, files = [], []
        for _ in range(3):
            start = time.perf_counter()
            rows, _ = inactive(store, clinic, 12, NOW)
            shown = [row.script for row in rows[:200]]  # what the dashboard shows
            pages.append(time.perf_counter() - start)
            start = time.perf_counter()
            rows_csv(clinic, inactive(store, clinic, 12, NOW)[0])  # every opening, for the spreadsheet
            files.append(time.perf_counter() - start)
        print(f"sqlite: {count} patients into the register in {noted:.2f} s; the call list of {len(rows)}: the page "
              f"({len(shown)} scripts) in {sorted(pages)[1]:.2f} s, the CSV in {sorted(files)[1]:.2f} s (medians of 3)")


if __name__ == "__main__":
    dynamodb(1000)
    sqlite(10_000)
