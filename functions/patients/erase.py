"""Erasing a patient on request: ``python -m functions patients erase --clinic C --phone P``.

Every item of the phone at the clinic goes: the register row, its visits and their invite states and links (the
visit's and the care message's), both cases with their timelines, contact preferences, recommendations, call
outcomes, campaign letters and their unsubscribe keys, the repeat rule's and the reward limit's marks. All are
found by key from the phone and the visit ids the register kept (no Scan).

Kept, on purpose:
- reward rows, without the phone: the accountant must show what was paid, when, and against which payment
  reference; an unpaid promise or payment is withdrawn (``rejected``, "erased") and its money returns to the budget;
- opt-outs (SMS STOP, an unsubscribe), as a bare suppression of the number: the patient said «не пишите мне», and
  a clinic's next export may still hold the number; forgetting the objection would text them again;
- the funnel's counters: numbers per day, doctor and branch, with nothing of the patient in them.
A clinic should also remove the patient from the system it exports from, or the next import brings them back.
"""

from __future__ import annotations

from datetime import datetime

from functions.patients.store import PatientStore
from functions.rewards.store import RewardStore
from functions.services import Services

UNPAID = ("promised", "pending", "failed")


def erase_patient(services: Services, clinic_id: str, phone: str, now: datetime) -> dict[str, int]:
    """Erase one patient of one clinic; answers what was removed or kept, by kind."""
    store: PatientStore = services.store
    patient = store.get_patient(clinic_id, phone)
    visits = dict(patient.visits) if patient else {}
    withdrawn = _withdraw_unpaid(services.store, clinic_id, visits, now)
    campaigns = [c.campaign_id for c in store.list_campaigns(clinic_id)]
    counts = store.erase_patient(clinic_id, phone, visits, campaigns)
    if withdrawn:
        counts["rewards_withdrawn"] = withdrawn
    return counts


def _withdraw_unpaid(store: RewardStore, clinic_id: str, visits: dict[str, str], now: datetime) -> int:
    """A reward not yet paid is not paid to an erased number: withdrawn, its money back in the month's budget."""
    withdrawn = 0
    for visit_id, day in visits.items():
        reward = store.get_reward(clinic_id, f"{day[:7]}/{visit_id}")
        if reward is not None and reward.status in UNPAID:
            withdrawn += store.settle_reward(clinic_id, reward.reward_id, "rejected", now, from_status=UNPAID,
                                             error="erased on the patient's request")
    return withdrawn
