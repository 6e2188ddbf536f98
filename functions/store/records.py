"""The rows the funnel keeps, in the product's words. Times are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ApiKey:
    key_id: str
    clinic_id: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass
class Visit:
    """One appointment of one patient; carries the state of its one invite."""

    clinic_id: str
    visit_id: str
    patient_name: str
    phone: str
    visit_at: datetime
    local_date: str
    expires_at: datetime
    doctor: str = ""
    branch: str = ""
    service: str = ""
    consent: bool = True
    # False for numbers that cannot take an SMS (fixed lines): kept, never invited.
    invitable: bool = True
    # What the export says beyond the visit, kept in the patient register: consent to advertising (None when
    # the file does not say), an email address, the clinic's own note («План лечения»), a doctor's
    # recommendation to see another specialist («Направление»).
    ad_consent: bool | None = None
    email: str = ""
    note: str = ""
    referral: str = ""
    # Owned by the dispatcher: "" (not yet), "claimed", "sent", "retry" or "failed".
    invite_state: str = ""
    invite_token: str = ""
    claim_until: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    message_id: str = ""
    sent_at: datetime | None = None
    # The provider's final word, from its status webhook: "delivered", "undelivered" or "failed".
    delivery: str = ""
    delivery_at: datetime | None = None
    reminders_sent: int = 0
    # The channel the invite goes by ("" or "sms", "whatsapp") and, when it is not the patient's preferred one
    # or WhatsApp failed for good, why (channels/choice.py lists the reasons).
    channel: str = ""
    channel_note: str = ""


@dataclass
class Contact:
    """How and when a patient wants to be reached, per clinic (kept as long as their latest visit)."""

    clinic_id: str
    phone: str
    updated_at: datetime
    expires_at: datetime
    channel: str = ""  # sms, whatsapp, telegram, email or call
    hours_from: int | None = None  # local hour the window opens
    hours_to: int | None = None  # local hour it closes
    days: str = ""  # "weekdays", "weekends" or "" for any day
    address: str = ""  # the email address or Telegram username the patient gave for that channel


# The fields of a visit that come from the clinic; the rest of ``Visit`` belongs to the dispatcher.
VISIT_DATA = ("patient_name", "phone", "visit_at", "local_date", "expires_at",
              "doctor", "branch", "service", "consent", "invitable", "ad_consent", "email", "note", "referral")


@dataclass
class Invite:
    """The link a patient got, looked up by its token; holds the answer."""

    token: str
    clinic_id: str
    visit_id: str
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None = None
    score: int | None = None
    rated_at: datetime | None = None
    feedback: str | None = None
    feedback_at: datetime | None = None
    opted_out_at: datetime | None = None
    clicks: dict[str, int] = field(default_factory=dict)
    # "" for the visit's invite; "care" for the next-day question about how the patient feels (no reward,
    # no review platforms; a low answer is an urgent case for the director and the doctor).
    purpose: str = ""


@dataclass
class Case:
    """An unhappy answer the director handles (opened at the low score, words or not); carries the state
    of its alert email and of the follow-up that tells the director what changed after it."""

    clinic_id: str
    case_id: str
    visit_id: str
    score: int
    text: str
    created_at: datetime
    kind: str = "unclear"  # the complaint's topic (cases/kinds.py): which first reply fits
    status: str = "new"
    # The alert email goes at ``alert_at`` (the clinic's wait after the tap), or as soon as words arrive.
    alert_at: datetime | None = None
    # When the sweep should look at the case next (an index key: the due-work query); None: nothing to do.
    due_at: datetime | None = None
    words_at: datetime | None = None
    email_state: str = ""
    claim_until: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    emailed_at: datetime | None = None
    contacted_at: datetime | None = None
    contacted_by: str = ""
    resolved_at: datetime | None = None
    resolved_by: str = ""
    outcome: str = ""  # "returned" or "not_returned", once resolved
    reminded_at: datetime | None = None  # the director was reminded the case is still new
    reply_state: str = ""  # the director's SMS reply: "" (none), "claimed", "sent" or "failed"
    reply_text: str = ""
    reply_at: datetime | None = None
    # Follow-ups: each change after the alert (words, a new score) adds one wanted; an email sent tells all
    # wanted so far. The claim and its retry time are the follow-up's own.
    followups_wanted: int = 0
    followups_sent: int = 0
    followup_until: datetime | None = None
    followup_error: str = ""
    # What the directors have been told by email so far: the follow-up says only what is new.
    told_score: int = 0
    told_words: bool = False
    # The Telegram fast path: each notable moment (the alert, words, a WhatsApp message, the still-new reminder)
    # wants one more notice; one message tells every notice wanted so far. Its claim, retry time, the chats
    # already told on a retry, and the latest reason are the notice's own.
    tg_wanted: int = 0
    tg_told: int = 0
    tg_state: str = ""  # "", claimed, retry, sent, failed, unconfirmed, nobody (no member linked), off
    tg_until: datetime | None = None
    tg_attempts: int = 0
    tg_error: str = ""
    tg_reason: str = ""
    tg_chats: str = ""  # chat ids told on an earlier try of this notice, comma separated
    # "" for a complaint about the visit; "care" for a low answer to the next-day care message (its email also
    # goes to the visit's doctor). ``urgent``: the patient's words name pain, blood or fever.
    source: str = ""
    urgent: bool = False


# What a case's timeline records (``cases/timeline.py`` documents each kind).
@dataclass
class CaseEvent:
    """One thing that happened to a case: who did it, when, a short text and a little data."""

    clinic_id: str
    case_id: str
    event_id: str  # time-ordered: "<iso time>-<random>"
    kind: str
    at: datetime
    who: str = ""  # "patient", "system", or the director's email
    text: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class TelegramLink:
    """A member's Telegram chat, linked from the dashboard by a one-time code: where the clinic's alerts go."""

    clinic_id: str
    email: str
    chat_id: str
    username: str
    linked_at: datetime


# A reward's life: promised (when the invite SMS promised it) -> pending (answered) -> sending -> paid; failed
# (a passing problem, tried again) or rejected (for good, with the provider's reason); declined when the month's
# budget or the phone's limit left nothing to promise; expired when a promise was never answered (given back).
REWARD_STATES = ("promised", "pending", "sending", "paid", "failed", "rejected", "declined", "expired")


@dataclass
class Reward:
    """One phone-credit payment for one answer: the ledger row.

    ``reward_id`` is ``<month>/<visit id>``: the month of the visit's local day, which never changes, so the
    promise made with the SMS, the answer and every retry find the same row, and a month's rows share a prefix.
    """

    clinic_id: str
    reward_id: str
    visit_id: str
    phone: str
    amount_minor: int
    currency: str
    created_at: datetime
    status: str = "pending"
    provider: str = "manual"
    reference: str = ""  # the provider's transaction id, or the accountant's payment reference
    updated_at: datetime | None = None
    attempts: int = 0  # claims taken to pay it; only the first can skip looking the payment up
    claim_until: datetime | None = None  # a sending claim's end, or when a failed payment is tried again
    last_error: str = ""  # the provider's reason, or why the reward was declined ("budget", "phone_limit")
    paid_at: datetime | None = None
    settled_by: str = ""  # who marked a manual payment paid or rejected
    batch: str = ""  # the export that handed a manual payment to the accountant
    promised_until: datetime | None = None  # a promise not answered by then is given back to the budget

    @property
    def month(self) -> str:
        return self.reward_id[:7]


@dataclass
class RewardStanding:
    """What the page needs to promise a reward honestly: the month's committed sum and the phone's last reward."""

    committed_minor: int = 0
    phone_reward_id: str = ""
    phone_rewarded_at: datetime | None = None


@dataclass
class AuditEntry:
    """One settings change on the dashboard: who, when, and the clinic document before and after."""

    clinic_id: str
    entry_id: str  # time-ordered: "<iso time>-<random>"
    at: datetime
    who: str
    what: str
    before: str  # JSON
    after: str  # JSON
