"""What a complaint is about, guessed from its words: the topic picks the director's first reply.

Topics: the treatment's result, pain or fear, staff rudeness, price, waiting, cleanliness, or unclear
(the director calls to find out). Each has keyword stems per locale (``templates/cases/<locale>/topics.json``);
a clinic may replace any topic's stems in its document (``reply_rules``). A stem matches at the start of
a word ("груб" finds «грубо», «нагрубили» needs its own stem); a stem ending in ``$`` is a whole word
("хам$" finds «хам» but not «Хамовники»). Of the topics the words mention, the most serious wins (the
order below): «ждали 40 минут, и администратор нагрубил» gets the apology for rudeness, felt the most.
"""

from __future__ import annotations

import json
from functools import cache

from functions.cases.timeline import record
from functions.clinics.clinic import Clinic
from functions.clinics.drafts import CASE_KINDS
from functions.clinics.stems import mentions
from functions.dashboard.counters import count
from functions.services import Services, utcnow
from functions.store import Case
from functions.texts import TEMPLATES

# Most serious first: a tie between two topics goes to the earlier one.
KINDS = CASE_KINDS
# The outcome of a case closed because the patient changed the low score to a happy one.
CHANGED = "changed"


@cache
def topics(locale: str) -> dict[str, dict]:
    return json.loads((TEMPLATES / "cases" / locale / "topics.json").read_text(encoding="utf-8"))


def kind_name(locale: str, kind: str) -> str:
    """The topic as a director reads it; a kind from an older version shows as it was stored."""
    return topics(locale).get(kind, {}).get("name", kind)


def kind_names(locale: str) -> dict[str, str]:
    return {kind: kind_name(locale, kind) for kind in KINDS}


def stems(clinic: Clinic) -> dict[str, tuple[str, ...]]:
    """The clinic's stems per topic: its own where it set them, the locale's elsewhere."""
    defaults = {kind: tuple(topic.get("stems", ())) for kind, topic in topics(clinic.locale).items()}
    return {kind: tuple(clinic.reply_rules.get(kind, defaults.get(kind, ()))) for kind in KINDS}


def guess_kind(clinic: Clinic, text: str) -> str:
    rules = stems(clinic)
    return next((kind for kind in KINDS if mentions(text, rules.get(kind, ()))), "unclear")


def reclassify(services: Services, case: Case, kind: str, who: str = "") -> bool:
    """The director's correction of the guessed topic; the counters and the timeline move with it."""
    if kind == case.kind or not services.store.set_case_kind(case.clinic_id, case.case_id, kind):
        return False
    visit = services.store.get_visit(case.clinic_id, case.visit_id)
    if visit is not None and case.outcome != CHANGED:  # a case the patient took back is not counted
        count(services.store, visit, **{f"kind:{case.kind}": -1, f"kind:{kind}": 1})
    record(services.store, case, "kind_changed", utcnow(), who=who or "director", **{"from": case.kind, "to": kind})
    return True
