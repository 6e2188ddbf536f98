"""Paying rewards through an automatic provider, exactly once.

Each payment is claimed first (pending -> sending, one more attempt). Only the first attempt may
top up straight away: any later one asks the provider whether an earlier attempt already paid
(a timeout, a crash between the provider's answer and the ledger) and tops up only when it did not.
A claim lasts longer than a Lambda may run, so no stalled worker can still be paying when the next
one takes over. Failures that pass are tried again with backoff by the sweep; permanent ones are
``rejected`` with the provider's reason and give their amount back to the month's budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from functions.rewards.grants import count_paid
from functions.rewards.store import RewardStore
from functions.services import Services, backoff
from functions.store import Reward
from functions.transports import Payout, RewardProvider, TransportError

log = logging.getLogger(__name__)

# Longer than Lambda's 15-minute limit: a claim outlives the worker that took it.
PAY_CLAIM = timedelta(minutes=20)
# After this many attempts a failing payment waits for a person (``rewards retry``) instead of the sweep.
MAX_ATTEMPTS = 12
PER_RUN = 200
# A scheduled run shares the function's 30-second limit: it stops taking new rewards after this long
# (one in flight finishes; the rest wait for the next sweep, 5 minutes later).
RUN_SECONDS = 18.0


def pay_due_rewards(services: Services, now: datetime, limit: int = PER_RUN, seconds: float = RUN_SECONDS,
                    clock: Callable[[], float] = time.monotonic) -> dict[str, int]:
    """Pay what the automatic provider owes, oldest first, at most ``limit`` rewards or ``seconds`` per run."""
    counts = {"paid": 0, "pending": 0, "failed": 0, "rejected": 0, "taken": 0}
    provider = services.rewards
    if provider is None:
        return counts
    deadline = clock() + seconds
    for clinic_id in services.store.list_clinic_ids():
        for reward in services.store.due_rewards(clinic_id, now, limit):
            if limit <= 0 or clock() >= deadline:
                return counts
            if reward.provider != provider.name:
                continue  # granted under another provider: left for a person
            counts[pay_one(services, provider, reward, now)] += 1
            limit -= 1
    return counts


def pay_one(services: Services, provider: RewardProvider, reward: Reward, now: datetime) -> str:
    """Claim one reward and pay it; "paid", "pending", "failed", "rejected" or "taken" (someone else has it)."""
    store: RewardStore = services.store
    claimed = store.claim_reward(reward.clinic_id, reward.reward_id, now, now + PAY_CLAIM)
    if claimed is None:
        return "taken"
    try:
        # An earlier attempt may have paid without our hearing of it: never top up before asking.
        result = provider.look_up(claimed) if claimed.attempts > 1 else None
        if result is None:
            result = provider.top_up(claimed)
    except TransportError as err:
        return _failed(services, claimed, err, now)
    return _record(services, claimed, result, now)


def _record(services: Services, reward: Reward, result: Payout, now: datetime) -> str:
    store: RewardStore = services.store
    key = (reward.clinic_id, reward.reward_id)
    if result.status == "paid":
        if store.settle_reward(*key, "paid", now, attempt=reward.attempts, reference=result.reference):
            count_paid(services, reward)
        log.info("reward %s paid", reward.reward_id)
        return "paid"
    if result.status == "pending":
        # The operator is still on it: hold the claim and look it up again later.
        store.settle_reward(*key, "sending", now, attempt=reward.attempts, reference=result.reference,
                            retry_at=now + backoff(reward.attempts))
        return "pending"
    store.settle_reward(*key, "rejected", now, attempt=reward.attempts, reference=result.reference,
                        error=f"the provider's top-up {result.reference} failed".strip())
    log.warning("reward %s rejected: the provider's top-up failed", reward.reward_id)
    return "rejected"


def _failed(services: Services, reward: Reward, err: TransportError, now: datetime) -> str:
    key = (reward.clinic_id, reward.reward_id)
    if err.permanent:
        services.store.settle_reward(*key, "rejected", now, attempt=reward.attempts, error=err.message[:500])
        log.warning("reward %s rejected: %s", reward.reward_id, err.message)
        return "rejected"
    again = None if reward.attempts >= MAX_ATTEMPTS else now + backoff(reward.attempts)
    services.store.settle_reward(*key, "failed", now, attempt=reward.attempts, error=err.message[:500], retry_at=again)
    log.warning("reward %s failed (attempt %d): %s", reward.reward_id, reward.attempts, err.message)
    return "failed"
