"""``rewards export / mark-paid / mark-rejected / report`` as the accountant and the operator use them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from functions.cli import main
from functions.clinics.clinic import save_clinic
from functions.rewards.ledger import read_export
from functions.store import Reward
from tests.conftest import NOW


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("FUNNEL_OUTBOX_PATH", settings.outbox_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def ledger(services, clinic_doc):
    save_clinic(services.store, {**clinic_doc, "reward": {"amount_minor": 10000, "currency": "RUB",
                                                          "monthly_budget_minor": 50000}}, NOW)
    for n in range(3):
        services.store.grant_reward(Reward(clinic_id="c1", reward_id=f"2026-11/v{n}", visit_id=f"v{n}",
                                           phone=f"+7916123450{n}", amount_minor=10000, currency="RUB",
                                           created_at=NOW), 50000, None)
    services.store.grant_reward(Reward(clinic_id="c1", reward_id="2026-12/v9", visit_id="v9", phone="+79161234509",
                                       amount_minor=10000, currency="RUB", created_at=NOW), 50000, None)
    return services


def table(text: str) -> list[dict]:
    """The export's rows by key: its Russian headers read back as the mark-paid command reads them."""
    return read_export(text)


def test_an_export_hands_each_reward_over_once(run, ledger, tmp_path) -> None:
    out = tmp_path / "november.csv"
    first = run("rewards", "export", "--month", "2026-11", "--out", str(out))
    exported = table(out.read_text(encoding="utf-8"))
    assert [(r["reward_id"], r["phone"], r["amount"], r["currency"]) for r in exported] == [
        (f"2026-11/v{n}", f"+7916123450{n}", "100,00", "RUB") for n in range(3)]
    batch = exported[0]["batch"]
    assert f"batch {batch}: 3 rewards, 300.00 in all" in first.stderr
    assert table(run("rewards", "export", "--month", "2026-11").stdout) == []  # nothing new to pay
    again = table(run("rewards", "export", "--month", "2026-11", "--batch", batch).stdout)
    assert [r["reward_id"] for r in again] == [r["reward_id"] for r in exported]
    assert {r.status for r in ledger.store.rewards_in_month("c1", "2026-11")} == {"sending"}


def test_payments_are_marked_from_the_exported_file_and_never_twice(run, ledger, tmp_path) -> None:
    out = tmp_path / "november.csv"
    run("rewards", "export", "--month", "2026-11", "--out", str(out))
    marked = run("rewards", "mark-paid", "--file", str(out), "--by", "Анна Бухгалтер", "--reference", "п/п 118")
    assert marked.exit_code == 0 and len(json.loads(marked.stdout)["paid"]) == 3
    row = ledger.store.get_reward("c1", "2026-11/v1")
    assert (row.status, row.settled_by, row.reference) == ("paid", "Анна Бухгалтер", "п/п 118")
    twice = run("rewards", "mark-paid", "--file", str(out), "--by", "Анна Бухгалтер")
    assert twice.exit_code == 0 and list(json.loads(twice.stdout)) == ["already"]
    unknown = run("rewards", "mark-paid", "2026-11/nope", "--clinic", "c1", "--by", "Анна")
    assert unknown.exit_code == 1 and json.loads(unknown.stdout) == {"unknown": ["c1 2026-11/nope"]}


def test_a_rejection_returns_the_money_to_the_budget_and_the_report_adds_up(run, ledger) -> None:
    run("rewards", "mark-paid", "2026-11/v0", "2026-11/v1", "--clinic", "c1", "--by", "Анна")
    rejected = run("rewards", "mark-rejected", "2026-11/v2", "--clinic", "c1", "--by", "Анна",
                   "--reason", "оператор не принимает номер")
    assert rejected.exit_code == 0
    assert ledger.store.get_reward("c1", "2026-11/v2").last_error == "оператор не принимает номер"
    (report,) = json.loads(run("rewards", "report", "--month", "2026-11").stdout)
    assert report == {"clinic": "c1", "month": "2026-11", "currency": "RUB",
                      "promised": {"count": 0, "amount": "0.00"}, "expired": {"count": 0, "amount": "0.00"},
                      "paid": {"count": 2, "amount": "200.00"}, "to_pay": {"count": 0, "amount": "0.00"},
                      "failed": {"count": 0, "amount": "0.00"}, "rejected": {"count": 1, "amount": "100.00"},
                      "declined": {"budget": 0, "phone_limit": 0}, "budget": "500.00", "budget_left": "300.00"}
    assert ledger.store.reward_standing("c1", "2026-11", "").committed_minor == 20000


def test_bad_requests_are_refused_with_a_reason(run, ledger) -> None:
    assert run("rewards", "export", "--month", "2026-13").exit_code == 2
    assert "no clinic 'nope'" in run("rewards", "report", "--month", "2026-11", "--clinic", "nope").output
    assert "is manual" in run("rewards", "pay").output
    assert run("rewards", "mark-paid", "--by", "Анна").exit_code == 2
    listed = json.loads(run("rewards", "list", "--clinic", "c1", "--month", "2026-12").stdout)
    assert [r["reward_id"] for r in listed] == ["2026-12/v9"]
