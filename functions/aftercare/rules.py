"""A clinic's care-message rules (``followups``): which services get «Как вы себя чувствуете?», when, with
what text; which score is low; which words make a case urgent. And ``doctors``: whose email hears of it.

Off by default: no rules, no message. A rule matches a visit's service by keyword stems (``clinics/stems.py``:
«удален» finds «Удаление зуба»); the first matching rule decides. ``"when": "next_day"`` sends the next local
day inside the clinic's window; ``"hours": N`` sends N hours after the visit, or when the window next opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from functions.clinics.ids import EMAIL
from functions.clinics.stems import mentions

RULES_LIMIT, STEMS_LIMIT, STEM_LIMIT, TEXT_LIMIT, HOURS_LIMIT = 20, 50, 40, 500, 72


@dataclass(frozen=True)
class CareRule:
    stems: tuple[str, ...]
    hours: int = 0  # 0: the next day, inside the window; else this many hours after the visit
    text: str = ""  # the clinic's own SMS text (Jinja: clinic, link, and service when details are on)

    def to_doc(self) -> dict:
        doc: dict = {"stems": list(self.stems)}
        doc.update({"hours": self.hours} if self.hours else {"when": "next_day"})
        if self.text:
            doc["text"] = self.text
        return doc


@dataclass(frozen=True)
class CareRules:
    rules: tuple[CareRule, ...] = ()
    threshold: int = 4  # an answer below it is low: an urgent case for the director and the doctor
    urgent_words: tuple[str, ...] = ()  # the clinic's own stems for "urgent"; empty: the locale's

    def rule_for(self, service: str) -> CareRule | None:
        return next((rule for rule in self.rules if mentions(service, rule.stems)), None)

    def to_doc(self) -> dict:
        doc: dict = {"rules": [r.to_doc() for r in self.rules], "threshold": self.threshold}
        if self.urgent_words:
            doc["urgent_words"] = list(self.urgent_words)
        return doc


def _stems(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not 0 < len(value) <= STEMS_LIMIT or not all(
            isinstance(s, str) and 2 <= len(s.strip()) <= STEM_LIMIT for s in value):
        problems.append(f"{where}: a list of 1 to {STEMS_LIMIT} keyword stems of 2 to {STEM_LIMIT} characters")
        return ()
    return tuple(" ".join(s.lower().split()) for s in value)


def _text(value: object, where: str, problems: list[str]) -> str:
    from jinja2 import TemplateError

    from functions.texts import render_clinic_text

    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > TEXT_LIMIT or "{{ link }}" not in value:
        problems.append(f"{where}: text of at most {TEXT_LIMIT} characters with {{{{ link }}}}")
        return ""
    try:
        render_clinic_text(value, clinic="Клиника", link="https://otk.ru/xxxxxxxxxxxx/", service="Удаление зуба")
    except TemplateError as err:
        problems.append(f"{where}: {err.message or err}")
        return ""
    return value.strip()


def parse_followups(doc: object, problems: list[str]) -> CareRules:
    """Validate the ``followups`` part of a clinic document, adding any problem to ``problems``."""
    if doc is None:
        return CareRules()
    if not isinstance(doc, dict):
        problems.append("followups: {rules: [{stems, when or hours, text}], threshold}")
        return CareRules()
    rules = []
    given = doc.get("rules", [])
    if not isinstance(given, list) or len(given) > RULES_LIMIT:
        problems.append(f"followups.rules: a list of at most {RULES_LIMIT} rules")
        given = []
    for n, rule in enumerate(given):
        where = f"followups.rules[{n}]"
        if not isinstance(rule, dict):
            problems.append(f"{where}: {{stems, when: next_day or hours: N, text}}")
            continue
        hours = rule.get("hours", 0)
        if "hours" in rule and (not isinstance(hours, int) or isinstance(hours, bool) or not
                                1 <= hours <= HOURS_LIMIT):
            problems.append(f"{where}.hours: a whole number from 1 to {HOURS_LIMIT}")
            hours = 0
        if "hours" not in rule and rule.get("when", "next_day") != "next_day":
            problems.append(f"{where}.when: next_day (or give hours instead)")
        rules.append(CareRule(stems=_stems(rule.get("stems"), f"{where}.stems", problems), hours=hours,
                              text=_text(rule.get("text"), f"{where}.text", problems)))
    threshold = doc.get("threshold", 4)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 2 <= threshold <= 5:
        problems.append("followups.threshold: a whole number from 2 to 5")
        threshold = 4
    urgent = doc.get("urgent_words")
    words = _stems(urgent, "followups.urgent_words", problems) if urgent not in (None, []) else ()
    return CareRules(rules=tuple(rules), threshold=threshold, urgent_words=words)


@dataclass(frozen=True)
class Doctors:
    """``doctors``: {"Иванов И. И.": "ivanov@clinic.ru" or [emails]}: a doctor's email hears of their patients'
    low care answers. Names match as the export writes them, whatever the spaces, dots and case."""

    emails: dict = field(default_factory=dict, compare=False)

    def emails_for(self, doctor: str) -> tuple[str, ...]:
        wanted = _key(doctor)
        return next((tuple(e) for name, e in self.emails.items() if wanted and _key(name) == wanted), ())

    def to_doc(self) -> dict:
        return {name: list(emails) for name, emails in self.emails.items()}


def _key(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


def parse_doctors(value: object, problems: list[str]) -> Doctors:
    if value in (None, {}):
        return Doctors()
    if not isinstance(value, dict):
        problems.append("doctors: {doctor's name as the export writes it: email or [emails]}")
        return Doctors()
    found = {}
    for name, emails in value.items():
        listed = [emails] if isinstance(emails, str) else emails
        if not isinstance(listed, list) or not listed or not all(
                isinstance(e, str) and len(e) <= 254 and EMAIL.match(e) for e in listed):
            problems.append(f"doctors.{name}: an email address or a list of them")
            continue
        found[" ".join(str(name).split())] = tuple(listed)
    return Doctors(found)
