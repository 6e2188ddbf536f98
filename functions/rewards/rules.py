"""A clinic's reward rules: how much for an answer, what counts as one, and the limits that keep it affordable."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What earns the reward: the one tap ("tap"), or the tap plus, on the unhappy path, the complaint ("answer").
EARNED_BY = ("tap", "answer")
AMOUNT_LIMIT = 1_000_000
BUDGET_LIMIT = 10_000_000_000


@dataclass(frozen=True)
class RewardRules:
    amount_minor: int = 0  # kopecks/cents per answer; 0 turns rewards off
    currency: str = "RUB"
    monthly_budget_minor: int = 0  # the most the clinic pays out per month (its own calendar); 0 for no limit
    per_phone_days: int = 30  # one reward per phone per this many days; 0 for no limit
    earned_by: str = "tap"
    pay_days: int = 3  # the clinic pays within this many days: the page says so

    def to_doc(self) -> dict:
        return {"amount_minor": self.amount_minor, "currency": self.currency,
                "monthly_budget_minor": self.monthly_budget_minor, "per_phone_days": self.per_phone_days,
                "earned_by": self.earned_by, "pay_days": self.pay_days}


def parse_reward(value: object, problems: list[str]) -> RewardRules:
    """Validate the ``reward`` part of a clinic document, adding any problem to ``problems``."""
    if not isinstance(value, dict):
        problems.append("reward: an object with amount_minor and currency")
        return RewardRules()
    defaults = RewardRules()

    def whole(key: str, high: int, what: str) -> int:
        number = value.get(key, getattr(defaults, key))
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= high:
            problems.append(f"reward.{key}: {what} from 0 to {high}")
            return getattr(defaults, key)
        return number

    amount = value.get("amount_minor")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= AMOUNT_LIMIT:
        problems.append(f"reward.amount_minor: a whole number of kopecks/cents from 0 to {AMOUNT_LIMIT}")
        amount = 0
    currency = value.get("currency", "RUB")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append("reward.currency: a three-letter code such as RUB")
        currency = "RUB"
    budget = whole("monthly_budget_minor", BUDGET_LIMIT, "a whole number of kopecks/cents")
    if budget and budget < amount:
        problems.append("reward.monthly_budget_minor: at least one reward's amount (or 0 for no limit)")
    days = whole("per_phone_days", 365, "a whole number of days")
    pay_days = whole("pay_days", 31, "a whole number of days")
    if not pay_days:
        problems.append("reward.pay_days: a whole number of days from 1 to 31")
        pay_days = defaults.pay_days
    earned_by = value.get("earned_by", defaults.earned_by)
    if earned_by not in EARNED_BY:
        problems.append(f"reward.earned_by: one of {', '.join(EARNED_BY)}")
        earned_by = defaults.earned_by
    return RewardRules(amount_minor=amount, currency=currency, monthly_budget_minor=budget,
                       per_phone_days=days, earned_by=earned_by, pay_days=pay_days)
