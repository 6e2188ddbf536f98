"""The ledger as people work it: the accountant's export and payments for ``manual``, the monthly report.

An export hands each pending reward over (pending -> sending, with the export's batch id), so a
second export lists only rewards granted since and nothing is paid twice from two files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from functions.clinics.clinic import Clinic
from functions.exports.spreadsheet import csv_text, read_back
from functions.rewards.grants import count_paid
from functions.services import Services
from functions.store import Reward

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The accountant's file speaks Russian (the column, then the key it is read back by); a «Платёжка» column the
# accountant fills in is kept per row as the payment's reference when the file is marked paid.
EXPORT_COLUMNS = (("Клиника", "clinic"), ("Номер выплаты", "reward_id"), ("Телефон", "phone"), ("Сумма", "amount"),
                  ("Валюта", "currency"), ("Дата", "answered_at"), ("Выгрузка", "batch"),
                  ("Платёжка", "reference"))
READ_AS = {header.casefold(): key for header, key in EXPORT_COLUMNS} | {key: key for _, key in EXPORT_COLUMNS}
SETTLED_BY_HAND = ("pending", "sending")
# What a month's money is made of: promised with the SMS and unanswered yet, owed (answered, not paid yet), paid.
OWED = ("pending", "sending", "failed")
COMMITTED = ("promised", *OWED, "paid")


def amount_text(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def amount_cell(minor: int) -> str:
    """Roubles with a decimal comma, as Russian Excel reads a number: «150,00»."""
    return amount_text(minor).replace(".", ",")


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


def export_csv(rewards: list[Reward], zone_of: Callable[[str], tzinfo | None] = lambda _: None) -> str:
    """The accountant's file: one row per reward, the row's date in its clinic's zone («23.11.2026 14:30»)."""
    def answered(r: Reward) -> str:
        return r.created_at.astimezone(zone_of(r.clinic_id) or UTC).strftime("%d.%m.%Y %H:%M")

    return csv_text([header for header, _ in EXPORT_COLUMNS],
                    ((r.clinic_id, r.reward_id, r.phone, amount_cell(r.amount_minor), r.currency, answered(r),
                      r.batch, "") for r in rewards))


def read_export(text: str) -> list[dict[str, str]]:
    """The rows of an export (as written, or as Excel saved it again), keyed ``clinic``, ``reward_id``, …"""
    return [{READ_AS.get(k.strip().casefold(), k): v.strip() for k, v in row.items()} for row in read_back(text)]


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

    def amount(self, *statuses: str) -> int:
        return sum(self.amounts_minor.get(s, 0) for s in statuses)

    def count(self, *statuses: str) -> int:
        return sum(self.counts.get(s, 0) for s in statuses)

    @property
    def committed_minor(self) -> int:
        """What the month's budget has given: promises made with the SMS are kept even if the budget shrinks."""
        return self.amount(*COMMITTED)

    @property
    def left_minor(self) -> int | None:
        return max(self.budget_minor - self.committed_minor, 0) if self.budget_minor else None

    def as_dict(self) -> dict:
        left = self.left_minor
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
    for key, (rows, amount) in services.store.reward_totals(clinic.id, month).items():
        status, _, reason = key.partition(":")
        report.counts[status] = report.counts.get(status, 0) + rows
        report.amounts_minor[status] = report.amounts_minor.get(status, 0) + amount
        if status == "declined":
            report.declined[reason] = report.declined.get(reason, 0) + rows
    return report
