"""Money on the dashboard: owed, paid, promised and the budget left on the numbers page; the Rewards page's export
for the accountant and payments marked with who and a reference; a budget lowered below what was promised."""

from __future__ import annotations

import re

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.rewards.ledger import read_export
from functions.visits.intake import import_rows
from functions.web import invites as api
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW, visit_row


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    import functions.web.admin.numbers as numbers_view
    import functions.web.admin.rewards as rewards_view
    import functions.web.admin.settings as settings_view

    for module in (api, numbers_view, rewards_view, settings_view):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def answered(services, clinic_doc, client, outbox):
    """Seven patients texted with a 100 ₽ promise (budget 1 000 ₽); four answered, so 400 ₽ is owed."""
    clinic = save_clinic(services.store, {**clinic_doc, "reward": {"amount_minor": 10000,
                                                                    "monthly_budget_minor": 100000}}, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    services.store.put_member("c1", "dir@clinic.ru", "director", NOW)
    import_rows(services.store, clinic, [(n + 2, visit_row(n, phone=f"+7916123450{n}")) for n in range(7)], 14)
    send_due_invites(services, NOW)
    for n in range(4):
        token = services.store.get_visit("c1", f"v{n}").invite_token
        client.post(f"/api/v1/invites/{token}/rating", json={"score": 5})
    return services


def money(page: str, key: str) -> str:
    found = re.search(rf'data-money="{key}"><dt>[^<]+</dt><dd>([^<]+)</dd>', page)
    assert found, key
    return found.group(1).replace("\xa0", " ")


def test_the_numbers_page_shows_what_is_owed_paid_promised_and_left(client, answered, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    page = client.get("/admin/c/c1/").get_data(as_text=True)
    assert money(page, "owed") == "400 ₽" and money(page, "paid") == "0 ₽" and money(page, "promised") == "300 ₽"
    assert money(page, "budget") == "осталось 300 ₽"  # 1 000 ₽ less the 700 ₽ promised with the SMS
    assert "ноябрь 2026" in page and "/admin/c/c1/rewards?month=2026-11" in page


def test_the_accountant_gets_each_reward_once_and_payments_are_marked_with_who_and_reference(
        client, answered, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    csrf = csrf_of(client, "/admin/c/c1/rewards")
    exported = client.post("/admin/c/c1/rewards/export", data={"csrf": csrf, "month": "2026-11"})
    assert exported.status_code == 303
    batch = re.search(r"batch=(\w+)", exported.headers["Location"]).group(1)
    page = client.get(exported.headers["Location"]).get_data(as_text=True)
    assert "Выгрузка готова" in page and f"rewards.csv?month=2026-11&amp;batch={batch}" in page
    csv = client.get(f"/admin/c/c1/rewards.csv?month=2026-11&batch={batch}")
    text = csv.get_data(as_text=True)
    assert csv.headers["Content-Type"].startswith("text/csv") and text.startswith("\ufeffКлиника;Номер выплаты;")
    rows = read_export(text)
    assert sorted(r["phone"] for r in rows) == [f"+7916123450{n}" for n in range(4)]
    assert {r["amount"] for r in rows} == {"100,00"}
    # Handed over once: a second export has nothing new.
    again = client.post("/admin/c/c1/rewards/export", data={"csrf": csrf, "month": "2026-11"})
    assert again.headers["Location"].endswith("done=nothing")

    # Paying needs a reference; then the whole export is marked paid by who paid it.
    assert client.post("/admin/c/c1/rewards/settle", data={"csrf": csrf, "month": "2026-11", "status": "paid",
                                                           "batch": batch}).status_code == 400
    rejected = client.post("/admin/c/c1/rewards/settle", data={
        "csrf": csrf, "month": "2026-11", "status": "rejected", "reward": "2026-11/v3", "reason": "номер не принимает"})
    assert rejected.headers["Location"].endswith("done=rejected&n=1&skipped=0")
    paid = client.post("/admin/c/c1/rewards/settle", data={
        "csrf": csrf, "month": "2026-11", "status": "paid", "batch": batch, "by": "Анна", "reference": "п/п 118"})
    assert paid.headers["Location"].endswith("done=paid&n=3&skipped=0")
    rows = {r.reward_id: r for r in answered.store.rewards_in_month("c1", "2026-11")}
    assert (rows["2026-11/v0"].status, rows["2026-11/v0"].settled_by, rows["2026-11/v0"].reference) == (
        "paid", "Анна", "п/п 118")
    assert (rows["2026-11/v3"].status, rows["2026-11/v3"].last_error) == ("rejected", "номер не принимает")
    page = client.get("/admin/c/c1/rewards?month=2026-11").get_data(as_text=True)
    assert money(page, "paid") == "300 ₽" and money(page, "owed") == "0 ₽"
    assert "Анна, п/п 118" in page and "+7 916 123-45-00" in page
    # Marking it paid again changes nothing and says so.
    twice = client.post("/admin/c/c1/rewards/settle", data={
        "csrf": csrf, "month": "2026-11", "status": "paid", "reward": "2026-11/v0", "reference": "п/п 119"})
    assert twice.headers["Location"].endswith("done=paid&n=0&skipped=1")
    assert answered.store.get_reward("c1", "2026-11/v0").reference == "п/п 118"
    assert sorted(e.what for e in answered.store.list_audit("c1", 10)) == ["rewards: export", "rewards: paid",
                                                                           "rewards: rejected"]


def test_money_work_is_the_owners(client, answered, outbox) -> None:
    sign_in(client, outbox, "dir@clinic.ru")
    assert client.get("/admin/c/c1/rewards").status_code == 403
    assert "data-money=\"owed\"" in client.get("/admin/c/c1/").get_data(as_text=True)  # the director sees the sums
    assert client.get("/admin/c/c1/rewards?month=ноябрь").status_code in (400, 403)


def test_a_budget_lowered_below_what_was_promised_is_saved_with_a_warning(client, answered, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    form = dict(re.findall(r'<input name="(\w+)"[^>]*value="([^"]*)"', page))
    form.update(csrf=csrf_of(client, "/admin/c/c1/settings"), monthly_budget="500", directors="a@clinic.ru",
                earned_by="tap", locale="ru", policy="gated", primary="order", template="", branches="")
    saved = client.post("/admin/c/c1/settings", data=form)
    assert saved.headers["Location"].endswith("saved=budget_below")
    warned = client.get(saved.headers["Location"]).get_data(as_text=True).replace("\xa0", " ")
    assert "Новый бюджет месяца — 500 ₽ — меньше, чем уже обещано и выплачено в этом месяце: 700 ₽" in warned
    assert answered.clinic("c1").reward.monthly_budget_minor == 50000  # saved all the same
