"""The parsed clinic is kept per process and re-read only when its version moved, whoever changed it."""

from __future__ import annotations

from functions.clinics import clinic as clinics
from functions.clinics.clinic import save_clinic
from functions.services import Services
from functions.store import Store
from tests.conftest import NOW


def test_the_store_hands_the_document_back_only_when_it_changed(store: Store, clinic_doc) -> None:
    assert store.get_clinic_since("c1", -1) is None
    save_clinic(store, clinic_doc, NOW)
    version, doc = store.get_clinic_since("c1", -1)
    assert doc["name"] == clinic_doc["name"]
    assert store.get_clinic_since("c1", version) == (version, None)
    save_clinic(store, {**clinic_doc, "name": "Клиника Новая"}, NOW)
    newer, doc = store.get_clinic_since("c1", version)
    assert newer > version and doc["name"] == "Клиника Новая"


def test_a_clinic_is_parsed_once_until_it_changes(services, clinic_doc, monkeypatch) -> None:
    save_clinic(services.store, clinic_doc, NOW)
    parsed = []
    real = clinics.parse_clinic
    monkeypatch.setattr("functions.services.parse_clinic", lambda doc: parsed.append(1) or real(doc))
    first = services.clinic("c1")
    assert all(services.clinic("c1") is first for _ in range(20))
    assert len(parsed) == 1
    assert services.clinic("nope") is None


def test_a_change_by_another_process_is_seen_by_the_next_request(settings, clinic_doc) -> None:
    web, dashboard = Services(settings), Services(settings)  # two processes: two stores on one file
    save_clinic(dashboard.store, clinic_doc, NOW)
    assert web.clinic("c1").threshold == 4
    save_clinic(dashboard.store, {**clinic_doc, "threshold": 5}, NOW)
    assert web.clinic("c1").threshold == 5


def test_an_older_database_gains_the_version_column(tmp_path, clinic_doc) -> None:
    import sqlite3

    from functions.store.sqlite import SqliteStore

    path = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE clinics (clinic_id TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at TEXT NOT NULL)")
    old.execute("INSERT INTO clinics VALUES ('c1', '{\"id\": \"c1\"}', '2026-01-01')")
    old.commit()
    old.close()
    store = SqliteStore(path)
    assert store.get_clinic_since("c1", -1) == (1, {"id": "c1"})
    save_clinic(store, clinic_doc, NOW)
    assert store.get_clinic_since("c1", 1)[0] == 2
