"""What an import tells the patient register: one call after each saved batch of visits.

Each patient's register row learns the batch's latest visit (``merge_patient``: the later visit wins, whatever
order the files come in); a visit that carries a doctor's recommendation opens a hand-off; a visit that matches
an open recommendation of the same patient books it, counted for the recommending doctor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.patients.handoffs import book_matching, open_recommendations
from functions.patients.store import RegisterIntake
from functions.store import Visit
from functions.store.patient_records import Patient

YEAR = timedelta(days=365.25)


def patient_of(clinic: Clinic, visit: Visit, now: datetime) -> Patient:
    """The register row one visit alone would make."""
    return Patient(
        clinic_id=visit.clinic_id, phone=visit.phone, name=visit.patient_name, last_visit_at=visit.visit_at,
        last_visit_id=visit.visit_id, first_visit_at=visit.visit_at, updated_at=now,
        expires_at=visit.visit_at + clinic.patients.keep_years * YEAR, doctor=visit.doctor, service=visit.service,
        branch=visit.branch, note=visit.note, email=visit.email, sms_consent=visit.consent,
        ad_consent=visit.ad_consent, mobile=visit.invitable, visits={visit.visit_id: visit.local_date})


def note_visits(store: RegisterIntake, clinic: Clinic, visits: list[Visit], now: datetime) -> None:
    """Keep the register as visits arrive; the import calls this once after each batch is saved."""
    if not visits:
        return
    store.note_patients([patient_of(clinic, v, now) for v in visits])
    open_recommendations(store, clinic, [v for v in visits if v.referral], now)
    book_matching(store, clinic, visits, now)
