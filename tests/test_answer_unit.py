"""A patient's request is one unit of work on SQLite: one commit for a first tap, none for a repeat, and the
director's email only after the commit (never while the write lock is held, never for rolled-back writes)."""

from __future__ import annotations

import pytest

from functions.invites.dispatch import send_due_invites
from functions.transports.outbox import Outbox, OutboxEmail
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    from functions.web import forms, invites

    for module in (invites, forms):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def token(services, clinic) -> str:
    import_rows(services.store, clinic, [(2, visit_row(1))], services.settings.token_days)
    send_due_invites(services, NOW)
    return services.store.get_visit("c1", "v1").invite_token


def commits_during(services, act) -> list[str]:
    """The transaction statements the request's thread ran (the test client serves on this thread)."""
    seen: list[str] = []
    db = services.store._db
    db.set_trace_callback(lambda sql: seen.append(sql.split()[0].upper()))
    try:
        act()
    finally:
        db.set_trace_callback(None)
    return [s for s in seen if s in ("BEGIN", "COMMIT", "ROLLBACK", "INSERT", "UPDATE", "DELETE")]


def test_a_first_tap_is_one_transaction_and_a_repeat_writes_nothing(client, services, token) -> None:
    first = commits_during(services, lambda: client.post(f"/api/v1/invites/{token}/rating", json={"score": 5}))
    assert first.count("BEGIN") == 1 and first.count("COMMIT") == 1 and "ROLLBACK" not in first
    assert first.index("BEGIN") < min(first.index(s) for s in ("INSERT", "UPDATE") if s in first)
    repeat = commits_during(services, lambda: client.post(f"/api/v1/invites/{token}/rating", json={"score": 5}))
    assert repeat == []


def test_the_no_javascript_form_is_one_transaction_too(client, services, token) -> None:
    done = commits_during(services, lambda: client.post(f"/{token}/rating", data={"score": "2"}))
    assert done.count("BEGIN") == 1 and done.count("COMMIT") == 1
    assert services.store.get_case("c1", "v1") is not None


def test_the_directors_email_goes_after_the_commit(client, services, token, settings) -> None:
    outside: list[bool] = []

    class Watching(OutboxEmail):
        def send(self, email):
            outside.append(not services.store._db.in_transaction)
            return super().send(email)

    services.email = Watching(Outbox(settings.outbox_path), settings.email_from)
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 1})
    client.post(f"/api/v1/invites/{token}/feedback", json={"text": "Грубый администратор"})
    assert outside == [True]  # the words brought the alert, sent once the request's writes were committed
