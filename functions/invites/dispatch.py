"""Invites out: text each eligible visit of the clinic's local day, exactly once.

Per visit: claim (conditional write with an expiry) -> create the invite -> send -> mark.
A second, overlapping run finds the claim taken; a run that crashed leaves a claim that
expires and is picked up again with the same token, so the patient never gets two links.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from functions.aftercare.send import send_due_care
from functions.channels.choice import choose_channel
from functions.channels.patient import PatientMessage, lookup_sent, send_to_patient
from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count_many
from functions.invites.links import invite_link, new_token
from functions.invites.recovery import held_claim, settle_crashed_send
from functions.invites.reminders import reminder_days, send_due_reminders
from functions.invites.store import SendingStore
from functions.invites.text import invite_text, template_values
from functions.invites.timing import days_to_look_at, in_window, timing
from functions.rewards.grants import put_invite, withdraw_promise
from functions.services import Services, backoff
from functions.store import Contact, Invite, Visit
from functions.store.base import PhoneRecentlyInvited
from functions.transports import TransportError

log = logging.getLogger(__name__)

# The reasons a visit of today gets no SMS in this run, as counted in the report.
DONE_STATES = {"sent": "already_invited", "failed": "failed_before", "unconfirmed": "unconfirmed_before"}


@dataclass
class DispatchReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: Counter = field(default_factory=Counter)
    reminders: Counter = field(default_factory=Counter)
    care: Counter = field(default_factory=Counter)  # the next-day care messages (aftercare/send.py)

    def add(self, other: DispatchReport) -> None:
        self.sent += other.sent
        self.retry += other.retry
        self.failed += other.failed
        self.skipped.update(other.skipped)
        self.reminders.update(other.reminders)
        self.care.update(other.care)

    def as_dict(self) -> dict:
        report = {"sent": self.sent, "retry": self.retry, "failed": self.failed, "skipped": dict(self.skipped)}
        if self.reminders:
            report["reminders"] = dict(self.reminders)
        if self.care:
            report["care"] = dict(self.care)
        return report


def send_due_invites(services: Services, now: datetime) -> DispatchReport:
    """Run every clinic inside its window, one after another (the embedded mode); one clinic's
    trouble never stops the others."""
    from functions.invites.fanout import due_clinics

    report = DispatchReport()
    for clinic_id in due_clinics(services.store, now):
        clinic = services.clinic(clinic_id)
        if clinic is None:
            continue
        try:
            report.add(dispatch_clinic(services, clinic, now))
        except Exception:
            log.exception("dispatch failed for clinic %s", clinic_id)
    return report


def skip_reason(visit: Visit, now: datetime) -> str | None:
    """Why this visit gets no SMS now, as far as the visit alone tells; None when it may be due."""
    if visit.invite_state in DONE_STATES:
        return DONE_STATES[visit.invite_state]
    held = held_claim(visit.invite_state, visit.claim_until, now)
    if held:
        return held
    if not visit.consent:
        return "no_consent"
    if not visit.invitable:
        return "not_mobile"
    return None


def dispatch_clinic(services: Services, clinic: Clinic, now: datetime) -> DispatchReport:
    report = DispatchReport()
    rules = clinic.sending
    if not in_window(rules, now.astimezone(clinic.zone)):
        return report  # nothing can go out now; the run that falls inside the window does the work
    due: list[Visit] = []
    looked: dict[str, list[Visit]] = {}
    for day in days_to_look_at(rules, clinic.zone, now):
        looked[day] = services.store.visits_on(clinic.id, day)
        for visit in looked[day]:
            reason = skip_reason(visit, now)
            if reason:
                report.skipped[reason] += 1
            else:
                due.append(visit)
    phones = [v.phone for v in due]
    opted_out = services.store.opted_out(clinic.id, phones)
    contacts = services.store.contacts(clinic.id, phones)
    sendable = []
    for visit in due:
        # Left unclaimed when it is only early: a later run sends it.
        reason = "opted_out" if visit.phone in opted_out else timing(
            rules, clinic.zone, visit, contacts.get(visit.phone), now)
        if reason:
            report.skipped[reason] += 1
        else:
            sendable.append(visit)
    sendable.sort(key=lambda v: v.visit_at)  # earliest visits first when the cap cuts the list
    today = now.astimezone(clinic.zone).date().isoformat()
    granted = len(sendable)
    if rules.daily_cap:
        granted = services.store.reserve_sends(clinic.id, today, len(sendable), rules.daily_cap)
        if granted < len(sendable):
            report.skipped["daily_cap"] += len(sendable) - granted
            sendable = sendable[:granted]
    # The provider's latency dominates, so sends overlap; the bound keeps us under its rate limits.
    services.sms  # noqa: B018 - make the transports once, before the threads share them
    if clinic.whatsapp is not None:
        _whatsapp_ready(services, clinic)
    with ThreadPoolExecutor(max_workers=services.settings.dispatch_workers) as pool:
        outcomes = list(pool.map(lambda visit: _send_safely(services, clinic, visit, contacts.get(visit.phone), now),
                                 sendable))
    if rules.daily_cap:
        services.store.release_sends(clinic.id, today, granted - outcomes.count("sent"))
    if rules.reminders:
        # Days read above are not read again: a reminder is only for an invite sent in an earlier run.
        earlier = [v for day in reminder_days(clinic, now)
                   for v in (looked[day] if day in looked else services.store.visits_on(clinic.id, day))]
        report.reminders.update(send_due_reminders(services, clinic, earlier, now))
    report.care.update(send_due_care(services, clinic, now))
    count_many(services.store, [v for v, o in zip(sendable, outcomes, strict=True) if o == "sent"], "invited")
    for outcome in outcomes:
        if outcome == "sent":
            report.sent += 1
        elif outcome in ("recovered", "unconfirmed"):
            report.skipped[outcome] += 1
        elif outcome == "retry":
            report.retry += 1
        elif outcome == "failed":
            report.failed += 1
        elif outcome == "error":
            report.retry += 1
        else:
            report.skipped[outcome or "claimed_elsewhere"] += 1
    return report


def _whatsapp_ready(services: Services, clinic: Clinic) -> None:
    """Make the clinic's WhatsApp transport before the threads share it; a secret that cannot be read is
    found again (and answered with SMS) per message."""
    from functions.channels.secrets import SecretError

    try:
        services.whatsapp_for(clinic)
    except SecretError as err:
        log.warning("clinic %s: %s", clinic.id, err)


def _send_safely(services: Services, clinic: Clinic, visit: Visit, contact: Contact | None,
                 now: datetime) -> str | None:
    """One visit's failure (a store hiccup, a bug) must not stop the batch: its claim expires and it is retried."""
    try:
        return send_invite(services, clinic, visit, now, contact)
    except Exception:
        log.exception("invite for visit %s/%s crashed; it will be retried", clinic.id, visit.visit_id)
        return "error"


