"""What the next-day care message asks of the store: its claim per visit (with the phone's repeat rule), plus
what sending an invite, taking an answer and opening a case already ask."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.answers.store import AnswerStore
from functions.cases.store import CaseStore
from functions.invites.store import SendingStore
from functions.store.patient_records import CareMessage


class CareStore(SendingStore, AnswerStore, CaseStore, Protocol):
    # The care messages already started for these visits (by visit id).
    def care_messages(self, clinic_id: str, visit_ids: list[str]) -> dict[str, CareMessage]: ...
    # The claim before the SMS: succeeds for a visit with none yet, or one whose claim or retry time passed, and
    # returns the token its link uses (an earlier one is kept). With ``repeat_since`` the same write takes the
    # phone: ``PhoneRecentlyInvited`` when another visit's care message went to it since then.
    def claim_care(self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime, *,
                   phone: str, expires_at: datetime, repeat_since: datetime | None = None) -> str | None: ...
    def finish_care(self, clinic_id: str, visit_id: str, token: str, state: str, now: datetime, *,
                    message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool: ...
