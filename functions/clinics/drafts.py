"""What a clinic may set for the director's first reply: keyword stems per complaint topic, its own draft per
topic, and offers (empty by default: a draft promises nothing the clinic did not set)."""

from __future__ import annotations

import re

# The topics a complaint can be about, most serious first: words that mention two get the earlier one's draft.
CASE_KINDS = ("result", "pain", "rudeness", "price", "waiting", "cleanliness", "unclear")
# Kinds of an earlier version: a stored document that still names them loads, without those entries.
OLD_KINDS = ("simple", "specific")
STEM_LIMIT, STEMS_PER_KIND, REPLY_LIMIT, OFFER_LIMIT = 40, 100, 1000, 200
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,22}[0-9]$")
SAMPLE = {"greeting": "Анна Петровна, здравствуйте!", "person": "Анна Петровна", "patient": "Анна Петровна",
          "clinic": "Клиника", "director": "Мария", "offer": "", "phone": "", "words": True}


def parse_drafts(doc: dict, problems: list[str]) -> tuple[dict, dict, dict]:
    """``reply_rules`` {kind: [stems]}, ``replies`` {kind: text} and ``offers`` {kind: sentence}, validated."""
    from jinja2 import TemplateError

    from functions.texts import render_clinic_text

    kinds = ", ".join(CASE_KINDS)
    rules = _per_kind(doc, "reply_rules", problems, f"{{kind: [keyword stems]}} for {kinds}")
    for kind, stems in list(rules.items()):
        if not isinstance(stems, list) or len(stems) > STEMS_PER_KIND or not all(
                isinstance(s, str) and s.strip() and len(s) <= STEM_LIMIT for s in stems):
            problems.append(f"reply_rules.{kind}: up to {STEMS_PER_KIND} stems of 1 to {STEM_LIMIT} characters")
            rules.pop(kind)
    replies = _per_kind(doc, "replies", problems, f"{{kind: text}} for {kinds}")
    for kind, text in list(replies.items()):
        if not isinstance(text, str) or not text.strip() or len(text) > REPLY_LIMIT:
            problems.append(f"replies.{kind}: text of 1 to {REPLY_LIMIT} characters")
            replies.pop(kind)
            continue
        try:
            render_clinic_text(text, **SAMPLE)
        except TemplateError as err:
            problems.append(f"replies.{kind}: {err.message or err}")
    offers = _per_kind(doc, "offers", problems, f"{{kind: a sentence}} for {kinds}")
    for kind, text in list(offers.items()):
        if not isinstance(text, str) or len(text) > OFFER_LIMIT or "{" in text:
            problems.append(f"offers.{kind}: a plain sentence of at most {OFFER_LIMIT} characters")
            offers.pop(kind)
    return ({k: tuple(" ".join(s.lower().split()) for s in v) for k, v in rules.items()}, replies,
            {k: " ".join(v.split()) for k, v in offers.items() if v.strip()})


def _per_kind(doc: dict, key: str, problems: list[str], shape: str) -> dict:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        problems.append(f"{key}: {shape}")
        return {}
    unknown = [k for k in value if k not in CASE_KINDS and k not in OLD_KINDS]
    if unknown:
        problems.append(f"{key}: unknown topic {', '.join(map(str, unknown))}; use {shape}")
    return {k: v for k, v in value.items() if k in CASE_KINDS}


def parse_phone(value: object, problems: list[str]) -> str:
    """The clinic's own number, as the patient should dial it (drafts offer it instead of an SMS reply)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not PHONE.match(value.strip()):
        problems.append("phone: the clinic's number as patients dial it, e.g. +7 495 123-45-67")
        return ""
    return " ".join(value.split())
