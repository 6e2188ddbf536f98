"""What the bot is told (already authenticated by its webhook secret): ``/start <code>`` links the member's chat,
``/stop`` unlinks it, and a press of an alert's button acts on the case — only for a member of that case's
clinic, whose chat is linked to it, through data we signed. Anything else is answered with a short help."""

from __future__ import annotations

import logging
from datetime import datetime

from functions.cases.moves import mark_contacted, resolve
from functions.channels.buttons import read_data
from functions.channels.telegram_alerts import bot_words, buttons
from functions.channels.telegram_links import use_code
from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.store import Case
from functions.transports import TransportError
from functions.transports.base import Telegram

log = logging.getLogger(__name__)


def take_update(services: Services, clinic: Clinic, update: dict, now: datetime) -> str:
    press = update.get("callback_query")
    if isinstance(press, dict):
        return _press(services, clinic, press, now)
    message = update.get("message")
    if isinstance(message, dict):
        return _command(services, clinic, message, now)
    return "ignored"


def _say(services: Services, clinic: Clinic, chat_id: str, text: str) -> None:
    transport = services.telegram_for(clinic)
    try:
        if transport is not None:
            transport.send(Telegram(chat_id, text))
    except TransportError as err:
        log.warning("Telegram answer for clinic %s not sent: %s", clinic.id, err.message)


def _command(services: Services, clinic: Clinic, message: dict, now: datetime) -> str:
    chat = message.get("chat") or {}
    chat_id, text = str(chat.get("id", "")), str(message.get("text") or "").strip()
    words = bot_words(clinic.locale)
    if not chat_id:
        return "ignored"
    command, _, argument = text.partition(" ")
    command = command.split("@", 1)[0]  # "/start@bot" in a group
    if command == "/start" and argument:
        if chat.get("type") != "private":
            # In a group, anyone there could press a director's buttons: alerts go to a person's own chat only.
            _say(services, clinic, chat_id, words["not_private"])
            return "not_private"
        username = str((message.get("from") or {}).get("username") or "")
        linked = use_code(services, clinic, argument.strip(), chat_id, username, now)
        if linked is None:
            _say(services, clinic, chat_id, words["bad_code"])
            return "bad_code"
        link, its_clinic = linked
        _say(services, clinic, chat_id, bot_words(its_clinic.locale)["linked"].format(clinic=its_clinic.name))
        return "linked"
    if command == "/stop":
        for link in services.store.chat_links(chat_id):
            services.store.unlink_telegram(link.clinic_id, link.email)
        _say(services, clinic, chat_id, words["stopped"])
        return "stopped"
    _say(services, clinic, chat_id, words["help"])
    return "help"


def _allowed(services: Services, presser: str, ref: str) -> tuple[Clinic, Case, str] | None:
    """The case a button names, if the presser's own chat is linked to its clinic and they are still a member."""
    store = services.store
    target = store.case_ref(ref)
    if target is None or not presser:
        return None
    link = next((x for x in store.chat_links(presser) if x.clinic_id == target[0]), None)
    clinic = services.clinic(target[0]) if link else None
    if link is None or clinic is None or store.memberships(link.email).get(clinic.id) is None:
        return None
    case = store.get_case(*target)
    return None if case is None else (clinic, case, link.email)


def _press(services: Services, bot_clinic: Clinic, press: dict, now: datetime) -> str:
    transport = services.telegram_for(bot_clinic)
    press_id = str(press.get("id", ""))
    message = press.get("message") or {}
    chat_id, message_id = str((message.get("chat") or {}).get("id", "")), str(message.get("message_id", ""))
    signed = read_data(services, str(press.get("data", "")))
    found = _allowed(services, str((press.get("from") or {}).get("id", "")), signed[1]) if signed else None
    if signed is None or found is None:
        _answer(transport, press_id, bot_words(bot_clinic.locale)["no_access"])
        log.info("a Telegram button press refused (%s)", "unsigned" if signed is None else "no access")
        return "refused"
    clinic, case, email = found
    words = bot_words(clinic.locale)
    action, stage, said = signed[0], "", ""
    if action == "call":
        said = words["contacted" if mark_contacted(services, case, email, now, by="telegram") else "already"]
    elif action in ("ret", "lost"):
        done = resolve(services, case, email, action == "ret", now, by="telegram")
        said = words[("returned" if action == "ret" else "not_returned") if done else "already"]
    elif action == "close":
        stage, said = "close", words["choose"]
    _answer(transport, press_id, said)
    try:
        if transport is not None and chat_id and message_id:
            current = services.store.get_case(clinic.id, case.case_id) or case
            transport.edit_buttons(chat_id, message_id, buttons(services, clinic, current, stage))
    except TransportError as err:
        log.warning("Telegram buttons of case %s/%s not changed: %s", clinic.id, case.case_id, err.message)
    return action


def _answer(transport, press_id: str, text: str) -> None:
    try:
        if transport is not None and press_id:
            transport.answer(press_id, text)
    except TransportError as err:
        log.warning("Telegram press not answered: %s", err.message)
