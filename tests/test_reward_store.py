"""The reward ledger's contract, on both backends: the grant with its budget and phone limit, claims, outcomes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from functions.store import Reward, Store
from tests.conftest import NOW

LATER = NOW + timedelta(minutes=30)
MONTH_AGO = NOW - timedelta(days=30)


def reward(visit_id: str = "v1", *, phone: str = "+79161234567", month: str = "2026-11", amount: int = 10000,
           provider: str = "reloadly", clinic_id: str = "c1") -> Reward:
    return Reward(clinic_id=clinic_id, reward_id=f"{month}/{visit_id}", visit_id=visit_id, phone=phone,
                  amount_minor=amount, currency="RUB", created_at=NOW, provider=provider)


def test_one_row_per_reward_id_and_the_month_lists_its_own(store: Store) -> None:
    assert store.grant_reward(reward("v1"), 0, None) == "granted"
    assert store.grant_reward(reward("v1"), 0, None) == "exists"
    assert store.grant_reward(reward("v2", phone="+79161234568", month="2026-12"), 0, None) == "granted"
    assert [r.reward_id for r in store.rewards_in_month("c1", "2026-11")] == ["2026-11/v1"]
    assert [r.reward_id for r in store.list_rewards("c1")] == ["2026-11/v1", "2026-12/v2"]
    row = store.get_reward("c1", "2026-11/v1")
    assert (row.status, row.amount_minor, row.phone, row.month) == ("pending", 10000, "+79161234567", "2026-11")
    assert store.get_reward("c2", "2026-11/v1") is None and store.list_rewards("c2") == []


def test_the_budget_stops_new_rewards_and_a_rejection_gives_its_amount_back(store: Store) -> None:
    phones = [f"+7916123456{n}" for n in range(4)]
    assert [store.grant_reward(reward(f"v{n}", phone=phones[n]), 25000, None) for n in range(3)] == [
        "granted", "granted", "budget"]
    declined = store.get_reward("c1", "2026-11/v2")
    assert (declined.status, declined.last_error) == ("declined", "budget")
    assert store.reward_standing("c1", "2026-11", phones[0]).committed_minor == 20000
    assert store.grant_reward(reward("v2", phone=phones[2]), 25000, None) == "exists"  # declined stays declined
    # Another month has its own budget.
    assert store.grant_reward(reward("v9", phone=phones[3], month="2026-12"), 25000, None) == "granted"
    store.claim_reward("c1", "2026-11/v0", NOW, LATER)
    assert store.settle_reward("c1", "2026-11/v0", "rejected", NOW, error="INVALID_PHONE") is True
    assert store.reward_standing("c1", "2026-11", phones[0]).committed_minor == 10000
    assert store.grant_reward(reward("v3", phone=phones[3]), 25000, None) == "granted"


def test_one_reward_per_phone_within_the_limit(store: Store) -> None:
    since = NOW - timedelta(days=30)
    assert store.grant_reward(reward("v1"), 0, since) == "granted"
    assert store.grant_reward(reward("v2"), 0, since) == "phone_limit"
    assert store.get_reward("c1", "2026-11/v2").last_error == "phone_limit"
    assert store.grant_reward(reward("v1"), 0, since) == "exists"
    # Another clinic, or a limit that has passed, lets the phone earn again.
    assert store.grant_reward(reward("v1", clinic_id="c2"), 0, since) == "granted"
    assert store.grant_reward(reward("v3"), 0, NOW + timedelta(seconds=1)) == "granted"
    standing = store.reward_standing("c1", "2026-11", "+79161234567")
    assert (standing.phone_reward_id, standing.phone_rewarded_at) == ("2026-11/v3", NOW)
    assert store.reward_standing("c1", "2026-11", "+79990000000").phone_reward_id == ""


def test_a_claim_is_taken_once_until_it_ends_and_only_its_holder_settles(store: Store) -> None:
    store.grant_reward(reward("v1"), 0, None)
    first = store.claim_reward("c1", "2026-11/v1", NOW, LATER)
    assert (first.status, first.attempts, first.claim_until) == ("sending", 1, LATER)
    assert store.claim_reward("c1", "2026-11/v1", NOW + timedelta(minutes=5), LATER) is None
    second = store.claim_reward("c1", "2026-11/v1", LATER, LATER + timedelta(minutes=30))
    assert second.attempts == 2
    assert store.settle_reward("c1", "2026-11/v1", "paid", LATER, attempt=1, reference="stale") is False
    assert store.settle_reward("c1", "2026-11/v1", "paid", LATER, attempt=2, reference="tx-1") is True
    paid = store.get_reward("c1", "2026-11/v1")
    assert (paid.status, paid.reference, paid.paid_at, paid.claim_until) == ("paid", "tx-1", LATER, None)
    assert store.claim_reward("c1", "2026-11/v1", NOW + timedelta(days=1), LATER) is None
    assert store.claim_reward("c1", "2026-11/nope", NOW, LATER) is None


def test_the_due_list_holds_what_the_automatic_provider_still_owes(store: Store) -> None:
    for n, provider in enumerate(("reloadly", "reloadly", "reloadly", "manual")):
        store.grant_reward(reward(f"v{n}", phone=f"+7916123456{n}", provider=provider), 0, None)
    store.claim_reward("c1", "2026-11/v1", NOW, LATER)
    store.settle_reward("c1", "2026-11/v1", "failed", NOW, attempt=1, error="HTTP 503", retry_at=LATER)
    store.claim_reward("c1", "2026-11/v2", NOW, LATER)
    store.settle_reward("c1", "2026-11/v2", "paid", NOW, attempt=1, reference="tx")
    assert [r.reward_id for r in store.due_rewards("c1", NOW, 10)] == ["2026-11/v0"]
    assert {r.reward_id for r in store.due_rewards("c1", LATER, 10)} == {"2026-11/v0", "2026-11/v1"}
    assert len(store.due_rewards("c1", LATER, 1)) == 1
    failed = store.get_reward("c1", "2026-11/v1")
    assert (failed.status, failed.last_error) == ("failed", "HTTP 503")


def test_a_manual_hand_over_is_never_claimed_again(store: Store) -> None:
    store.grant_reward(reward("v1", provider="manual"), 0, None)
    handed = store.claim_reward("c1", "2026-11/v1", NOW, None, batch="20261130T120000")
    assert (handed.status, handed.batch, handed.claim_until) == ("sending", "20261130T120000", None)
    assert store.claim_reward("c1", "2026-11/v1", NOW + timedelta(days=60), None, batch="later") is None
    assert store.settle_reward("c1", "2026-11/v1", "paid", LATER, from_status=("pending", "sending"),
                               by="Анна", reference="п/п 118") is True
    row = store.get_reward("c1", "2026-11/v1")
    assert (row.status, row.settled_by, row.reference, row.batch) == ("paid", "Анна", "п/п 118", "20261130T120000")
    assert store.settle_reward("c1", "2026-11/v1", "paid", LATER, from_status=("pending", "sending")) is False


def test_overlapping_grants_pay_once_and_never_past_the_budget(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        same = list(pool.map(lambda _: store.grant_reward(reward("v1"), 0, None), range(8)))
        spread = list(pool.map(lambda n: store.grant_reward(
            reward(f"w{n}", phone=f"+7916000000{n}", month="2026-12"), 30000, None), range(8)))
    assert sorted(same) == ["exists"] * 7 + ["granted"]
    assert spread.count("granted") == 3 and spread.count("budget") == 5
    assert store.reward_standing("c1", "2026-12", "+79160000000").committed_minor == 30000


def test_overlapping_claims_leave_one_holder(store: Store) -> None:
    store.grant_reward(reward("v1"), 0, None)
    with ThreadPoolExecutor(8) as pool:
        won = [c for c in pool.map(lambda _: store.claim_reward("c1", "2026-11/v1", NOW, LATER), range(8)) if c]
    assert len(won) == 1 and won[0].attempts == 1


def test_an_older_database_gains_the_ledgers_new_columns(tmp_path) -> None:
    import sqlite3

    from functions.store.sqlite import SqliteStore

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE rewards (clinic_id TEXT NOT NULL, reward_id TEXT NOT NULL, visit_id TEXT NOT NULL, "
                   "phone TEXT NOT NULL, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, "
                   "created_at TEXT NOT NULL, status TEXT NOT NULL, provider TEXT NOT NULL, reference TEXT NOT NULL, "
                   "updated_at TEXT, PRIMARY KEY (clinic_id, reward_id))")
        db.execute("INSERT INTO rewards VALUES ('c1', 'v1', 'v1', '+79161234567', 10000, 'RUB', "
                   "'2026-11-20T09:00:00.000000+00:00', 'pending', 'manual', '', NULL)")
    store = SqliteStore(str(path))
    old = store.get_reward("c1", "v1")
    assert (old.status, old.attempts, old.batch) == ("pending", 0, "")
    assert store.grant_reward(reward("v2"), 0, None) == "granted"
    store.close()


def promise(visit_id: str = "v1", *, phone: str = "+79161234567", provider: str = "reloadly",
            until=NOW + timedelta(days=14)) -> Reward:
    row = reward(visit_id, phone=phone, provider=provider)
    row.status, row.promised_until = "promised", until
    return row


def invite_for(visit_id: str, token: str):
    from functions.store import Invite

    return Invite(token=token, clinic_id="c1", visit_id=visit_id, created_at=NOW, expires_at=NOW + timedelta(days=14))


def test_the_invite_and_its_promise_are_one_write_that_the_budget_counts(store: Store) -> None:
    assert store.put_invite_promising(invite_for("v1", "tok1"), promise("v1"), 15000, MONTH_AGO) == "granted"
    assert store.get_invite("tok1") is not None and store.get_reward("c1", "2026-11/v1").status == "promised"
    assert store.reward_standing("c1", "2026-11", "+79161234567").committed_minor == 10000
    # A retried send finds the invite there: the first attempt decided, nothing is written twice.
    assert store.put_invite_promising(invite_for("v1", "tok1"), promise("v1"), 15000, MONTH_AGO) == "exists"
    # The next SMS cannot promise past the budget, nor a second reward to the same phone.
    assert store.put_invite_promising(invite_for("v2", "tok2"), promise("v2", phone="+79161234568"), 15000,
                                      MONTH_AGO) == "budget"
    assert store.put_invite_promising(invite_for("v3", "tok3"), promise("v3"), 0, MONTH_AGO) == "phone_limit"
    assert store.get_invite("tok2") is not None and store.get_invite("tok3") is not None
    assert [(r.reward_id, r.status, r.last_error) for r in store.list_rewards("c1")] == [
        ("2026-11/v1", "promised", ""), ("2026-11/v2", "declined", "budget"), ("2026-11/v3", "declined", "phone_limit")]
    assert store.due_rewards("c1", LATER, 10) == []  # a promise is nothing to pay yet


def test_the_answer_keeps_the_promise_once_and_it_joins_the_payers_list(store: Store) -> None:
    store.put_invite_promising(invite_for("v1", "tok1"), promise("v1"), 0, None)
    store.put_invite_promising(invite_for("v2", "tok2"), promise("v2", phone="+79161234568", provider="manual"), 0,
                               None)
    assert store.keep_promise("c1", "2026-11/v1", LATER) is True
    assert store.keep_promise("c1", "2026-11/v1", LATER) is False
    assert store.keep_promise("c1", "2026-11/v2", LATER) is True
    assert store.keep_promise("c1", "2026-11/nope", LATER) is False
    assert [r.reward_id for r in store.due_rewards("c1", LATER, 10)] == ["2026-11/v1"]  # manual ones wait for a person
    assert store.get_reward("c1", "2026-11/v1").promised_until is None
    assert store.release_promise("c1", "2026-11/v1", LATER) is False  # answered: never given back


def test_a_promise_past_its_time_is_given_back_once(store: Store) -> None:
    store.put_invite_promising(invite_for("v1", "tok1"), promise("v1", until=NOW + timedelta(days=1)), 10000,
                               MONTH_AGO)
    store.put_invite_promising(invite_for("v2", "tok2"), promise("v2", phone="+79161234568",
                                                                 until=NOW + timedelta(days=2)), 0, MONTH_AGO)
    assert store.expired_promises("c1", NOW + timedelta(hours=23), 10) == []
    assert [r.reward_id for r in store.expired_promises("c1", NOW + timedelta(days=1), 10)] == ["2026-11/v1"]
    assert store.release_promise("c1", "2026-11/v1", NOW + timedelta(days=1)) is True
    assert store.release_promise("c1", "2026-11/v1", NOW + timedelta(days=1)) is False
    assert store.expired_promises("c1", NOW + timedelta(days=1), 10) == []
    standing = store.reward_standing("c1", "2026-11", "+79161234567")
    assert (standing.committed_minor, standing.phone_reward_id) == (10000, "")  # v2's 100 remain committed
    # The phone is free again: its next visit can be promised a reward.
    assert store.put_invite_promising(invite_for("v3", "tok3"), promise("v3"), 30000, MONTH_AGO) == "granted"


def test_the_months_money_is_summed_by_status_with_declines_by_reason(store: Store) -> None:
    phones = [f"+7916123456{n}" for n in range(5)]
    since = NOW - timedelta(days=30)
    for n in range(4):
        store.grant_reward(reward(f"v{n}", phone=phones[n]), 25000, since)  # the third and fourth: over budget
    store.grant_reward(reward("v4", phone=phones[0]), 0, since)  # the phone's limit
    store.claim_reward("c1", "2026-11/v0", NOW, LATER)
    store.settle_reward("c1", "2026-11/v0", "paid", NOW)
    store.grant_reward(reward("v9", month="2026-12"), 0, None)
    assert store.reward_totals("c1", "2026-11") == {
        "paid": (1, 10000), "pending": (1, 10000), "declined:budget": (2, 20000), "declined:phone_limit": (1, 10000)}
    assert store.reward_totals("c1", "2027-01") == {} and store.reward_totals("c2", "2026-11") == {}
