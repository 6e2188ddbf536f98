"""The rows kept beyond the visit: the patient register, doctors' recommendations (hand-offs), call outcomes,
the next-day care message's claim, campaigns and each letter of a campaign. Times are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

# The next-day care message: its invite's ``purpose`` and its case's ``source``. A low answer to it is a case of
# its own beside the visit's complaint (whose id is the visit's).
CARE = "care"
CARE_CASE_PREFIX = "care-"


def care_case_id(visit_id: str) -> str:
    return f"{CARE_CASE_PREFIX}{visit_id}"


@dataclass
class Patient:
    """One patient of one clinic: what the latest visit said, kept for the clinic's retention after it.

    ``visits`` maps every visit id seen for this phone to its local day: what an erase must find (the visit,
    its invite, its cases, its reward row ``<month>/<visit>``) long after the visit item itself expired.
    """

    clinic_id: str
    phone: str
    name: str
    last_visit_at: datetime
    last_visit_id: str
    first_visit_at: datetime
    updated_at: datetime
    expires_at: datetime
    doctor: str = ""
    service: str = ""
    branch: str = ""
    note: str = ""  # the export's own note of the latest visit that had one: «План лечения», «Рекомендации»
    email: str = ""
    sms_consent: bool = False
    ad_consent: bool | None = None  # None: no file has said either way (no advertising then)
    mobile: bool = True
    visits: dict[str, str] = field(default_factory=dict)
    version: int = 0  # DynamoDB's optimistic lock: each write expects the version it read


def merge_patient(old: Patient | None, new: Patient) -> Patient:
    """The register after one more visit: the later visit's facts win, whatever order the files come in;
    what only an earlier visit said (a note, an email, a consent) is kept."""
    if old is None:
        return new
    later, earlier = (new, old) if new.last_visit_at >= old.last_visit_at else (old, new)
    return replace(
        later, first_visit_at=min(old.first_visit_at, new.first_visit_at),
        note=later.note or earlier.note, email=later.email or earlier.email,
        ad_consent=later.ad_consent if later.ad_consent is not None else earlier.ad_consent,
        visits={**old.visits, **new.visits}, expires_at=max(old.expires_at, new.expires_at),
        updated_at=max(old.updated_at, new.updated_at), version=old.version)


# A hand-off's life: open (waiting for a matching visit; on the call list once due), booked (a matching visit
# arrived), closed (the curator's call settled it: declined or a wrong number).
HANDOFF_STATES = ("open", "booked", "closed")
# What staff mark after a call (the reactivation list and the hand-offs' call list).
CALL_OUTCOMES = ("booked", "call_back", "declined", "wrong_number")


@dataclass
class Handoff:
    """A doctor's recommendation to see another specialist, from the visit that made it."""

    clinic_id: str
    handoff_id: str  # the recommending visit's id
    phone: str
    name: str
    wanted: str  # the recommendation as the export wrote it: «Ортодонт», «КТ», «к хирургу на удаление»
    doctor: str  # who recommended it
    branch: str
    local_date: str  # the recommending visit's day: its counters are that day's
    visit_at: datetime
    due_at: datetime  # no matching visit by then: the curator calls
    expires_at: datetime
    state: str = "open"
    booked_at: datetime | None = None
    booked_visit_id: str = ""
    outcome: str = ""  # the curator's last call, one of CALL_OUTCOMES
    outcome_at: datetime | None = None
    outcome_by: str = ""


@dataclass
class CallOutcome:
    """The last reactivation call to a patient: what came of it, when and who called."""

    clinic_id: str
    phone: str
    outcome: str
    at: datetime
    by: str
    expires_at: datetime


@dataclass
class CareMessage:
    """The next-day care message of one visit: its claim and outcome, like an invite's."""

    clinic_id: str
    visit_id: str
    expires_at: datetime
    state: str = ""  # "", "claimed", "sent", "retry", "failed" or "unconfirmed"
    token: str = ""
    claim_until: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    message_id: str = ""
    sent_at: datetime | None = None


@dataclass
class Campaign:
    """A reactivation letter to patients whose last visit was before ``cutoff`` and who agreed to advertising.

    The cutoff is fixed when the campaign starts, so every run (after a crash, or two at once) addresses the same
    patients; the letter's parts are kept as they were sent.
    """

    clinic_id: str
    campaign_id: str
    name: str
    channel: str  # "email" or "sms"
    months: int
    cutoff: datetime
    created_at: datetime
    created_by: str
    letter: dict = field(default_factory=dict)
    state: str = "sending"  # sending, then done once a run found nobody left


@dataclass
class CampaignSend:
    """One patient's letter of one campaign: claimed before it goes, so it goes once."""

    clinic_id: str
    campaign_id: str
    phone: str
    expires_at: datetime
    state: str = ""  # "", "claimed", "sent", "retry", "failed" or "unconfirmed"
    attempts: int = 0
    claim_until: datetime | None = None
    last_error: str = ""
    message_id: str = ""
    sent_at: datetime | None = None
    unsub_id: str = ""  # the unsubscribe link's key (its own, never an invite token)
