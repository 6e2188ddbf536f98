"""The page's words for one answer: which tone its titles take, what the reward's terms say, and a refusal
in the page's language. The words themselves are in ``templates/page/<locale>.json``."""

from __future__ import annotations

from functions.clinics.clinic import Clinic
from functions.texts import page_words


def tone(clinic: Clinic, score: int | None) -> str:
    """"glad" at or above the threshold, "sorry" for 1 or 2, "neutral" in between (a 4 under threshold 5)."""
    if score is None:
        return ""
    if score >= clinic.threshold:
        return "glad"
    return "sorry" if score <= 2 else "neutral"


def plural(n: int, forms: list[str], locale: str) -> str:
    """The form for ``n``: Russian has one (1, 21), few (2-4, 22-24) and many (5-20, 25…); English one and other."""
    if locale == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        return forms[1] if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else forms[2]
    return forms[0] if n == 1 else forms[1]


def reward_terms(clinic: Clinic, locale: str) -> dict[str, str]:
    """How and when the reward arrives and how often: «в течение 3 дней», «Не чаще раза в 30 дней…»."""
    t = page_words(locale)
    rules = clinic.reward
    within = t["reward_within"].format(n=rules.pay_days, unit=plural(rules.pay_days, t["unit_within"], locale))
    often = ""
    if rules.per_phone_days:
        often = t["reward_often"].format(n=rules.per_phone_days,
                                         unit=plural(rules.per_phone_days, t["unit_often"], locale))
    return {"within": within, "often": often}


def refusal_words(locale: str, code: str, fallback: str) -> str:
    """What the page says for an error code, in its language; the code's own English message otherwise."""
    return page_words(locale).get(f"refusal_{code}", fallback)
