"""Paying rewards exactly once through an automatic provider, through every interleaving we could think of.

The fake provider keeps its own record of top-ups by our reward id, as Reloadly does, and counts calls.
Every case runs on both store backends.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from functions.rewards.ledger import retry_payment
from functions.rewards.payouts import MAX_ATTEMPTS, PAY_CLAIM, pay_due_rewards, pay_one
from functions.services import Services
from functions.store import Reward, Store
from functions.transports import Payout, TransportError
from tests.conftest import NOW
from tests.test_reward_store import reward


class FakeProvider:
    """Records top-ups by reward id; scripted to fail, time out after paying, or answer pending."""

    name = "reloadly"

    def __init__(self) -> None:
        self.done: dict[str, Payout] = {}
        self.top_ups: list[str] = []
        self.look_ups: list[str] = []
        self.script: list[str] = []  # per top-up: "ok", "pending", "timeout_after", "timeout_before", "refused"
        self.lock = threading.Lock()

    def top_up(self, reward: Reward) -> Payout:
        step = self.script.pop(0) if self.script else "ok"
        with self.lock:
            self.top_ups.append(reward.reward_id)
        if step == "timeout_before":
            raise TransportError("Reloadly unreachable: ReadTimeout")
        if step == "refused":
            raise TransportError("Reloadly INVALID_RECIPIENT_PHONE: not a mobile number", permanent=True)
        payout = Payout("pending" if step == "pending" else "paid", f"tx-{len(self.top_ups)}")
        self.done[reward.reward_id] = payout
        if step == "timeout_after":
            raise TransportError("Reloadly unreachable: ReadTimeout")
        return payout

    def look_up(self, reward: Reward) -> Payout | None:
        self.look_ups.append(reward.reward_id)
        return self.done.get(reward.reward_id)


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def paying(store: Store, settings, provider: FakeProvider) -> Services:
    store.put_clinic("c1", {"name": "Клиника"}, NOW)
    return Services(settings.with_overrides(reward_provider="reloadly", reloadly_client_id="id",
                                            reloadly_client_secret="secret"), store=store, rewards=provider)


def granted(paying: Services, n: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        paying.store.grant_reward(reward(f"v{i}", phone=f"+7916123450{i}"), 0, None)
        ids.append(f"2026-11/v{i}")
    return ids


def status(paying: Services, reward_id: str = "2026-11/v0") -> tuple[str, int]:
    row = paying.store.get_reward("c1", reward_id)
    return row.status, row.attempts


def test_the_first_attempt_tops_up_without_a_lookup(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    assert pay_due_rewards(paying, NOW)["paid"] == 1
    assert provider.top_ups == ["2026-11/v0"] and provider.look_ups == []
    row = paying.store.get_reward("c1", "2026-11/v0")
    assert (row.status, row.reference, row.paid_at) == ("paid", "tx-1", NOW)
    assert pay_due_rewards(paying, NOW + timedelta(days=1))["paid"] == 0
    assert len(provider.top_ups) == 1


def test_a_timeout_after_the_provider_paid_is_found_by_the_lookup(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    provider.script = ["timeout_after"]
    assert pay_due_rewards(paying, NOW)["failed"] == 1
    row = paying.store.get_reward("c1", "2026-11/v0")
    assert (row.status, row.claim_until) == ("failed", NOW + timedelta(minutes=1))
    assert pay_due_rewards(paying, NOW + timedelta(seconds=30))["paid"] == 0  # not yet due
    assert pay_due_rewards(paying, NOW + timedelta(minutes=1))["paid"] == 1
    assert provider.top_ups == ["2026-11/v0"] and provider.look_ups == ["2026-11/v0"]
    assert status(paying) == ("paid", 2)


def test_a_timeout_before_the_provider_paid_tops_up_once_after_the_lookup(paying: Services,
                                                                          provider: FakeProvider) -> None:
    granted(paying)
    provider.script = ["timeout_before"]
    pay_due_rewards(paying, NOW)
    pay_due_rewards(paying, NOW + timedelta(minutes=1))
    assert provider.look_ups == ["2026-11/v0"] and len(provider.top_ups) == 2
    assert list(provider.done) == ["2026-11/v0"] and status(paying) == ("paid", 2)


def test_a_crash_after_the_claim_and_before_the_call(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    paying.store.claim_reward("c1", "2026-11/v0", NOW, NOW + PAY_CLAIM)  # ... and the worker died
    assert pay_due_rewards(paying, NOW + PAY_CLAIM - timedelta(seconds=1))["taken"] + len(provider.top_ups) == 0
    assert pay_due_rewards(paying, NOW + PAY_CLAIM)["paid"] == 1
    assert provider.look_ups == ["2026-11/v0"] and provider.top_ups == ["2026-11/v0"]


def test_a_crash_between_the_providers_answer_and_the_ledger(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    claimed = paying.store.claim_reward("c1", "2026-11/v0", NOW, NOW + PAY_CLAIM)
    provider.top_up(claimed)  # the provider paid; the worker died before writing it down
    assert pay_due_rewards(paying, NOW + PAY_CLAIM)["paid"] == 1
    assert provider.top_ups == ["2026-11/v0"]
    assert paying.store.get_reward("c1", "2026-11/v0").reference == "tx-1"


def test_a_stale_worker_cannot_overwrite_the_next_holders_outcome(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    stale = paying.store.claim_reward("c1", "2026-11/v0", NOW, NOW + PAY_CLAIM)
    assert pay_due_rewards(paying, NOW + PAY_CLAIM)["paid"] == 1
    assert paying.store.settle_reward("c1", "2026-11/v0", "failed", NOW, attempt=stale.attempts,
                                      error="late", retry_at=NOW) is False
    assert status(paying) == ("paid", 2)


def test_pending_at_the_operator_is_looked_up_until_it_settles(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    provider.script = ["pending"]
    assert pay_due_rewards(paying, NOW)["pending"] == 1
    assert status(paying) == ("sending", 1)
    provider.done["2026-11/v0"] = Payout("paid", "tx-1")  # the operator finished
    assert pay_due_rewards(paying, NOW + timedelta(minutes=1))["paid"] == 1
    assert len(provider.top_ups) == 1 and status(paying) == ("paid", 2)


def test_a_failed_top_up_found_later_is_rejected_not_repeated(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    provider.script = ["pending"]
    pay_due_rewards(paying, NOW)
    provider.done["2026-11/v0"] = Payout("failed", "tx-1")  # the operator refunded it
    assert pay_due_rewards(paying, NOW + timedelta(minutes=1))["rejected"] == 1
    assert len(provider.top_ups) == 1
    assert paying.store.get_reward("c1", "2026-11/v0").last_error == "the provider's top-up tx-1 failed"


def test_a_permanent_refusal_is_rejected_with_the_reason_and_frees_the_budget(paying: Services,
                                                                              provider: FakeProvider) -> None:
    paying.store.grant_reward(reward("v0", phone="+79161234500"), 20000, None)
    provider.script = ["refused"]
    assert pay_due_rewards(paying, NOW)["rejected"] == 1
    row = paying.store.get_reward("c1", "2026-11/v0")
    assert (row.status, row.last_error) == ("rejected", "Reloadly INVALID_RECIPIENT_PHONE: not a mobile number")
    assert paying.store.reward_standing("c1", "2026-11", row.phone).committed_minor == 0
    assert pay_due_rewards(paying, NOW + timedelta(days=1))["rejected"] == 0 and len(provider.top_ups) == 1


def test_passing_failures_back_off_then_wait_for_a_person(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    provider.script = ["timeout_before"] * MAX_ATTEMPTS
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        assert pay_due_rewards(paying, moment)["failed"] == 1
        moment += timedelta(hours=1)
    row = paying.store.get_reward("c1", "2026-11/v0")
    assert (row.status, row.attempts, row.claim_until) == ("failed", MAX_ATTEMPTS, None)
    assert pay_due_rewards(paying, moment + timedelta(days=1))["failed"] == 0  # given up on, visibly
    assert retry_payment(paying, "c1", "2026-11/v0", moment) is True
    assert pay_due_rewards(paying, moment)["paid"] == 1
    assert len(provider.top_ups) == MAX_ATTEMPTS + 1 and list(provider.done) == ["2026-11/v0"]


def test_overlapping_sweeps_pay_each_reward_once(paying: Services, provider: FakeProvider) -> None:
    ids = granted(paying, 6)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: pay_due_rewards(paying, NOW), range(4)))
    assert sum(r["paid"] for r in runs) == 6
    assert sorted(provider.top_ups) == sorted(ids)


def test_rows_granted_for_another_provider_are_left_alone(paying: Services, provider: FakeProvider) -> None:
    paying.store.grant_reward(reward("v0", provider="manual"), 0, None)
    assert pay_due_rewards(paying, NOW) == {"paid": 0, "pending": 0, "failed": 0, "rejected": 0, "taken": 0}
    assert provider.top_ups == [] and status(paying) == ("pending", 0)


def test_a_reward_someone_else_holds_is_not_paid_again(paying: Services, provider: FakeProvider) -> None:
    granted(paying)
    row = paying.store.get_reward("c1", "2026-11/v0")
    paying.store.claim_reward("c1", "2026-11/v0", NOW, NOW + PAY_CLAIM)
    assert pay_one(paying, provider, row, NOW) == "taken" and provider.top_ups == []


def test_the_manual_provider_pays_nothing_by_itself(settings, services: Services) -> None:
    assert services.rewards is None
    services.store.put_clinic("c1", {"name": "Клиника"}, NOW)
    services.store.grant_reward(reward("v0", provider="manual"), 0, None)
    assert pay_due_rewards(services, NOW)["paid"] == 0
    assert services.store.get_reward("c1", "2026-11/v0").status == "pending"


def test_a_run_stops_taking_rewards_at_its_limits(paying: Services, provider: FakeProvider) -> None:
    granted(paying, 5)
    assert pay_due_rewards(paying, NOW, limit=2)["paid"] == 2
    ticks = iter([0.0, 1.0, 30.0])  # the deadline passes after one payment
    assert pay_due_rewards(paying, NOW, seconds=18, clock=lambda: next(ticks))["paid"] == 1
    assert pay_due_rewards(paying, NOW)["paid"] == 2
    assert len(provider.top_ups) == 5
