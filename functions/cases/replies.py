"""The director's first reply to a complaint: the suggested text for its kind, and sending it by SMS once."""

from __future__ import annotations

from datetime import datetime

from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.store import Case, Visit
from functions.texts import one_line, render, render_clinic_text
from functions.transports import Sms, TransportError


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
