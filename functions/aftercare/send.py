"""Sending the next-day care message, once per visit: a service message under the SMS consent.

Per visit: the rule its service matches, its window (``timing.py``), the consent, a mobile number, no opt-out,
the patient's own window, then the claim (a conditional write with an expiry that also takes the phone for the
repeat rule), the link (an invite of its own with ``purpose = "care"``: no reward, no platforms), the SMS, the
outcome. Overlapping runs find the claim taken; a crashed run's claim is settled as invites' are: asked of the
provider when it can tell, otherwise marked ``unconfirmed`` and never sent twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from functions.aftercare.rules import CareRule
from functions.aftercare.store import CareStore
from functions.aftercare.text import care_text
from functions.aftercare.timing import care_timing, days_to_look_at
from functions.channels.choice import SMS, WHATSAPP, Route, choose_channel
from functions.channels.patient import PatientMessage, lookup_sent, send_to_patient
from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.invites.links import invite_link, new_token
from functions.invites.recovery import Lookup, held_claim, settle_crashed_send
from functions.invites.text import template_values
from functions.invites.timing import in_window
from functions.services import Services, backoff
from functions.store import Invite, Visit
from functions.store.base import PhoneRecentlyInvited
from functions.store.patient_records import CARE, CareMessage, care_case_id
from functions.transports import TransportError

log = logging.getLogger(__name__)
KEPT = timedelta(days=90)  # the claim outlives the link, so a late re-import never asks twice
DONE = {"sent": "already_sent", "failed": "failed_before", "unconfirmed": "unconfirmed_before"}


def deliver_care(services: Services, clinic: Clinic, message: PatientMessage, route: Route, now: datetime) -> str:
    """The one place a care message leaves: by the patient's own channel (WhatsApp falls back to SMS once)."""
    return send_to_patient(services, clinic, message, route, now).message_id


def _lookup(services: Services, clinic: Clinic, message: PatientMessage, route: Route, now: datetime) -> Lookup:
    """After a crash: the claim does not say which channel the dead run used, so every one it may have used is
    asked (WhatsApp, then the SMS a refusal falls back to); one that cannot tell leaves it ``unconfirmed``."""
    def lookup(since: datetime) -> tuple[bool, str | None]:
        can_tell = True
        for channel in ((WHATSAPP,) if route.channel == WHATSAPP else ()) + (SMS,):
            told, message_id = lookup_sent(services, clinic, message, channel, since, now)
            if message_id:
                return True, message_id
            can_tell = can_tell and told
        return can_tell, None
    return lookup


def _why_not(message: CareMessage | None, visit: Visit, now: datetime) -> str | None:
    if message is not None:
        if message.state in DONE:
            return DONE[message.state]
        held = held_claim(message.state, message.claim_until, now)
        if held:
            return held
    if not visit.consent:
        return "no_consent"
    return None if visit.invitable else "not_mobile"


def send_due_care(services: Services, clinic: Clinic, now: datetime) -> Counter:
    """Every care message due now at this clinic: ``care_sent`` and why the rest waited or were skipped."""
    counts: Counter = Counter()
    rules = clinic.followups
    if not rules.rules or not in_window(clinic.sending, now.astimezone(clinic.zone)):
        return counts
    store: CareStore = services.store
    wanted = [(v, rule) for day in days_to_look_at(clinic.zone, now) for v in store.visits_on(clinic.id, day)
              if (rule := rules.rule_for(v.service))]
    if not wanted:
        return counts
    messages = store.care_messages(clinic.id, [v.visit_id for v, _ in wanted])
    phones = [v.phone for v, _ in wanted]
    opted_out, contacts = store.opted_out(clinic.id, phones), store.contacts(clinic.id, phones)
    for visit, rule in wanted:
        message = messages.get(visit.visit_id)
        reason = _why_not(message, visit, now) or ("opted_out" if visit.phone in opted_out else care_timing(
            clinic.sending, rule, clinic.zone, visit, contacts.get(visit.phone), now))
        if reason:
            counts[f"care_{reason}"] += 1
            continue
        try:
            route = choose_channel(clinic, contacts.get(visit.phone), visit)
            counts[f"care_{send_care(services, clinic, visit, rule, message, route, now)}"] += 1
        except Exception:
            log.exception("care message for visit %s/%s crashed; it will be retried", clinic.id, visit.visit_id)
            counts["care_error"] += 1
    return counts


def send_care(services: Services, clinic: Clinic, visit: Visit, rule: CareRule, message: CareMessage | None,
              route: Route, now: datetime) -> str:
    store: CareStore = services.store
    repeat = clinic.sending.repeat_days
    # Claim first: only the run holding the claim may text this patient, and the same write takes the phone,
    # so two procedures of one patient within the repeat rule's days bring one care message, not two.
    try:
        token = store.claim_care(clinic.id, visit.visit_id, (message.token if message else "") or new_token(), now,
                                 services.claim_until(now), phone=visit.phone, expires_at=now + KEPT,
                                 repeat_since=now - timedelta(days=repeat) if repeat else None)
    except PhoneRecentlyInvited:
        return "recently_asked"
    if token is None:
        return "claimed_elsewhere"
    store.put_invite(Invite(token=token, clinic_id=clinic.id, visit_id=visit.visit_id, created_at=now,
                            expires_at=now + timedelta(days=services.settings.token_days), purpose=CARE))
    link = invite_link(services.settings.link_base, token)
    patient_message = PatientMessage(
        kind="care", phone=visit.phone, text=care_text(clinic, rule, link, visit),
        values=template_values(clinic, link, visit, False), link_path=f"{token}/",
        reference=f"{clinic.id}/{care_case_id(visit.visit_id)}", sender_id=clinic.sender_id)
    if message is not None and message.state == "claimed":
        def finish(state: str, **outcome: object) -> None:
            store.finish_care(clinic.id, visit.visit_id, token, state, now, **outcome)

        settled = settle_crashed_send(services, _lookup(services, clinic, patient_message, route, now),
                                      message.claim_until, message.attempts, finish, now)
        if settled:
            return settled
    try:
        message_id = deliver_care(services, clinic, patient_message, route, now)
    except TransportError as err:
        state = "failed" if err.permanent else "retry"
        retry_at = None if err.permanent else now + backoff((message.attempts if message else 0) + 1)
        store.finish_care(clinic.id, visit.visit_id, token, state, now, error=err.message, retry_at=retry_at)
        log.warning("care message for visit %s/%s: %s (%s)", clinic.id, visit.visit_id, state, err.message)
        return state
    store.finish_care(clinic.id, visit.visit_id, token, "sent", now, message_id=message_id)
    count(store, visit, care_sent=1)
    return "sent"

