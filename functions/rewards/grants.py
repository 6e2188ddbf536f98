"""Phone-credit rewards: the same reward for every completed answer, one ledger row per invite.

The reward follows the answer, never the score, and always goes to the visit's own phone number.
The grant is one conditional write that also takes the amount from the month's budget and the
phone's once-per-N-days limit; when either is used up the answer is recorded as ``declined`` and
the page says so before the patient taps (``reward_offer``). Paying is ``payouts.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Invite, Reward, Visit

# What the page may say about the reward.
OFFERED, EARNED, BUDGET_SPENT, PHONE_LIMIT, NONE = "offered", "earned", "budget_spent", "phone_limit", "none"
DECLINED_AS = {"budget": BUDGET_SPENT, "phone_limit": PHONE_LIMIT}


def reward_month(clinic: Clinic, answered_at: datetime) -> str:
    """The clinic-local month an answer falls in: whose budget pays for it."""
    return answered_at.astimezone(clinic.zone).strftime("%Y-%m")


def reward_id(clinic: Clinic, visit: Visit, answered_at: datetime) -> str:
    return f"{reward_month(clinic, answered_at)}/{visit.visit_id}"


def earns(clinic: Clinic, score: int, with_text: bool) -> bool:
    """Is the answer complete? The tap alone, or with ``earned_by: answer`` a low score needs its words too."""
    return clinic.reward.earned_by == "tap" or with_text or score >= clinic.threshold


def grant_reward(services: Services, clinic: Clinic, visit: Visit, answered_at: datetime, now: datetime) -> str:
    """Write the ledger row: "granted", "exists" (a repeat, a retry, a race), "budget", "phone_limit" or "off".

    ``answered_at`` is the stored time of the first score, so a retry in the next month finds the same row.
    """
    rules = clinic.reward
    if rules.amount_minor <= 0:
        return "off"
    reward = Reward(clinic_id=clinic.id, reward_id=reward_id(clinic, visit, answered_at), visit_id=visit.visit_id,
                    phone=visit.phone, amount_minor=rules.amount_minor, currency=rules.currency, created_at=now,
                    status="pending", provider=services.settings.reward_provider)
    since = now - timedelta(days=rules.per_phone_days) if rules.per_phone_days else None
    return services.store.grant_reward(reward, rules.monthly_budget_minor, since)


def reward_offer(services: Services, clinic: Clinic, visit: Visit, invite: Invite, now: datetime) -> str:
    """What the page may honestly say: the reward is offered, earned, or why it is not on offer now."""
    rules = clinic.reward
    if rules.amount_minor <= 0:
        return NONE
    answered_at = invite.rated_at or now
    if invite.rated_at is not None:
        own = services.store.get_reward(clinic.id, reward_id(clinic, visit, answered_at))
        if own is not None:
            return DECLINED_AS.get(own.last_error, EARNED) if own.status == "declined" else EARNED
    standing = services.store.reward_standing(clinic.id, reward_month(clinic, answered_at), visit.phone)
    if rules.monthly_budget_minor and standing.committed_minor + rules.amount_minor > rules.monthly_budget_minor:
        return BUDGET_SPENT
    recent = standing.phone_rewarded_at is not None and rules.per_phone_days and (
        standing.phone_rewarded_at >= now - timedelta(days=rules.per_phone_days))
    if recent and standing.phone_reward_id != reward_id(clinic, visit, answered_at):
        return PHONE_LIMIT
    return OFFERED


def budget_spent(services: Services, clinic: Clinic, now: datetime) -> bool:
    """Is this month's budget too low for one more reward?"""
    rules = clinic.reward
    if not rules.monthly_budget_minor or rules.amount_minor <= 0:
        return False
    standing = services.store.reward_standing(clinic.id, reward_month(clinic, now), "")
    return standing.committed_minor + rules.amount_minor > rules.monthly_budget_minor


def as_texted(services: Services, clinic: Clinic, now: datetime) -> Clinic:
    """The clinic as its SMS may describe it: with no reward promised once this month's budget is spent."""
    if budget_spent(services, clinic, now):
        return replace(clinic, reward=replace(clinic.reward, amount_minor=0))
    return clinic


def count_paid(services: Services, reward: Reward) -> None:
    """A reward paid, for the dashboard: on its visit's day and dimensions (or the clinic's, if the visit is gone)."""
    visit = services.store.get_visit(reward.clinic_id, reward.visit_id)
    paid = {"rewards_paid": 1, "money_minor": reward.amount_minor}
    if visit is not None:
        count(services.store, visit, **paid)
    else:
        services.store.bump_stats(reward.clinic_id, reward.created_at.date().isoformat(), {"all": paid})
