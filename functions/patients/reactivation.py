"""Reactivation: patients whose last visit is older than N months, with the reason to call and the words to say.

The list reads the register by key range (``inactive_patients``), then keeps only patients a clinic may call with
an offer: advertising consent (38-FZ art. 18 counts a call offering services as advertising), no SMS opt-out and
no unsubscribe. A patient whose call settled something since the last visit (booked, declined, a wrong number)
leaves the list until they visit again; «call back» stays. Each row carries the call script: the opening names
the last visit and the export's own note (the real reason to call), then answers to three objections, in the
clinic's words or the locale's (``templates/patients/<locale>/scripts.json``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property

from functions.cases.names import read_name
from functions.clinics.clinic import Clinic
from functions.dashboard import formats
from functions.exports.spreadsheet import csv_text
from functions.patients.settings import SCRIPT_PARTS, SCRIPT_SAMPLE
from functions.patients.store import PatientStore
from functions.store.patient_records import CALL_OUTCOMES, CallOutcome, Patient
from functions.texts import TEMPLATES, one_line, render_clinic_text

# An outcome since the last visit that takes the patient off the list (until the next visit).
SETTLED = ("booked", "declined", "wrong_number")
YEAR = timedelta(days=365.25)


def ads_scope(clinic_id: str) -> str:
    """The opt-out scope of one clinic's advertising (a campaign's unsubscribe link): SMS about visits still go."""
    return f"ads:{clinic_id}"


@cache
def script_words(locale: str) -> dict:
    return json.loads((TEMPLATES / "patients" / locale / "scripts.json").read_text(encoding="utf-8"))


def months_before(clinic: Clinic, now: datetime, months: int) -> datetime:
    """The start of the local day N calendar months ago (31 March less one month is 28 or 29 February)."""
    today = now.astimezone(clinic.zone).date()
    month = today.month - 1 - months
    year, month = today.year + month // 12, month % 12 + 1
    day = today.day
    while True:
        try:
            return datetime.combine(date(year, month, day), time(0, 0), tzinfo=clinic.zone)
        except ValueError:  # no 31 April: the month's last day
            day -= 1


def date_words(clinic: Clinic, moment: datetime) -> str:
    words = script_words(clinic.locale)
    local = moment.astimezone(clinic.zone)
    return words["date"].format(day=local.day, month=words["months"][local.month - 1], year=local.year)


def months_since(clinic: Clinic, moment: datetime, now: datetime) -> int:
    a, b = moment.astimezone(clinic.zone).date(), now.astimezone(clinic.zone).date()
    return (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)


def call_script(clinic: Clinic, patient: Patient, now: datetime,
                parts: tuple[str, ...] = SCRIPT_PARTS) -> dict[str, str]:
    """The script's parts for this patient: the clinic's own text where it set one, the locale's elsewhere."""
    context = {"person": read_name(patient.name).addressed(clinic.locale), "clinic": clinic.name,
               "last_visit": date_words(clinic, patient.last_visit_at),
               "months": months_since(clinic, patient.last_visit_at, now), "doctor": patient.doctor,
               "service": patient.service, "concern": patient.note, "phone": clinic.phone}
    words = script_words(clinic.locale)
    return {part: one_line(render_clinic_text(clinic.patients.scripts.get(part) or words[part], **context))
            for part in parts}


def sample_script(clinic: Clinic) -> dict[str, str]:
    """The locale's script as a sample patient would hear it: what an empty field on the dashboard means."""
    words = script_words(clinic.locale)
    return {part: one_line(render_clinic_text(words[part], **{**SCRIPT_SAMPLE, "clinic": clinic.name,
                                                              "phone": clinic.phone}))
            for part in SCRIPT_PARTS}


@dataclass
class CallRow:
    patient: Patient
    months: int
    outcome: CallOutcome | None
    clinic: Clinic
    now: datetime

    @cached_property
    def script(self) -> dict[str, str]:
        """Rendered when read: a page shows a few hundred rows of a list that may hold thousands."""
        return call_script(self.clinic, self.patient, self.now)

    @cached_property
    def opening(self) -> str:
        """The opening alone (the spreadsheet's column)."""
        return self.script["opening"] if "script" in self.__dict__ else call_script(
            self.clinic, self.patient, self.now, ("opening",))["opening"]


def refusals(store: PatientStore, clinic: Clinic, patients: list[Patient]) -> tuple[set[str], dict[str, CallOutcome]]:
    """Who of these said no to the clinic's messages or its offers, and each one's last call."""
    phones = [p.phone for p in patients]
    if not phones:
        return set(), {}
    opted = store.opted_out(clinic.id, phones) | store.opted_out(ads_scope(clinic.id), phones)
    return opted, store.call_outcomes(clinic.id, phones)


def offer_refused(patient: Patient, opted: set[str]) -> str:
    """Why this patient may be offered nothing (no consent to advertising, or a no), or "" when they may."""
    if not patient.ad_consent:
        return "no_consent"
    return "opted_out" if patient.phone in opted else ""


def inactive(store: PatientStore, clinic: Clinic, months: int, now: datetime,
             settled_too: bool = False) -> tuple[list[CallRow], Counter]:
    """Who to call, most recently lapsed first, and how many were left out and why."""
    patients = store.inactive_patients(clinic.id, months_before(clinic, now, months))
    opted, outcomes = refusals(store, clinic, patients)
    rows, left_out = [], Counter()
    for patient in patients:
        outcome = outcomes.get(patient.phone)
        refused = offer_refused(patient, opted)
        if refused:
            left_out[refused] += 1
        elif (not settled_too and outcome is not None and outcome.outcome in SETTLED
              and outcome.at > patient.last_visit_at):
            left_out[f"called_{outcome.outcome}"] += 1
        else:
            rows.append(CallRow(patient, months_since(clinic, patient.last_visit_at, now), outcome, clinic, now))
    return rows, left_out


def record_call(store: PatientStore, clinic: Clinic, phone: str, outcome: str, who: str, now: datetime) -> None:
    if outcome not in CALL_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; use {', '.join(CALL_OUTCOMES)}")
    store.put_call_outcome(CallOutcome(clinic.id, phone, outcome, now, who,
                                       now + clinic.patients.keep_years * YEAR))


def rows_csv(clinic: Clinic, rows: list[CallRow]) -> str:
    """The call list for a spreadsheet: who, the last visit, the reason to call, the opening and the last call."""
    return csv_text(script_words(clinic.locale)["csv"], (
        (r.patient.name, formats.phone(r.patient.phone, clinic.region), date_words(clinic, r.patient.last_visit_at),
         r.months, r.patient.doctor, r.patient.service, r.patient.note, r.opening,
         outcome_words(clinic, r.outcome)) for r in rows))


def outcome_words(clinic: Clinic, outcome: CallOutcome | None) -> str:
    return script_words(clinic.locale)["outcomes"].get(outcome.outcome, outcome.outcome) if outcome else ""
