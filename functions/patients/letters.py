"""A campaign letter in six parts: the greeting by name («Мария Ивановна, здравствуйте!», as the director's drafts
greet), the practice's news, why regular care (or finishing a started treatment, when the export noted a plan)
matters, the offer with its usual price, a request to recommend friends, and the call to action with the clinic's
phone. The clinic writes the news, the offer and the price; the other parts have the locale's words unless the
clinic replaces them. By email it is the whole letter; by SMS the greeting, the offer, the phone and the link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache

from functions.cases.names import read_name
from functions.cases.replies import greeting
from functions.clinics.clinic import Clinic
from functions.invites.segments import Segments, count_segments
from functions.store.patient_records import Patient
from functions.texts import TEMPLATES, one_line, render
from functions.transports import Email

_JAN = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE = Patient(clinic_id="", phone="", name="Петрова Мария Ивановна", last_visit_at=_JAN, last_visit_id="",
                 first_visit_at=_JAN, updated_at=_JAN, expires_at=_JAN, email="patient@example.ru")


@cache
def letter_words(locale: str) -> dict:
    return json.loads((TEMPLATES / "patients" / locale / "letter.json").read_text(encoding="utf-8"))


def missing_parts(parts: dict) -> list[str]:
    """An offer is the point of the letter: without one and its usual price it is not sent."""
    return [part for part in ("offer", "price") if not parts.get(part, "").strip()]


def _context(clinic: Clinic, parts: dict, patient: Patient, unsubscribe: str) -> dict:
    words = letter_words(clinic.locale)
    why = parts.get("why") or (words["why_finish"] if patient.note else words["why_care"])
    return {"greeting": greeting(clinic, patient.name), "person": read_name(patient.name).addressed(clinic.locale),
            "clinic": clinic.name, "news": parts.get("news", ""), "why": why, "offer": parts.get("offer", ""),
            "price": parts.get("price", ""), "recommend": parts.get("recommend") or words["recommend"],
            "action": parts.get("action") or words["action"], "phone": clinic.phone, "unsubscribe": unsubscribe}


def letter_email(clinic: Clinic, parts: dict, patient: Patient, unsubscribe: str) -> Email:
    context = _context(clinic, parts, patient, unsubscribe)
    base = f"patients/{clinic.locale}/letter"
    return Email(to=(patient.email,), subject=one_line(render(f"{base}.subject.txt", **context))[:200],
                 text=render(f"{base}.txt", **context), html=render(f"{base}.html", **context), unsubscribe=unsubscribe)


def letter_sms(clinic: Clinic, parts: dict, patient: Patient, unsubscribe: str) -> str:
    return one_line(render(f"sms/{clinic.locale}/campaign.txt", **_context(clinic, parts, patient, unsubscribe)))


def sample_letter(clinic: Clinic, parts: dict, base_url: str) -> tuple[Email, str, Segments]:
    """The letter as a sample patient would get it, by email and by SMS, and what the SMS costs."""
    link = f"{base_url.rstrip('/')}/u/{'x' * 12}"
    text = letter_sms(clinic, parts, SAMPLE, link)
    return letter_email(clinic, parts, SAMPLE, link), text, count_segments(text)
