"""Shared fixtures: settings in a temporary folder, the store on both backends, the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.config import Settings
from functions.store import Store, open_store
from tests.moto_atomic import copy_tables_once, serialise_requests

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().with_overrides(
        sqlite_path=str(tmp_path / "otklik.sqlite3"), outbox_path=str(tmp_path / "outbox.jsonl"),
        public_url="https://otk.example.ru")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and moto's AWS; nothing leaves the machine."""
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-central-1"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _dynamo_store(settings: Settings) -> Store:
    from functions.store.dynamodb import DynamoStore

    store = open_store(settings.with_overrides(store="dynamodb", aws_region="eu-central-1"))
    assert isinstance(store, DynamoStore)
    store.create_table()
    serialise_requests(store.client)  # moto lacks DynamoDB's per-request atomicity under threads
    copy_tables_once()  # and backs a transaction up once per item of it
    return store


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Store]:
    """The same contract, both real backends: SQLite on disk and DynamoDB under moto."""
    if request.param == "sqlite":
        backend = open_store(settings)
        yield backend
        backend.close()
    else:
        request.getfixturevalue("aws_env")
        yield _dynamo_store(settings)


@pytest.fixture
def clinic_doc() -> dict:
    return json.loads((Path(__file__).parent / "data" / "clinic.json").read_text(encoding="utf-8"))


@pytest.fixture
def services(settings: Settings):
    """Embedded services: SQLite store and the outbox transports, all under tmp_path."""
    from functions.services import Services

    svc = Services(settings)
    yield svc
    svc.store.close()


@pytest.fixture
def clinic(services, clinic_doc: dict):
    from functions.clinics.clinic import save_clinic

    return save_clinic(services.store, clinic_doc, NOW)


@pytest.fixture
def outbox(settings: Settings):
    from functions.transports.outbox import Outbox

    return Outbox(settings.outbox_path)


@pytest.fixture
def app(settings: Settings, services):
    from functions.app import create_app

    return create_app(settings, services=services)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def owner(client, services, clinic_doc, outbox):
    """The test clinic, its owner signed in on ``client`` (as a person does: the emailed link); the services."""
    from functions.clinics.clinic import save_clinic
    from tests.admin_helpers import sign_in

    save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    return services


def visit_row(n: int, **overrides: object) -> dict:
    """One incoming visit as the clinic's system sends it: 3 h before NOW, today in Moscow."""
    row = {"external_id": f"v{n}", "patient_name": f"Пациент {n}", "phone": f"+7916123450{n}",
           "visit_at": "23.11.2026 09:00", "doctor": "Иванов И. И.", "consent": "да"}
    row.update(overrides)
    return row
