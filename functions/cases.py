"""Complaint cases: what kind of complaint it is, the suggested first reply, and the case's life
(new → contacted → resolved: returned or not returned)."""

from __future__ import annotations

import json
from functools import cache

from functions.clinics import Clinic
from functions.texts import TEMPLATES, one_line, render, render_clinic_text

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


def suggested_reply(clinic: Clinic, kind: str, patient: str) -> str:
    """The first reply for this kind: the clinic's own text, or the locale's template."""
    context = {"patient": patient.split()[0] if patient else "", "clinic": clinic.name,
               "director": clinic.director_name or ("директор" if clinic.locale == "ru" else "the director")}
    own = clinic.replies.get(kind)
    if own:
        return one_line(render_clinic_text(own, **context))
    return one_line(render(f"cases/{clinic.locale}/{kind}.txt", **context))
