"""Campaign letters: one letter per patient per campaign, to patients who agreed to advertising, exactly once.

A campaign is started once under its name with its channel, its months and its letter; its audience is fixed
then (last visit before the cutoff), so every later run (after a crash, or two at once) addresses the same
patients and never someone who has come back since. Each letter is claimed first (a conditional write with an
expiry), sent, then recorded; a claim left by a crashed run is settled as invites' are (``invites/recovery.py``).
Letters go inside the clinic's sending window. Who is left out, and why, is counted: no advertising consent
(38-FZ art. 18), opted out of SMS or unsubscribed, no email address or no mobile number, a wrong number.

A patient whose last visit is after their letter counts as returned for that campaign (read from the register,
so a visit imported late still counts).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from functions.clinics.clinic import Clinic
from functions.invites.recovery import held_claim, settle_crashed_send, sms_lookup
from functions.invites.timing import in_window
from functions.patients.letters import letter_email, letter_sms, missing_parts
from functions.patients.reactivation import months_before, offer_refused, refusals
from functions.patients.store import PatientStore
from functions.patients.unsubscribe import new_unsub_id, unsubscribe_link
from functions.services import Services, backoff
from functions.store.patient_records import Campaign, CampaignSend, Patient
from functions.transports import Sms, TransportError

CHANNELS = ("email", "sms")
NAME = re.compile(r"[^\w]+")
DONE = {"sent": "already_sent", "failed": "failed_before", "unconfirmed": "unconfirmed_before"}
YEAR = timedelta(days=365.25)


class CampaignError(ValueError):
    """The campaign cannot start as asked (the reason is said in the clinic's words by the caller)."""


def campaign_id(name: str) -> str:
    """The campaign's key from its name: «Осень 2026» is ``осень-2026``; the same name is the same campaign."""
    slug = NAME.sub("-", name.strip().lower()).strip("-_")[:60]
    if not slug:
        raise CampaignError("name: letters or digits")
    return slug


def new_campaign(clinic: Clinic, name: str, months: int, channel: str, who: str, now: datetime,
                 letter: dict | None = None) -> Campaign:
    """A campaign as it would start now (not stored): its letter is the clinic's parts with ``letter`` over them."""
    if channel not in CHANNELS:
        raise CampaignError(f"channel: one of {', '.join(CHANNELS)}")
    if not 1 <= months <= 120:
        raise CampaignError("months: a whole number from 1 to 120")
    parts = {**clinic.patients.letter, **{k: v.strip() for k, v in (letter or {}).items() if v and v.strip()}}
    if missing_parts(parts):
        raise CampaignError(f"letter: set {' and '.join(missing_parts(parts))} (patients.letter in the clinic)")
    return Campaign(clinic_id=clinic.id, campaign_id=campaign_id(name), name=name.strip()[:80], channel=channel,
                    months=months, cutoff=months_before(clinic, now, months), created_at=now, created_by=who,
                    letter=parts)


def start_campaign(store: PatientStore, clinic: Clinic, name: str, months: int, channel: str, who: str,
                   now: datetime, letter: dict | None = None) -> tuple[Campaign, bool]:
    """The campaign under this name: started now (True), or the one started before with the same terms."""
    campaign = new_campaign(clinic, name, months, channel, who, now, letter)
    if store.put_campaign(campaign):
        return campaign, True
    existing = store.get_campaign(clinic.id, campaign.campaign_id)
    if existing is None or (existing.months, existing.channel) != (months, channel):
        raise CampaignError(f"name: a campaign «{existing.name if existing else name}» exists with "
                            f"{existing.months if existing else '?'} months by {existing.channel if existing else '?'}")
    return existing, False


def audience(store: PatientStore, clinic: Clinic, campaign: Campaign) -> tuple[list[Patient], Counter]:
    """Who gets this campaign's letter, and how many were left out and why."""
    patients = store.inactive_patients(clinic.id, campaign.cutoff)
    opted, calls = refusals(store, clinic, patients)
    chosen, left_out = [], Counter()
    for patient in patients:
        call = calls.get(patient.phone)
        refused = offer_refused(patient, opted)
        if refused:
            left_out[refused] += 1
        elif campaign.channel == "email" and not patient.email:
            left_out["no_email"] += 1
        elif campaign.channel == "sms" and not patient.mobile:
            left_out["not_mobile"] += 1
        elif campaign.channel == "sms" and call and call.outcome == "wrong_number" and call.at > patient.last_visit_at:
            left_out["wrong_number"] += 1
        else:
            chosen.append(patient)
    return chosen, left_out


@dataclass
class RunReport:
    sent: int = 0
    left_out: Counter | None = None
    other: Counter | None = None

    def as_dict(self) -> dict:
        return {"sent": self.sent, "left_out": dict(self.left_out or {}), **dict(self.other or {})}


def send_campaign(services: Services, clinic: Clinic, campaign: Campaign, now: datetime, *, dry_run: bool = False,
                  seconds: float | None = None, clock: Callable[[], float] = time.monotonic) -> RunReport:
    """Send what this campaign still owes: each letter claimed first. ``seconds`` bounds a run from a request
    (the scheduled job takes the rest); ``dry_run`` counts who would get one and sends nothing."""
    store: PatientStore = services.store
    chosen, left_out = audience(store, clinic, campaign)
    report = RunReport(left_out=left_out, other=Counter())
    if not dry_run and not in_window(clinic.sending, now.astimezone(clinic.zone)):
        report.other["outside_window"] = len(chosen)
        return report
    sends = {s.phone: s for s in store.campaign_sends(clinic.id, campaign.campaign_id)}
    deadline = None if seconds is None else clock() + seconds
    owed = 0
    for patient in chosen:
        prior = sends.get(patient.phone)
        if prior is not None and prior.state in DONE:
            report.other[DONE[prior.state]] += 1
            continue
        held = held_claim(prior.state, prior.claim_until, now) if prior is not None else None
        if held:
            report.other[held] += 1
            owed += 1
            continue
        if dry_run:
            report.other["would_send"] += 1
            continue
        if deadline is not None and clock() >= deadline:
            report.other["left_for_later"] += 1
            owed += 1
            continue
        outcome = send_letter(services, clinic, campaign, patient, prior, now)
        report.sent += outcome == "sent"
        owed += outcome in ("retry", "claimed_elsewhere")
        if outcome != "sent":
            report.other[outcome] += 1
    if not dry_run and not owed and campaign.state != "done":
        store.set_campaign_state(clinic.id, campaign.campaign_id, "done")
    return report


def send_letter(services: Services, clinic: Clinic, campaign: Campaign, patient: Patient,
                prior: CampaignSend | None, now: datetime) -> str:
    store: PatientStore = services.store
    expires = now + clinic.patients.keep_years * YEAR
    # Claim first: only the run holding the claim may write to this patient, so overlapping runs send one letter.
    claimed = store.claim_campaign_send(CampaignSend(clinic.id, campaign.campaign_id, patient.phone, expires,
                                                     unsub_id=new_unsub_id()), now, services.claim_until(now))
    if claimed is None:
        return "claimed_elsewhere"
    store.put_unsubscribe(claimed.unsub_id, clinic.id, patient.phone, campaign.campaign_id, expires)
    link = unsubscribe_link(services.settings.link_base, services.secret_key, claimed.unsub_id)
    sms = None
    if campaign.channel == "sms":
        sms = Sms(to=patient.phone, text=letter_sms(clinic, campaign.letter, patient, link),
                  sender_id=clinic.sender_id or services.settings.sms_sender_id, reference="")

    def finish(state: str, **outcome: object) -> None:
        store.finish_campaign_send(clinic.id, campaign.campaign_id, patient.phone, state, now, **outcome)

    if prior is not None and prior.state == "claimed":
        settled = settle_crashed_send(services, sms_lookup(services, sms), prior.claim_until, claimed.attempts,
                                      finish, now)
        if settled:
            return settled
    try:
        if sms is not None:
            message_id = services.sms.send(sms)
        else:
            message_id = services.email.send(letter_email(clinic, campaign.letter, patient, link))
    except TransportError as err:
        state = "failed" if err.permanent else "retry"
        finish(state, error=err.message, retry_at=None if err.permanent else now + backoff(claimed.attempts))
        return state
    finish("sent", message_id=message_id)
    return "sent"


@dataclass
class CampaignNumbers:
    campaign: Campaign
    sent: int
    returned: int
    failed: int

    @property
    def share(self) -> int | None:
        return round(100 * self.returned / self.sent) if self.sent else None


def campaign_numbers(store: PatientStore, clinic: Clinic, campaign: Campaign) -> CampaignNumbers:
    """Sent, and returned: patients whose last visit came after their letter."""
    sends = store.campaign_sends(clinic.id, campaign.campaign_id)
    sent = {s.phone: s.sent_at for s in sends if s.state == "sent" and s.sent_at}
    patients = store.patients(clinic.id, list(sent)) if sent else {}
    returned = sum(1 for phone, at in sent.items() if phone in patients and patients[phone].last_visit_at > at)
    return CampaignNumbers(campaign, len(sent), returned, sum(s.state in ("failed", "unconfirmed") for s in sends))


def send_due_campaigns(services: Services, now: datetime, seconds: float = 20.0) -> dict[str, int]:
    """The scheduled run: every campaign still sending, in each clinic's window, within the run's seconds."""
    sent: Counter = Counter()
    deadline = time.monotonic() + seconds
    for clinic_id in services.store.list_clinic_ids():
        clinic = services.clinic(clinic_id)
        for campaign in services.store.list_campaigns(clinic_id) if clinic else []:
            left = deadline - time.monotonic()
            if campaign.state != "sending" or left <= 0:
                continue
            sent[f"{clinic_id}/{campaign.campaign_id}"] = send_campaign(services, clinic, campaign, now,
                                                                       seconds=left).sent
    return dict(sent)
