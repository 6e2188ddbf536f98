"""What rewards ask of the store: the ledger, its claims and settlements, the month's budget and the phone's limit."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.dashboard.store import CounterStore
from functions.store.records import Invite, Reward, RewardStanding
from functions.visits.store import VisitReads


class RewardPromises(Protocol):
    # The invite SMS's promise: the invite and its reward row (status "promised", until ``promised_until``) in one
    # write, the row taking the month's budget and the phone's limit as a grant does. Answers "granted", "exists"
    # (the invite was there already: an earlier attempt decided), or why nothing was promised ("budget",
    # "phone_limit"; a declined row is written so the page can say so).
    def put_invite_promising(self, invite: Invite, reward: Reward, budget_minor: int,
                             phone_since: datetime | None) -> str: ...
    def get_reward(self, clinic_id: str, reward_id: str) -> Reward | None: ...
    # A promise nobody can answer any more (its SMS failed, its link expired): promised -> expired, its amount back
    # to the month's budget and the phone free for a new promise. False when it was answered or released already.
    def release_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool: ...


class RewardStore(VisitReads, RewardPromises, CounterStore, Protocol):
    # Rewards: the ledger. ``grant_reward`` is the claim: the row (one per reward id, ever), the month's
    # budget (refused past ``budget_minor``, unless 0) and the phone's limit (refused when the phone had
    # another reward since ``phone_since``) in one write. It answers "granted", "exists", or why the
    # reward was declined ("budget", "phone_limit"; a declined row is written so the answer is kept).
    def grant_reward(self, reward: Reward, budget_minor: int, phone_since: datetime | None) -> str: ...
    # The answer keeps the promise: promised -> pending, exactly once (False: not promised, or kept already).
    def keep_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool: ...
    # Promises whose ``promised_until`` has passed unanswered, oldest first (a key query on both backends).
    def expired_promises(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]: ...
    def list_rewards(self, clinic_id: str) -> list[Reward]: ...
    def rewards_in_month(self, clinic_id: str, month: str) -> list[Reward]: ...
    # The month's ledger summed by status ("declined:<reason>" apart): {key: (rows, amount in minor units)}. The
    # dashboard's money needs only these sums: one aggregate query on SQLite, one projected key query on DynamoDB.
    def reward_totals(self, clinic_id: str, month: str) -> dict[str, tuple[int, int]]: ...
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
