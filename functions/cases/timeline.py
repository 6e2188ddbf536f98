"""A case's timeline: everything that happened to it, in order, for the dashboard and the weekly look back.

An event is ``kind`` (what), ``at`` (when), ``who`` ("patient", "system" or a director's email), a short
``text`` (the patient's words, an email's error, an SMS's text) and a little ``data`` (numbers and codes).
It is appended by whoever did the thing, after the thing is stored: the case record stays the truth for
what is due, the timeline tells its story. New channels add their own kinds (a WhatsApp message, a
Telegram action) without any change here; the store keeps whatever kind it is given.

| kind             | who            | text                    | data                                  |
|------------------|----------------|-------------------------|---------------------------------------|
| created          | patient        |                         | score                                 |
| score_changed    | patient        |                         | from, to; closed / reopened: true     |
| words            | patient        | the patient's words     |                                       |
| alert_sent       | system         |                         | to (how many directors)               |
| alert_failed     | system         | the transport's error   | state: retry or failed                |
| followup_sent    | system         |                         | score, words: true when they were new |
| followup_failed  | system         | the transport's error   | state                                 |
| reminder_sent    | system         |                         |                                       |
| reply_sms        | director email | the SMS as sent         | segments, encoding, state; note       |
| reply_whatsapp   | director email | the reply as sent       | segments, encoding, state             |
| contacted        | director email |                         | by: sms, whatsapp or telegram         |
| resolved         | director email |                         | outcome; by: telegram                 |
| reopened         | director email |                         |                                       |
| kind_changed     | director email |                         | from, to                              |
| whatsapp_in      | patient        | their WhatsApp message  | sent_at (the patient's own time)      |
| telegram_sent    | system         |                         | to (how many chats), reason           |
| telegram_failed  | system         | the transport's error   | state: retry, failed, partly, unconfirmed |
| care_low         | patient        |                         | score (a low answer to the care message) |
| marked_urgent    | system         |                         | (the words name pain, blood or fever)  |
"""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from functions.cases.store import CaseStore
from functions.store.base import iso
from functions.store.records import Case, CaseEvent

PATIENT, SYSTEM = "patient", "system"
TEXT_LIMIT = 2000
# Events of one moment (an SMS sent, and so the case contacted) keep the order they were recorded in.
_sequence = itertools.count()


def record(store: CaseStore, case: Case, kind: str, at: datetime, *, who: str = SYSTEM, text: str = "",
           **data: object) -> CaseEvent:
    """Append one event to the case's timeline; the id sorts by time, then by the order of recording."""
    event_id = f"{iso(at)}-{next(_sequence) % 10**8:08d}{secrets.token_hex(2)}"
    event = CaseEvent(clinic_id=case.clinic_id, case_id=case.case_id, event_id=event_id,
                      kind=kind, at=at, who=who, text=text[:TEXT_LIMIT], data=dict(data))
    store.add_case_event(event)
    return event
