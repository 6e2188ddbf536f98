"""What a clinic's WhatsApp number is told: delivery statuses onto the invite, and the patients' messages.

«STOP»/«СТОП» opts the number out of every clinic and channel at once; any other words from a patient with an
open case join that case's timeline and reach the directors (a follow-up email, and Telegram at once). Meta
may deliver an update twice: each message is taken once (a one-time mark on its id).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from functions.cases.lifecycle import deliver
from functions.cases.timeline import PATIENT, record
from functions.channels.choice import WHATSAPP, WHATSAPP_FAILED
from functions.channels.patient import WINDOW
from functions.clinics.clinic import Clinic
from functions.dashboard.counters import count
from functions.invites.inbound import is_stop
from functions.services import Services
from functions.store.base import EVERY_CLINIC
from functions.texts import render
from functions.transports import TransportError
from functions.transports.base import WhatsApp
from functions.transports.whatsapp import PASSING

log = logging.getLogger(__name__)
SEEN_FOR = timedelta(days=7)  # Meta retries an unanswered update for days; a repeat within a week is ignored


def valid_signature(app_secret: str, body: bytes, header: str) -> bool:
    """Meta's X-Hub-Signature-256: "sha256=" + the hex HMAC-SHA256 of the raw body under the app secret."""
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _when(raw: object, now: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(raw)), UTC)
    except (TypeError, ValueError, OverflowError):
        return now


def take_update(services: Services, clinic: Clinic, payload: dict, now: datetime) -> dict[str, int]:
    """Act on one webhook body (already authenticated); anything unknown is skipped, never refused."""
    done = {"statuses": 0, "messages": 0}
    number = clinic.whatsapp.phone_number_id if clinic.whatsapp else ""
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or (value.get("metadata") or {}).get("phone_number_id") != number:
                continue  # another number's news: not this clinic's to act on
            for status in value.get("statuses") or []:
                done["statuses"] += _status(services, clinic, status, now) if isinstance(status, dict) else 0
            for message in value.get("messages") or []:
                done["messages"] += _message(services, clinic, message, now) if isinstance(message, dict) else 0
    return done


def _status(services: Services, clinic: Clinic, status: dict, now: datetime) -> int:
    store = services.store
    target = store.find_message(str(status.get("id", "")))
    if target is None or target[0] != clinic.id:
        return 0  # a reminder, a reply, or not ours: nothing is kept about those
    state = status.get("status")
    if state in ("delivered", "read"):
        # "read" may come without "delivered" (lost, or late): either means it reached the phone.
        if store.record_delivery(*target, "delivered", now):
            visit = store.get_visit(*target)
            if visit is not None:
                count(store, visit, delivered=1)
        return 1
    if state != "failed":
        return 0
    errors = status.get("errors") or [{}]
    code = str(errors[0].get("code", "")) if isinstance(errors[0], dict) else ""
    # Accepted, then refused for good (131026: not on WhatsApp): the invite goes again by SMS, once.
    if code not in PASSING and store.reroute_invite(*target, str(status["id"]), WHATSAPP_FAILED, now):
        log.warning("invite %s/%s: WhatsApp gave up (%s); it goes by SMS at the next dispatch", *target, code)
        return 1
    store.record_delivery(*target, "failed", now)
    return 1


def _words(message: dict) -> str:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body", ""))
    if kind == "button":
        return str((message.get("button") or {}).get("text", ""))
    if kind == "interactive":
        reply = (message.get("interactive") or {})
        return str((reply.get("button_reply") or reply.get("list_reply") or {}).get("title", ""))
    return f"[{kind}]"  # a photo, a voice note: the director sees that one came and calls


def _message(services: Services, clinic: Clinic, message: dict, now: datetime) -> int:
    store = services.store
    sender, message_id = str(message.get("from", "")), str(message.get("id", ""))
    if not sender.isdigit() or not message_id or not store.mark_once("whatsapp-in", message_id, now, now + SEEN_FOR):
        return 0
    phone, at, words = f"+{sender}", _when(message.get("timestamp"), now), _words(message).strip()
    store.note_patient_message(clinic.id, phone, WHATSAPP, at)
    if is_stop(words):
        # The clinic's number is the patient's way to say it: no clinic of ours writes to them again, by any channel.
        store.add_optout(EVERY_CLINIC, phone, now)
        _answer(services, clinic, phone, "stopped", now)
        return 1
    case_id = store.case_of_phone(clinic.id, phone)
    case = store.get_case(clinic.id, case_id) if case_id else None
    visit = store.get_visit(clinic.id, case.visit_id) if case else None
    if case is None or visit is None or case.status == "resolved":
        if store.mark_once("whatsapp-hello", f"{clinic.id}/{phone}", now, now + WINDOW):
            _answer(services, clinic, phone, "no_case", now)
        return 1
    # On the timeline when it reached us: the directors' emails tell what came after their last one.
    record(store, case, "whatsapp_in", now, who=PATIENT, text=words, sent_at=at.isoformat(timespec="seconds"))
    # One more follow-up email once the alert went (the words ride in the alert otherwise), and Telegram at once.
    store.amend_case(clinic.id, case.case_id, {"kind": case.kind}, now)
    store.want_case_notice(clinic.id, case.case_id, "whatsapp", now)
    deliver(services, clinic, case.case_id, visit, now)
    return 1


def _answer(services: Services, clinic: Clinic, phone: str, what: str, now: datetime) -> None:
    """A short free-form answer (the patient just wrote, so the 24 hours are open and it costs nothing)."""
    transport = services.whatsapp_for(clinic)
    text = render(f"channels/{clinic.locale}/whatsapp_{what}.txt", clinic=clinic.name, phone=clinic.phone)
    try:
        if transport is not None:
            transport.send(WhatsApp(to=phone, text=text))
    except TransportError as err:
        log.warning("WhatsApp answer (%s) for clinic %s not sent: %s", what, clinic.id, err.message)
