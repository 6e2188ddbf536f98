"""Phone-credit rewards: the same reward for every completed answer, one ledger row per invite, promised with
the SMS and kept whatever happens to the budget after.

The promise is made when the invite is texted: the ledger row (``promised``) is written with the invite
and takes its amount from the month's budget and the phone's once-per-N-days limit in the same write, so
the budget counts the promises made, and an SMS promises only what the clinic can pay. The answer keeps
the promise (``promised`` -> ``pending``, exactly once) even if the owner lowered the budget meanwhile; a
promise nobody answered is given back when its link expires. The page reads the same row, so it never
contradicts the SMS. Paying is ``payouts.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Invite, Reward, Visit

# What the page may say about the reward.
OFFERED, EARNED, BUDGET_SPENT, PHONE_LIMIT, NONE = "offered", "earned", "budget_spent", "phone_limit", "none"
DECLINED_AS = {"budget": BUDGET_SPENT, "phone_limit": PHONE_LIMIT}
# A promise outlives its link a little: an answer sent in the link's last second still finds it.
PROMISE_GRACE = timedelta(hours=1)
RELEASES_PER_RUN = 500
# What the store's grant answers (see ``rewards/store.py``).
GRANTED, EXISTS = "granted", "exists"


def reward_month(visit: Visit) -> str:
    """The month whose budget pays for the visit's reward: the month of the visit's local day."""
    return visit.local_date[:7]


def reward_id(visit: Visit) -> str:
    return f"{reward_month(visit)}/{visit.visit_id}"


def earns(clinic: Clinic, score: int, with_text: bool) -> bool:
    """Is the answer complete? The tap alone, or with ``earned_by: answer`` a low score needs its words too."""
    return clinic.reward.earned_by == "tap" or with_text or score >= clinic.threshold


def _reward(services: Services, clinic: Clinic, visit: Visit, now: datetime, status: str,
            until: datetime | None = None) -> Reward:
    return Reward(clinic_id=clinic.id, reward_id=reward_id(visit), visit_id=visit.visit_id, phone=visit.phone,
                  amount_minor=clinic.reward.amount_minor, currency=clinic.reward.currency, created_at=now,
                  status=status, provider=services.settings.reward_provider, promised_until=until)


def _phone_since(clinic: Clinic, now: datetime) -> datetime | None:
    days = clinic.reward.per_phone_days
    return now - timedelta(days=days) if days else None


def put_invite(services: Services, clinic: Clinic, visit: Visit, invite: Invite, now: datetime) -> bool:
    """Store the invite with its reward's promise; True when its SMS may promise the reward."""
    if clinic.reward.amount_minor <= 0:
        services.store.put_invite(invite)
        return False
    promise = _reward(services, clinic, visit, now, "promised", invite.expires_at + PROMISE_GRACE)
    outcome = services.store.put_invite_promising(invite, promise, clinic.reward.monthly_budget_minor,
                                                  _phone_since(clinic, now))
    if outcome == EXISTS:  # a retried send: the first attempt decided, and the SMS says the same again
        row = services.store.get_reward(clinic.id, promise.reward_id)
        return row is not None and row.status == "promised"
    return outcome == GRANTED


def withdraw_promise(services: Services, clinic: Clinic, visit: Visit, now: datetime) -> bool:
    """The SMS never reached the patient (it failed for good): nobody was promised anything."""
    return services.store.release_promise(clinic.id, reward_id(visit), now)


def grant_reward(services: Services, clinic: Clinic, visit: Visit, now: datetime) -> str:
    """The answer keeps the promise: "granted", "exists" (a repeat, a retry, a race), "budget", "phone_limit" or
    "off". An invite texted without a promise (rewards turned on since) is granted within today's limits."""
    row = services.store.get_reward(clinic.id, reward_id(visit))
    if row is not None:
        if row.status == "promised" and services.store.keep_promise(clinic.id, row.reward_id, now):
            return GRANTED
        return EXISTS
    if clinic.reward.amount_minor <= 0:
        return "off"
    return services.store.grant_reward(_reward(services, clinic, visit, now, "pending"),
                                       clinic.reward.monthly_budget_minor, _phone_since(clinic, now))


def reward_offer(services: Services, clinic: Clinic, visit: Visit, now: datetime) -> str:
    """What the page may honestly say: the reward is offered, earned, or why it is not on offer."""
    row = services.store.get_reward(clinic.id, reward_id(visit))
    if row is not None:
        if row.status == "promised":
            return OFFERED
        if row.status == "declined":
            return DECLINED_AS.get(row.last_error, NONE)
        return NONE if row.status == "expired" else EARNED
    rules = clinic.reward
    if rules.amount_minor <= 0:
        return NONE
    standing = services.store.reward_standing(clinic.id, reward_month(visit), visit.phone)
    if rules.monthly_budget_minor and standing.committed_minor + rules.amount_minor > rules.monthly_budget_minor:
        return BUDGET_SPENT
    since = _phone_since(clinic, now)
    if since and standing.phone_rewarded_at is not None and standing.phone_rewarded_at >= since:
        return PHONE_LIMIT
    return OFFERED


def release_expired_promises(services: Services, now: datetime) -> int:
    """Give back promises whose link expired unanswered: the month's budget and the phone's limit."""
    released = 0
    for clinic_id in services.store.list_clinic_ids():
        for reward in services.store.expired_promises(clinic_id, now, RELEASES_PER_RUN):
            released += services.store.release_promise(clinic_id, reward.reward_id, now)
    return released


def count_paid(services: Services, reward: Reward) -> None:
    """A reward paid, for the dashboard: on its visit's day and dimensions (or the clinic's, if the visit is gone)."""
    visit = services.store.get_visit(reward.clinic_id, reward.visit_id)
    paid = {"rewards_paid": 1, "money_minor": reward.amount_minor}
    if visit is not None:
        count(services.store, visit, **paid)
    else:
        services.store.bump_stats(reward.clinic_id, reward.created_at.date().isoformat(), {"all": paid})
