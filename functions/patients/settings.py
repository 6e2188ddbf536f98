"""A clinic's rules for its patient register (``patients`` in the clinic document): how long a patient is kept
after the last visit, how long a recommendation waits for a booking, the call script and the campaign letter.

The call script's four parts (the opening and the answers to three objections) and the letter's parts have
the locale's words by default (``templates/patients/<locale>/``); a clinic replaces any part with its own."""

from __future__ import annotations

from dataclasses import dataclass, field

SCRIPT_PARTS = ("opening", "money", "fear", "other_doctor")
# The letter's parts a clinic writes; the greeting is made from the patient's name, the phone from ``phone``.
LETTER_PARTS = ("news", "why", "offer", "price", "recommend", "action")
PART_LIMIT = 1500
# Script parts are Jinja texts with these values; letter parts are plain sentences.
SCRIPT_SAMPLE = {"person": "Анна Петровна", "clinic": "Клиника", "last_visit": "12 марта 2025", "months": 14,
                 "doctor": "Иванов И. И.", "service": "Лечение кариеса", "concern": "План лечения: 2 пломбы",
                 "phone": "+7 495 123-45-67"}


@dataclass(frozen=True)
class PatientRules:
    keep_years: int = 3  # the register forgets a patient this long after the last visit
    handoff_days: int = 14  # a recommendation not booked within this many days goes on the call list
    scripts: dict = field(default_factory=dict, compare=False)  # part -> the clinic's own text
    letter: dict = field(default_factory=dict, compare=False)  # part -> the clinic's own text

    def to_doc(self) -> dict:
        return {"keep_years": self.keep_years, "handoff_days": self.handoff_days, "scripts": dict(self.scripts),
                "letter": dict(self.letter)}


def _parts(value: object, allowed: tuple[str, ...], where: str, problems: list[str], jinja: bool) -> dict:
    from jinja2 import TemplateError

    from functions.texts import render_clinic_text

    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: {{part: text}} for {', '.join(allowed)}")
        return {}
    found = {}
    for part, text in value.items():
        if part not in allowed:
            problems.append(f"{where}: unknown part {part}; use {', '.join(allowed)}")
            continue
        if not isinstance(text, str) or len(text) > PART_LIMIT or (not jinja and "{" in text):
            kind = "text" if jinja else "plain text (no braces)"
            problems.append(f"{where}.{part}: {kind} of at most {PART_LIMIT} characters")
            continue
        if not text.strip():
            continue  # an emptied part falls back to the locale's words
        if jinja:
            try:
                render_clinic_text(text, **SCRIPT_SAMPLE)
            except TemplateError as err:
                problems.append(f"{where}.{part}: {err.message or err}")
                continue
        found[part] = text.strip()
    return found


def parse_patient_rules(doc: object, problems: list[str]) -> PatientRules:
    if doc is None:
        return PatientRules()
    if not isinstance(doc, dict):
        problems.append("patients: {keep_years, handoff_days, scripts, letter}")
        return PatientRules()
    defaults = PatientRules()

    def whole(key: str, low: int, high: int) -> int:
        value = doc.get(key, getattr(defaults, key))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"patients.{key}: a whole number from {low} to {high}")
            return getattr(defaults, key)
        return value

    return PatientRules(keep_years=whole("keep_years", 1, 10), handoff_days=whole("handoff_days", 1, 180),
                        scripts=_parts(doc.get("scripts"), SCRIPT_PARTS, "patients.scripts", problems, jinja=True),
                        letter=_parts(doc.get("letter"), LETTER_PARTS, "patients.letter", problems, jinja=False))
