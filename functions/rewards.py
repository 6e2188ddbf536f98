"""Phone-credit rewards: the same reward for every completed answer, one ledger row per invite.

The reward follows the answer, never the score, and always goes to the visit's own phone
number. With the ``manual`` provider the pending ledger row is the work list for the person
who pays (``python -m functions rewards list``).
"""

from __future__ import annotations

from datetime import datetime

from functions.clinics import Clinic
from functions.services import Services
from functions.store import Reward, Visit


def grant_reward(services: Services, clinic: Clinic, visit: Visit, now: datetime) -> bool:
    """Write the ledger row; False when this invite already has one (a repeat, a retry, a race)."""
    if clinic.reward_minor <= 0:
        return False
    reward = Reward(clinic_id=clinic.id, reward_id=visit.visit_id, visit_id=visit.visit_id, phone=visit.phone,
                    amount_minor=clinic.reward_minor, currency=clinic.currency, created_at=now,
                    status="pending", provider=services.settings.reward_provider)
    # The conditional insert is the claim: one row per invite, ever.
    return services.store.create_reward(reward)
