"""Complaint cases: what kind of complaint it is, the suggested first reply, and the case's life
(new → contacted → resolved: returned or not returned)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache

from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.services import Services
from functions.store import Case, Visit
from functions.texts import TEMPLATES, one_line, render, render_clinic_text
from functions.transports import Sms, TransportError

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


def reply_by_sms(services: Services, clinic: Clinic, case: Case, visit: Visit, text: str | None,
                 now: datetime) -> str:
    """The director's SMS to the patient: "sent", or why not. Claimed first, so it goes once per case."""
    if visit.phone in services.store.opted_out(clinic.id, [visit.phone]):
        return "the patient opted out of SMS: call instead"
    body = one_line(text or suggested_reply(clinic, case.kind, visit.patient_name))
    if not body or len(body) > 600:
        return "the reply must be 1 to 600 characters"
    # Claim first: a repeated command (or two directors at once) never texts the patient twice.
    if not services.store.claim_case_reply(clinic.id, case.case_id, body, now):
        return "this case already has an SMS reply"
    try:
        services.sms.send(Sms(to=visit.phone, text=body, reference=f"{clinic.id}/{visit.visit_id}",
                              sender_id=clinic.sender_id or services.settings.sms_sender_id))
    except TransportError as err:
        services.store.finish_case_reply(clinic.id, case.case_id, "failed")
        return f"the SMS was not sent: {err.message}"
    services.store.finish_case_reply(clinic.id, case.case_id, "sent")
    return "sent"


def reclassify(services: Services, case: Case, kind: str) -> bool:
    """The director's correction of the guessed kind; the counters move with it."""
    if kind == case.kind or not services.store.set_case_kind(case.clinic_id, case.case_id, kind):
        return False
    visit = services.store.get_visit(case.clinic_id, case.visit_id)
    if visit is not None:
        count(services.store, visit, **{f"kind:{case.kind}": -1, f"kind:{kind}": 1})
    return True
