"""Rewards as patients meet them: earned by any answer, once; the page and the SMS honest about limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.store import Reward
from functions.visits.intake import import_rows
from functions.web import forms
from functions.web import invites as api
from tests.conftest import NOW, visit_row


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    for module in (api, forms):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


def with_reward(services, clinic_doc: dict, **rules: object):
    return save_clinic(services.store, {**clinic_doc, "reward": {**clinic_doc["reward"], **rules}}, NOW)


def invite(services, clinic, *ns: int) -> list[str]:
    import_rows(services.store, clinic, [(n + 1, visit_row(n)) for n in ns], services.settings.token_days)
    send_due_invites(services, NOW)
    return [services.store.get_visit("c1", f"v{n}").invite_token for n in ns]


def rows(services) -> dict[str, tuple[str, str, int]]:
    return {r.reward_id: (r.status, r.last_error, r.amount_minor) for r in services.store.list_rewards("c1")}


def state(client, token: str) -> str:
    return client.get(f"/api/v1/invites/{token}").get_json()["reward"]["state"]


def test_any_score_earns_the_same_reward_once(client, services, clinic) -> None:
    happy, unhappy = invite(services, clinic, 1, 2)
    assert state(client, happy) == "offered"
    assert client.post(f"/api/v1/invites/{happy}/rating", json={"score": 5}).get_json()["reward"] == "earned"
    assert client.post(f"/api/v1/invites/{unhappy}/rating", json={"score": 1}).get_json()["reward"] == "earned"
    client.post(f"/api/v1/invites/{happy}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{unhappy}/feedback", json={"text": "Долго ждали"})
    assert rows(services) == {"2026-11/v1": ("pending", "", 10000), "2026-11/v2": ("pending", "", 10000)}
    assert state(client, happy) == "earned"
    reward = services.store.get_reward("c1", "2026-11/v1")
    assert (reward.phone, reward.currency) == ("+79161234501", "RUB")  # the visit's own number


def test_with_earned_by_answer_a_low_score_earns_with_its_words(client, services, clinic_doc) -> None:
    clinic = with_reward(services, clinic_doc, earned_by="answer")
    happy, unhappy = invite(services, clinic, 1, 2)
    client.post(f"/api/v1/invites/{unhappy}/rating", json={"score": 2})
    assert rows(services)["2026-11/v2"][0] == "promised" and state(client, unhappy) == "offered"
    client.post(f"/api/v1/invites/{happy}/rating", json={"score": 4})
    assert [status for status, _, _ in rows(services).values()] == ["pending", "promised"]
    sent = client.post(f"/api/v1/invites/{unhappy}/feedback", json={"text": "Врач не объяснил лечение"})
    assert sent.get_json()["reward"] == "earned"
    assert [status for status, _, _ in rows(services).values()] == ["pending", "pending"]


def test_the_page_says_so_when_the_months_budget_is_spent(client, services, clinic_doc, outbox) -> None:
    clinic = with_reward(services, clinic_doc, monthly_budget_minor=15000)
    tokens = invite(services, clinic, 1, 2)
    # The budget counts promises: one SMS took 100 of 150, so the other could promise nothing. The two go out
    # side by side, so either may be the one that got there first; exactly one of them did.
    states = {token: state(client, token) for token in tokens}
    assert sorted(states.values()) == ["budget_spent", "offered"]
    first = next(t for t, s in states.items() if s == "offered")
    second = next(t for t, s in states.items() if s == "budget_spent")
    client.post(f"/api/v1/invites/{first}/rating", json={"score": 5})
    assert state(client, second) == "budget_spent"
    page = client.post(f"/{second}/rating", data={"score": "3"}).get_data(as_text=True)
    spent = 'data-reward-state="budget_spent">Вознаграждения этого месяца закончились.'
    assert spent in page and 'data-reward-state="offered" hidden' in page
    unpaid = services.store.get_invite(second).visit_id
    assert rows(services)[f"2026-11/{unpaid}"] == ("declined", "budget", 10000)
    texts = {m["text"] for m in outbox.messages("sms")}
    # The SMS promised nothing either: the page never contradicts it.
    assert [second in t for t in texts if "₽" not in t] == [True]
    assert [first in t for t in texts if "₽" in t] == [True]
    # December has a budget of its own.
    assert services.store.reward_standing("c1", "2026-12", "").committed_minor == 0


def test_an_invite_sms_promises_no_reward_once_the_budget_is_spent(services, clinic_doc, outbox) -> None:
    clinic = with_reward(services, clinic_doc, monthly_budget_minor=10000)
    services.store.grant_reward(Reward(clinic_id="c1", reward_id="2026-11/old", visit_id="old", phone="+79990000000",
                                       amount_minor=10000, currency="RUB", created_at=NOW), 10000, None)
    (token,) = invite(services, clinic, 1)
    text = outbox.messages("sms")[0]["text"]
    assert "ответ" not in text and "₽" not in text
    assert text.endswith(f"касанием: https://otk.example.ru/{token}/")


def test_a_phone_rewarded_recently_is_told_before_it_answers(client, services, clinic, outbox) -> None:
    earlier = Reward(clinic_id="c1", reward_id="2026-10/v0", visit_id="v0", phone="+79161234501",
                     amount_minor=10000, currency="RUB", created_at=NOW - timedelta(days=20))
    services.store.grant_reward(earlier, 0, None)
    (token,) = invite(services, clinic, 1)
    assert "₽" not in outbox.messages("sms")[0]["text"]
    assert state(client, token) == "phone_limit"
    assert client.post(f"/api/v1/invites/{token}/rating", json={"score": 4}).get_json()["reward"] == "phone_limit"
    assert rows(services)["2026-11/v1"] == ("declined", "phone_limit", 10000)
    html = client.post(f"/{token}/rating", data={"score": "4"}).get_data(as_text=True)
    assert 'data-reward-state="phone_limit">На этот номер недавно' in html


def test_a_retry_after_midnight_on_the_months_last_day_finds_the_same_row(client, services, clinic,
                                                                          monkeypatch) -> None:
    (token,) = invite(services, clinic, 1)
    last_minute = datetime(2026, 11, 30, 20, 59, tzinfo=UTC)  # 23:59 in Moscow
    services.store.record_rating(token, 5, last_minute)  # the request died before its reward
    monkeypatch.setattr(api, "utcnow", lambda: last_minute + timedelta(minutes=5))  # 00:04 on 1 December
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 5})
    assert list(rows(services)) == ["2026-11/v1"]


def test_no_reward_configured_means_no_promise_anywhere(client, services, clinic_doc, outbox) -> None:
    clinic = with_reward(services, clinic_doc, amount_minor=0)
    (token,) = invite(services, clinic, 1)
    assert state(client, token) == "none"
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 5})
    assert rows(services) == {} and "₽" not in outbox.messages("sms")[0]["text"]


def test_a_promise_made_is_kept_when_the_budget_is_lowered_or_spent_after_the_sms(client, services, clinic_doc,
                                                                                 outbox) -> None:
    clinic = with_reward(services, clinic_doc, monthly_budget_minor=20000)
    first, second = invite(services, clinic, 1, 2)
    assert all("За любой ответ 100\u00a0₽" in m["text"] for m in outbox.messages("sms"))
    with_reward(services, clinic_doc, monthly_budget_minor=10000)  # the owner lowers it after the SMS went
    services.store.grant_reward(Reward(clinic_id="c1", reward_id="2026-11/other", visit_id="other",
                                       phone="+79990000000", amount_minor=10000, currency="RUB", created_at=NOW),
                                0, None)  # and more is spent elsewhere
    assert state(client, first) == "offered" and state(client, second) == "offered"  # as the SMS said
    assert client.post(f"/api/v1/invites/{first}/rating", json={"score": 5}).get_json()["reward"] == "earned"
    assert client.post(f"/api/v1/invites/{second}/rating", json={"score": 1}).get_json()["reward"] == "earned"
    assert [status for status, _, _ in rows(services).values()] == ["pending", "pending", "pending"]
    # No new promise past the lowered budget: the next invite's SMS says nothing of a reward.
    (third,) = invite(services, with_reward(services, clinic_doc, monthly_budget_minor=10000), 3)
    assert state(client, third) == "budget_spent" and "₽" not in outbox.messages("sms")[0]["text"]


def test_a_promise_never_answered_is_given_back_when_its_link_expires(client, services, clinic_doc) -> None:
    from functions.rewards.grants import release_expired_promises

    clinic = with_reward(services, clinic_doc, monthly_budget_minor=10000)
    (token,) = invite(services, clinic, 1)
    assert services.store.reward_standing("c1", "2026-11", "+79161234501").committed_minor == 10000
    assert release_expired_promises(services, NOW + timedelta(days=14)) == 0  # the link still works
    assert release_expired_promises(services, NOW + timedelta(days=14, hours=2)) == 1
    assert release_expired_promises(services, NOW + timedelta(days=15)) == 0
    assert rows(services) == {"2026-11/v1": ("expired", "", 10000)}
    standing = services.store.reward_standing("c1", "2026-11", "+79161234501")
    assert (standing.committed_minor, standing.phone_reward_id) == (0, "")  # the month and the phone are free
    assert token


def test_an_sms_that_failed_for_good_promised_nothing(services, clinic_doc) -> None:
    from functions.transports import TransportError
    from tests.dispatch_helpers import RecordingSms

    services.sms = RecordingSms(fail=TransportError("not a mobile number", permanent=True))
    clinic = with_reward(services, clinic_doc, monthly_budget_minor=10000)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    assert send_due_invites(services, NOW).failed == 1
    assert rows(services) == {"2026-11/v1": ("expired", "", 10000)}
    assert services.store.reward_standing("c1", "2026-11", "").committed_minor == 0


def test_the_reminder_repeats_the_invites_promise_and_makes_none_it_did_not(services, clinic_doc, outbox) -> None:
    doc = {**clinic_doc, "sending": {"reminders": 1, "reminder_hours": 24}}
    earlier = Reward(clinic_id="c1", reward_id="2026-10/v0", visit_id="v0", phone="+79161234502",
                     amount_minor=10000, currency="RUB", created_at=NOW - timedelta(days=5))
    services.store.grant_reward(earlier, 0, None)
    clinic = with_reward(services, doc)
    invite(services, clinic, 1, 2)
    send_due_invites(services, NOW + timedelta(hours=24))
    texts = {m["to"]: m["text"] for m in outbox.messages("sms")}  # the newest per phone: the reminders
    assert len(outbox.messages("sms")) == 4
    assert "100\u00a0₽" in texts["+79161234501"] and "₽" not in texts["+79161234502"]


def test_the_page_says_how_and_when_the_reward_arrives(client, services, clinic_doc) -> None:
    clinic = with_reward(services, clinic_doc, pay_days=1, per_phone_days=21)
    (token,) = invite(services, clinic, 1)
    reward = client.get(f"/api/v1/invites/{token}").get_json()["reward"]
    assert (reward["within"], reward["often"]) == ("в течение 1 дня", "Не чаще раза в 21 день на один номер.")
    english = client.get(f"/api/v1/invites/{token}?lang=en").get_json()["reward"]
    assert (english["within"], english["often"]) == ("within 1 day", "At most once every 21 days per number.")
    html = client.get(f"/{token}/rating").get_data(as_text=True)
    assert "<span data-reward-within>в течение 1 дня</span>" in html
