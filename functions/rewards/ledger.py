"""The ledger as people work it: the accountant's export and payments for ``manual``, the monthly report.

An export hands each pending reward over (pending -> sending, with the export's batch id), so a
second export lists only rewards granted since and nothing is paid twice from two files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from functions.clinics.clinic import Clinic
from functions.exports.spreadsheet import csv_text
from functions.rewards.grants import count_paid
from functions.services import Services
from functions.store import Reward

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
EXPORT_COLUMNS = ("clinic", "reward_id", "phone", "amount", "currency", "answered_at", "batch")
SETTLED_BY_HAND = ("pending", "sending")


def amount_text(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def hand_over(services: Services, clinic_ids: Iterable[str], month: str, now: datetime) -> tuple[str, list[Reward]]:
    """Claim every pending manual reward of the month for one export batch; return the batch and its rewards."""
    batch = now.strftime("%Y%m%dT%H%M%S")
    handed = []
    for clinic_id in clinic_ids:
        for reward in services.store.rewards_in_month(clinic_id, month):
            if reward.status != "pending" or reward.provider != "manual":
                continue
            claimed = services.store.claim_reward(clinic_id, reward.reward_id, now, None, batch=batch)
            if claimed is not None:
                handed.append(claimed)
    return batch, handed


def batch_rewards(services: Services, clinic_ids: Iterable[str], month: str, batch: str) -> list[Reward]:
    """The rewards an earlier export handed over (to write its file again)."""
    return [r for c in clinic_ids for r in services.store.rewards_in_month(c, month) if r.batch == batch]


def export_csv(rewards: list[Reward]) -> str:
    return csv_text(EXPORT_COLUMNS, ((r.clinic_id, r.reward_id, r.phone, amount_text(r.amount_minor), r.currency,
                                      r.created_at.isoformat(timespec="seconds"), r.batch) for r in rewards))


def settle_by_hand(services: Services, clinic_id: str, reward_id: str, status: str, now: datetime, *,
                   by: str, reference: str = "", reason: str = "") -> str:
    """Record a person's payment ("paid") or refusal ("rejected"); answers what happened to the row."""
    reward = services.store.get_reward(clinic_id, reward_id)
    if reward is None:
        return "unknown"
    if reward.provider != "manual":
        return f"paid by {reward.provider}"
    if reward.status == status:
        return "already"
    if reward.status not in SETTLED_BY_HAND:
        return f"is {reward.status}"
    done = services.store.settle_reward(clinic_id, reward_id, status, now, from_status=SETTLED_BY_HAND,
                                        reference=reference, error=reason, by=by)
    if done and status == "paid":
        count_paid(services, reward)
    return status if done else "changed meanwhile"


def retry_payment(services: Services, clinic_id: str, reward_id: str, now: datetime) -> bool:
    """Give a failed automatic payment one more attempt at the next sweep (it looks the top-up up first)."""
    return services.store.settle_reward(clinic_id, reward_id, "failed", now, from_status=("failed",), retry_at=now,
                                        error="retry asked by the operator")


@dataclass
class MonthReport:
    clinic: str
    month: str
    currency: str
    budget_minor: int
    counts: dict[str, int] = field(default_factory=dict)
    amounts_minor: dict[str, int] = field(default_factory=dict)
    declined: dict[str, int] = field(default_factory=dict)

    def _part(self, *statuses: str) -> dict:
        return {"count": sum(self.counts.get(s, 0) for s in statuses),
                "amount": amount_text(sum(self.amounts_minor.get(s, 0) for s in statuses))}

    def as_dict(self) -> dict:
        # The budget counts promises made with the SMS too: they are kept even if the budget shrinks.
        committed = sum(v for k, v in self.amounts_minor.items()
                        if k in ("promised", "pending", "sending", "paid", "failed"))
        left = max(self.budget_minor - committed, 0) if self.budget_minor else None
        return {"clinic": self.clinic, "month": self.month, "currency": self.currency,
                "promised": self._part("promised"), "expired": self._part("expired"),
                "paid": self._part("paid"), "to_pay": self._part("pending", "sending"),
                "failed": self._part("failed"), "rejected": self._part("rejected"),
                "declined": {"budget": self.declined.get("budget", 0),
                             "phone_limit": self.declined.get("phone_limit", 0)},
                "budget": amount_text(self.budget_minor) if self.budget_minor else None,
                "budget_left": None if left is None else amount_text(left)}


def month_report(services: Services, clinic: Clinic, month: str) -> MonthReport:
    report = MonthReport(clinic=clinic.id, month=month, currency=clinic.currency,
                         budget_minor=clinic.reward.monthly_budget_minor)
    for reward in services.store.rewards_in_month(clinic.id, month):
        report.counts[reward.status] = report.counts.get(reward.status, 0) + 1
        report.amounts_minor[reward.status] = report.amounts_minor.get(reward.status, 0) + reward.amount_minor
        if reward.status == "declined":
            report.declined[reward.last_error] = report.declined.get(reward.last_error, 0) + 1
    return report
