"""The director's first reply to a complaint: the draft for its topic, and sending it once, by the patient's own
channel (WhatsApp when they prefer it and the clinic has it, else SMS).

A draft greets the patient by first name and patronymic («Мария Ивановна, здравствуйте!»), never by
surname; names the clinic as written; thanks for words only when there were words; names an offer only
when the clinic set one for that topic; and never asks for an SMS reply (an alphanumeric sender cannot
receive one): it offers a call, and the clinic's number when it has one.
"""

from __future__ import annotations

from datetime import datetime

from functions.cases.kinds import KINDS
from functions.cases.names import read_name
from functions.cases.timeline import record
from functions.channels.choice import Route, choose_channel
from functions.channels.patient import PatientMessage, send_to_patient
from functions.clinics.clinic import Clinic
from functions.invites.segments import count_segments
from functions.services import Services
from functions.store import Case, Visit
from functions.store.patient_records import CARE
from functions.texts import one_line, render, render_clinic_text
from functions.transports import TransportError

REPLY_LIMIT = 600
# What ``reply_by_sms`` answers when it did not send; each caller says it in its reader's words.
OPTED_OUT, EMPTY, TOO_LONG, ALREADY, FAILED, SENT = "opted_out", "empty", "too_long", "already", "failed", "sent"
NOT_SENT_EN = {OPTED_OUT: "the patient opted out of SMS: call instead", EMPTY: "the reply is empty",
               TOO_LONG: f"the reply must be at most {REPLY_LIMIT} characters",
               ALREADY: "this case already has an SMS reply"}


def greeting(clinic: Clinic, patient_name: str) -> str:
    """«Мария Ивановна, здравствуйте!», "Hello Mary," or the neutral form when the name does not tell."""
    return one_line(render(f"cases/{clinic.locale}/greeting.txt",
                           person=read_name(patient_name).addressed(clinic.locale)))


def suggested_reply(clinic: Clinic, kind: str, patient_name: str, words: bool = True) -> str:
    """The first reply for this topic: the clinic's own text, or the locale's draft (``care``: a patient who feels
    unwell after the visit, asked by the care message)."""
    kind = kind if kind in KINDS or kind == CARE else "unclear"
    context = {"greeting": greeting(clinic, patient_name), "person": read_name(patient_name).addressed(clinic.locale),
               "clinic": clinic.name, "director": clinic.director_name, "offer": clinic.offers.get(kind, ""),
               "phone": clinic.phone, "words": words, "kind": kind}
    context["patient"] = context["person"]  # what an older clinic text called it
    own = clinic.replies.get(kind)
    if own:
        return one_line(render_clinic_text(own, **context))
    return one_line(render(f"cases/{clinic.locale}/reply.txt", **context))


def case_reply(clinic: Clinic, case: Case, visit: Visit | None) -> str:
    kind = CARE if case.source == CARE else case.kind
    return suggested_reply(clinic, kind, visit.patient_name if visit else "", words=bool(case.text))


def reply_by_sms(services: Services, clinic: Clinic, case: Case, visit: Visit, text: str | None, now: datetime,
                 who: str) -> str:
    """The director's SMS to the patient: "sent", or why not. Claimed first, so it goes once per case; sending
    it is contact (the case leaves "new", so the still-new reminder stops)."""
    if visit.phone in services.store.opted_out(clinic.id, [visit.phone]):
        return OPTED_OUT
    body = one_line(text or case_reply(clinic, case, visit))
    if not body:
        return EMPTY
    if len(body) > REPLY_LIMIT:
        return TOO_LONG
    # Claim first: a repeated command (or two directors at once) never texts the patient twice.
    if not services.store.claim_case_reply(clinic.id, case.case_id, body, now):
        return ALREADY
    segments = count_segments(body)
    route = reply_route(services, clinic, visit)
    message = PatientMessage(kind="reply", phone=visit.phone, text=body, reference=f"{clinic.id}/{visit.visit_id}",
                             values={"clinic": clinic.name, "text": body, "director": clinic.director_name,
                                     "phone": clinic.phone})
    try:
        delivery = send_to_patient(services, clinic, message, route, now)
    except TransportError as err:
        services.store.finish_case_reply(clinic.id, case.case_id, "failed")
        record(services.store, case, f"reply_{route.channel}", now, who=who, text=body, state="failed",
               error=err.message, segments=segments.count, encoding=segments.encoding)
        return f"{FAILED}: {err.message}"
    services.store.finish_case_reply(clinic.id, case.case_id, "sent")
    extra = {"note": delivery.note} if delivery.note else {}
    record(services.store, case, f"reply_{delivery.channel}", now, who=who, text=body, state="sent",
           segments=segments.count, encoding=segments.encoding, **extra)
    if services.store.move_case(clinic.id, case.case_id, ("new",), "contacted", who, now):
        record(services.store, case, "contacted", now, who=who, by=delivery.channel)
    return SENT


def reply_route(services: Services, clinic: Clinic, visit: Visit) -> Route:
    """How the reply will go: the patient's own channel where the clinic has it, else SMS."""
    return choose_channel(clinic, services.store.contacts(clinic.id, [visit.phone]).get(visit.phone))
