"""What sending invites asks of the store: claims, outcomes, reminders, delivery, opt-outs and the daily cap."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.dashboard.store import CounterStore
from functions.rewards.store import RewardPromises
from functions.store.records import Invite
from functions.visits.store import ContactStore, VisitReads


class InviteReads(Protocol):
    def get_invite(self, token: str) -> Invite | None: ...


class OptOuts(Protocol):
    # Opt-outs under the scope ``EVERY_CLINIC`` hold for every clinic (a STOP reply to the shared sender).
    def add_optout(self, scope: str, phone: str, now: datetime) -> None: ...
    # The phones opted out of this clinic or of every clinic.
    def opted_out(self, clinic_id: str, phones: list[str]) -> set[str]: ...


class SendingStore(VisitReads, ContactStore, InviteReads, OptOuts, RewardPromises, CounterStore, Protocol):
    # Invites. ``claim_invite`` is the conditional write that starts an SMS: it succeeds
    # for a visit with no invite yet, or one whose earlier claim or retry time has passed,
    # and returns the token that the invite uses (an earlier one is kept).
    #
    # With ``phone`` and ``repeat_since``, the same write also takes the phone for this clinic: it
    # fails with ``PhoneRecentlyInvited`` when another visit of the phone was invited since then.
    def claim_invite(
        self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime,
        *, phone: str = "", repeat_since: datetime | None = None,
    ) -> str | None: ...
    def finish_invite(
        self,
        clinic_id: str,
        visit_id: str,
        token: str,
        state: str,
        now: datetime,
        *,
        message_id: str = "",
        error: str = "",
        retry_at: datetime | None = None,
    ) -> bool: ...
    # The channel a claimed invite is about to go by, written before the send so a run that takes over a dead
    # one's claim asks the right provider; False when the claim is no longer this token's.
    def note_invite_channel(self, clinic_id: str, visit_id: str, token: str, channel: str, note: str) -> bool: ...
    # WhatsApp said a sent invite failed for good (after accepting it): the invite is due again by SMS, once
    # (only while it is still that message, sent by WhatsApp).
    def reroute_invite(self, clinic_id: str, visit_id: str, message_id: str, note: str, now: datetime) -> bool: ...
    # Reminder ``number`` (1, 2) of a sent invite: claimed when the previous one is the last sent,
    # given back (for the next run) when its send failed for a passing reason.
    def claim_reminder(self, clinic_id: str, visit_id: str, number: int) -> bool: ...
    def release_reminder(self, clinic_id: str, visit_id: str, number: int) -> None: ...
    # The provider's final delivery status for a sent invite; False for an unknown visit or a repeat.
    def record_delivery(self, clinic_id: str, visit_id: str, status: str, now: datetime) -> bool: ...
    # The visit a provider's message id belongs to (recorded when the invite is marked sent).
    def find_message(self, message_id: str) -> tuple[str, str] | None: ...
    def put_invite(self, invite: Invite) -> bool: ...
    # The daily cap: a run reserves up to ``wanted`` sends for the clinic's day and gives back what it
    # did not use; overlapping runs never reserve more than ``cap`` together.
    def reserve_sends(self, clinic_id: str, day: str, wanted: int, cap: int) -> int: ...
    def release_sends(self, clinic_id: str, day: str, unused: int) -> None: ...
