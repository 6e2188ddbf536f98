"""What kind of complaint a case is, guessed from its words; the director may correct it."""

from __future__ import annotations

import json
from functools import cache

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Case
from functions.texts import TEMPLATES

KINDS = ("simple", "specific", "unclear")
KIND_NAMES = {"ru": {"simple": "простая", "specific": "конкретная", "unclear": "неясная"},
              "en": {"simple": "simple", "specific": "specific", "unclear": "unclear"}}


@cache
def default_rules(locale: str) -> dict[str, tuple[str, ...]]:
    rules = json.loads((TEMPLATES / "cases" / locale / "rules.json").read_text(encoding="utf-8"))
    return {kind: tuple(words) for kind, words in rules.items()}


def guess_kind(clinic: Clinic, text: str) -> str:
    """The clinic's keyword rules (or the locale's) decide: a named objection is specific, a fixable
    annoyance is simple, anything else (or nothing) is unclear and needs a call to find out."""
    rules = clinic.reply_rules or default_rules(clinic.locale)
    words = text.lower()
    for kind in ("specific", "simple"):  # a price objection beats a mention of waiting
        if any(stem in words for stem in rules.get(kind, ())):
            return kind
    return "unclear"


def reclassify(services: Services, case: Case, kind: str) -> bool:
    """The director's correction of the guessed kind; the counters move with it."""
    if kind == case.kind or not services.store.set_case_kind(case.clinic_id, case.case_id, kind):
        return False
    visit = services.store.get_visit(case.clinic_id, case.visit_id)
    if visit is not None:
        count(services.store, visit, **{f"kind:{case.kind}": -1, f"kind:{kind}": 1})
    return True
