"""The directors' fast path: a case's alert, words, WhatsApp messages and the still-new reminder reach every
linked member's Telegram at once, with buttons that act on the case.

Email stays the record; this is its own claim on the case (``tg_*``), so either failing never holds up or
loses the other. One message tells every notice wanted so far. A chat told on an earlier try is not told
again; a claim left by a run that died mid-send is settled ``unconfirmed`` (Telegram cannot say whether the
message left, and a director must not get it twice): the email still carries the alert.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import cache

from functions.cases.alerts import case_link
from functions.cases.kinds import CHANGED, kind_name
from functions.cases.timeline import record
from functions.channels.buttons import button_data, case_ref
from functions.clinics.clinic import Clinic
from functions.services import Services, backoff
from functions.store import Case, Visit
from functions.texts import TEMPLATES, render
from functions.transports import TransportError
from functions.transports.base import Button, Telegram

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12  # passing failures (429, Telegram's outages) are retried with backoff, up to about 8 hours
TEXT_LIMIT = 4000  # Telegram takes 4096 characters per message


@cache
def bot_words(locale: str) -> dict:
    return json.loads((TEMPLATES / "channels" / locale / "telegram.json").read_text(encoding="utf-8"))


def _taken_back(case: Case) -> bool:
    return case.status == "resolved" and case.outcome == CHANGED


def notice_due(clinic: Clinic, case: Case, now: datetime) -> bool:
    """A notice is wanted and may go now: the first waits with the email for the words (the clinic's wait)."""
    if clinic.telegram is None or case.tg_wanted <= case.tg_told or (_taken_back(case) and not case.tg_told):
        return False
    if case.tg_state in ("claimed", "retry"):
        return case.tg_until is None or case.tg_until < now
    return bool(case.tg_told or case.email_state or case.text or case.alert_at is None or case.alert_at <= now)


def notice_time(clinic: Clinic, case: Case, now: datetime) -> datetime | None:
    """When the sweep should look at the case for its notice (None: nothing to tell)."""
    if clinic.telegram is None or case.tg_wanted <= case.tg_told or (_taken_back(case) and not case.tg_told):
        return None
    if case.tg_state in ("claimed", "retry"):
        return case.tg_until or now
    return now if notice_due(clinic, case, now) else case.alert_at


def buttons(services: Services, clinic: Clinic, case: Case, stage: str = "") -> tuple[tuple[Button, ...], ...]:
    """The case's buttons as it stands: call and close while open, the outcome when closing, the page always."""
    said = bot_words(clinic.locale)["buttons"]
    ref = case_ref(services, clinic.id, case.case_id)
    services.store.put_case_ref(ref, clinic.id, case.case_id)
    page = (Button(said["open"], url=case_link(services, clinic.id, case.case_id)),)
    if case.status == "resolved":
        return (page,)
    if stage == "close":
        return ((Button(said["ret"], data=button_data(services, "ret", ref)),
                 Button(said["lost"], data=button_data(services, "lost", ref))),
                (Button(said["back"], data=button_data(services, "back", ref)),))
    first = [] if case.status == "contacted" else [Button(said["call"], data=button_data(services, "call", ref))]
    return ((*first, Button(said["close"], data=button_data(services, "close", ref))), page)


def alert_text(services: Services, clinic: Clinic, case: Case, visit: Visit, reason: str) -> str:
    """The case as it stands: why now, the score and words, the latest WhatsApp messages, how to reach them."""
    contact = services.store.contacts(clinic.id, [visit.phone]).get(visit.phone)
    messages = [e.text for e in services.store.case_events(clinic.id, case.case_id) if e.kind == "whatsapp_in"]
    text = render(f"channels/{clinic.locale}/telegram_alert.txt", words=bot_words(clinic.locale), reason=reason,
                  clinic=clinic.name, branch=visit.branch, score=case.score, kind=kind_name(clinic.locale, case.kind),
                  text=case.text, messages=messages[-3:], patient=visit.patient_name, phone=visit.phone,
                  contact=render(f"emails/{clinic.locale}/contact.txt", contact=contact) if contact else "",
                  visit_time=visit.visit_at.astimezone(clinic.zone).strftime("%d.%m.%Y %H:%M"), doctor=visit.doctor,
                  status=case.status, contacted_by=case.contacted_by)
    return text[:TEXT_LIMIT]


def notify_directors(services: Services, clinic: Clinic, case: Case, visit: Visit, now: datetime) -> str:
    """Claim the case's notice, tell every linked member, record the outcome: sent, retry, failed, nobody."""
    store = services.store
    before = store.claim_case_notice(clinic.id, case.case_id, now, services.claim_until(now))
    if before is None:
        return "claimed_elsewhere"
    current = store.get_case(clinic.id, case.case_id) or before
    told = current.tg_wanted
    if before.tg_state == "claimed":
        error = "a run stopped mid-send; Telegram cannot say whether it left, so it is not sent again"
        store.finish_case_notice(clinic.id, case.case_id, "unconfirmed", now, told=told, error=error)
        record(store, current, "telegram_failed", now, text=error, state="unconfirmed")
        return "unconfirmed"
    members = store.members(clinic.id)
    links = [link for link in store.telegram_links(clinic.id) if link.email in members]
    if not links:
        store.finish_case_notice(clinic.id, case.case_id, "nobody", now, told=told)
        return "nobody"
    done = {c for c in before.tg_chats.split(",") if c}
    failures: list[TransportError] = []
    try:
        transport = services.telegram_for(clinic)
        # The first notice is the complaint itself, whatever joined it before it went (words, a changed score).
        reason = (current.tg_reason if before.tg_told else "") or "complaint"
        message = Telegram("", alert_text(services, clinic, current, visit, reason), buttons(services, clinic, current))
    except Exception as err:  # a secret that cannot be read, a template error: the email still goes
        failures.append(TransportError(f"Telegram: {err}", permanent=True))
        transport, message = None, None
    for link in links if transport is not None and message is not None else []:
        if link.chat_id in done:
            continue
        try:
            transport.send(Telegram(link.chat_id, message.text, message.buttons))
            done.add(link.chat_id)
        except TransportError as err:
            failures.append(err)
            log.warning("Telegram alert for case %s/%s to a member: %s", clinic.id, case.case_id, err.message)
    return _settle(services, clinic, current, before, told, done, failures, now)


def _settle(services: Services, clinic: Clinic, case: Case, before: Case, told: int, done: set[str],
            failures: list[TransportError], now: datetime) -> str:
    store = services.store
    error = "; ".join(f.message for f in failures)[:500]
    if any(not f.permanent for f in failures) and before.tg_attempts + 1 < MAX_ATTEMPTS:
        store.finish_case_notice(clinic.id, case.case_id, "retry", now, told=told, chats=",".join(sorted(done)),
                                 error=error, retry_at=now + backoff(before.tg_attempts + 1))
        record(store, case, "telegram_failed", now, text=error, state="retry", to=len(done))
        return "retry"
    state = "sent" if done else "failed"
    store.finish_case_notice(clinic.id, case.case_id, state, now, told=told, error=error)
    if done:
        record(store, case, "telegram_sent", now, to=len(done), reason=(case.tg_reason if before.tg_told else "")
               or "complaint")
    if failures:
        record(store, case, "telegram_failed", now, text=error, state="failed" if not done else "partly")
    return state