def _recover(services: Services, clinic: Clinic, visit: Visit, token: str, message: PatientMessage,
             now: datetime) -> str | None:
    """Settle a send a crashed run left open; None when the message surely did not leave and may be sent now.
    The provider asked is the one the dead run noted before its send (WhatsApp, or SMS)."""
    def finish(state: str, **outcome: object) -> None:
        services.store.finish_invite(clinic.id, visit.visit_id, token, state, now, **outcome)

    def lookup(since: datetime) -> tuple[bool, str | None]:
        return lookup_sent(services, clinic, message, visit.channel or "sms", since, now)

    return settle_crashed_send(services, lookup, visit.claim_until, visit.attempts, finish, now)


def send_invite(services: Services, clinic: Clinic, visit: Visit, now: datetime,
                contact: Contact | None = None) -> str | None:
    store: SendingStore = services.store
    rules = clinic.sending
    repeat_since = now - timedelta(days=rules.repeat_days) if rules.repeat_days else None
    # Claim first: only the run holding the claim may text this patient, and the same write takes the
    # phone, so two visits of one patient (or two overlapping runs) never both text them.
    try:
        token = store.claim_invite(clinic.id, visit.visit_id, visit.invite_token or new_token(), now,
                                   services.claim_until(now), phone=visit.phone, repeat_since=repeat_since)
    except PhoneRecentlyInvited:
        return "recently_invited"
    if token is None:
        return None
    invite = Invite(token=token, clinic_id=clinic.id, visit_id=visit.visit_id, created_at=now,
                    expires_at=now + timedelta(days=services.settings.token_days))
    # The reward is promised with the invite, in the same write: the SMS says exactly what the page will.
    promised = put_invite(services, clinic, visit, invite, now)
    link = invite_link(services.settings.link_base, token)
    message = PatientMessage(kind="invite", phone=visit.phone, text=invite_text(clinic, link, visit, promised),
                             values=template_values(clinic, link, visit, promised),
                             reference=f"{clinic.id}/{visit.visit_id}", link_path=f"{token}/")
    if visit.invite_state == "claimed":
        # The run that held this claim died between taking it and recording the outcome: the message
        # may have left. Ask the provider when it can tell; otherwise never risk a second one.
        outcome = _recover(services, clinic, visit, token, message, now)
        if outcome:
            return outcome

    def before(channel: str, note: str) -> None:
        # The channel is on the claimed invite before the send: a run taking over asks that provider.
        store.note_invite_channel(clinic.id, visit.visit_id, token, channel, note)

    try:
        delivery = send_to_patient(services, clinic, message, choose_channel(clinic, contact, visit), now, before)
    except TransportError as err:
        if err.permanent:
            store.finish_invite(clinic.id, visit.visit_id, token, "failed", now, error=err.message)
            if promised:
                withdraw_promise(services, clinic, visit, now)
            log.warning("invite for visit %s/%s failed for good: %s", clinic.id, visit.visit_id, err.message)
            return "failed"
        store.finish_invite(clinic.id, visit.visit_id, token, "retry", now, error=err.message,
                            retry_at=now + backoff(visit.attempts + 1))
        return "retry"
    store.finish_invite(clinic.id, visit.visit_id, token, "sent", now, message_id=delivery.message_id)
    return "sent"
