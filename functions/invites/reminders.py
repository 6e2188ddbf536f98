"""Reminders: when an invite's link was never opened, one more message a set number of hours later.

Each reminder is claimed with a conditional write on the visit's counter, so overlapping runs and
retries send it at most once; a send that fails for a passing reason gives the claim back.
It goes by the patient's own channel, as the invite did (WhatsApp's ``reminder`` template, else SMS).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from functions.channels.choice import choose_channel
from functions.channels.patient import PatientMessage, send_to_patient
from functions.clinics.clinic import Clinic
from functions.invites.links import invite_link
from functions.invites.text import sms_context
from functions.invites.timing import in_window
from functions.rewards.grants import reward_id
from functions.services import Services
from functions.store import Visit
from functions.texts import one_line, render
from functions.transports import TransportError
from functions.visits.contacts import reachable_now

log = logging.getLogger(__name__)


def reminder_days(clinic: Clinic, now: datetime) -> list[str]:
    """The visit days whose invites may be due a reminder now: today (a reminder a few hours later lands
    the same day) and as many days back as the reminders reach."""
    span = clinic.sending.reminders * clinic.sending.reminder_hours
    today = now.astimezone(clinic.zone).date()
    return [(today - timedelta(days=d)).isoformat() for d in range(0, span // 24 + 2)]


def due_number(clinic: Clinic, visit: Visit, now: datetime) -> int | None:
    """Which reminder (1, 2) is due now for this visit, if any."""
    rules = clinic.sending
    if visit.invite_state != "sent" or visit.sent_at is None or visit.delivery in ("undelivered", "failed"):
        return None
    number = visit.reminders_sent + 1
    if number > rules.reminders or now < visit.sent_at + timedelta(hours=rules.reminder_hours * number):
        return None
    return number


def send_due_reminders(services: Services, clinic: Clinic, visits: list[Visit], now: datetime) -> Counter:
    counts: Counter = Counter()
    if not clinic.sending.reminders or not in_window(clinic.sending, now.astimezone(clinic.zone)):
        return counts
    due = [(v, n) for v in visits if (n := due_number(clinic, v, now))]
    if not due:
        return counts
    phones = [v.phone for v, _ in due]
    opted_out = services.store.opted_out(clinic.id, phones)
    contacts = services.store.contacts(clinic.id, phones)
    local_now = now.astimezone(clinic.zone)
    for visit, number in due:
        invite = services.store.get_invite(visit.invite_token)
        if visit.phone in opted_out or invite is None or invite.opened_at or invite.score or invite.expires_at <= now:
            continue
        if not reachable_now(contacts.get(visit.phone), local_now):
            counts["reminder_outside_patient_window"] += 1
            continue
        # Claim first: the counter moves from number - 1 to number for one run only.
        if not services.store.claim_reminder(clinic.id, visit.visit_id, number):
            continue
        # A reminder repeats the invite's promise, and makes none it did not.
        promise = services.store.get_reward(clinic.id, reward_id(visit))
        context = sms_context(clinic, invite_link(services.settings.link_base, visit.invite_token),
                              promised=promise is not None and promise.status == "promised")
        text = one_line(render(f"sms/{clinic.locale}/reminder.txt", **context))
        message = PatientMessage(kind="reminder", phone=visit.phone, text=text, values=context,
                                 reference=f"{clinic.id}/{visit.visit_id}", link_path=f"{visit.invite_token}/")
        try:
            delivery = send_to_patient(services, clinic, message,
                                       choose_channel(clinic, contacts.get(visit.phone), visit), now)
            counts["reminders_sent"] += 1
            if delivery.channel == "whatsapp":
                counts["reminders_by_whatsapp"] += 1
        except TransportError as err:
            if not err.permanent:
                services.store.release_reminder(clinic.id, visit.visit_id, number)
            log.warning("reminder for visit %s/%s: %s", clinic.id, visit.visit_id, err.message)
            counts["reminders_failed"] += 1
    return counts
