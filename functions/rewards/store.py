"""What rewards ask of the store: the ledger, its claims and settlements, the month's budget and the phone's limit."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.dashboard.store import CounterStore
from functions.store.records import Reward, RewardStanding
from functions.visits.store import VisitReads


class RewardStore(VisitReads, CounterStore, Protocol):
    # Rewards: the ledger. ``grant_reward`` is the claim: the row (one per reward id, ever), the month's
    # budget (refused past ``budget_minor``, unless 0) and the phone's limit (refused when the phone had
    # another reward since ``phone_since``) in one write. It answers "granted", "exists", or why the
    # reward was declined ("budget", "phone_limit"; a declined row is written so the answer is kept).
    def grant_reward(self, reward: Reward, budget_minor: int, phone_since: datetime | None) -> str: ...
    def get_reward(self, clinic_id: str, reward_id: str) -> Reward | None: ...
    def list_rewards(self, clinic_id: str) -> list[Reward]: ...
    def rewards_in_month(self, clinic_id: str, month: str) -> list[Reward]: ...
    def reward_standing(self, clinic_id: str, month: str, phone: str) -> RewardStanding: ...
    # An automatic provider's work list: pending rewards, and failed or sending ones whose time has come.
    def due_rewards(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]: ...
    # The claim before paying: pending (or due again) -> sending, one more attempt; None when someone else has it.
    # ``until`` None hands the reward over for good (a manual export, settled by a person).
    def claim_reward(self, clinic_id: str, reward_id: str, now: datetime, until: datetime | None,
                     batch: str = "") -> Reward | None: ...
    # The outcome, only from one of ``from_status`` (and only for the claim ``attempt`` when given);
    # rejected gives the amount back to the month's budget.
    def settle_reward(self, clinic_id: str, reward_id: str, status: str, now: datetime, *,
                      from_status: tuple[str, ...] = ("sending",), attempt: int | None = None, reference: str = "",
                      error: str = "", retry_at: datetime | None = None, by: str = "") -> bool: ...
