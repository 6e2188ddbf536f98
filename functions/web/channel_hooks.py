"""The channels' webhooks, one address per clinic (so each clinic's own secrets check its own traffic).

``GET /hooks/whatsapp/<clinic>``: Meta's verification handshake (``hub.verify_token``). ``POST`` the same:
statuses and messages, signed with the app secret (``X-Hub-Signature-256``). ``POST /hooks/telegram/<clinic>``:
the bot's updates, with the secret we gave ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``. A request
that fails its check is refused with 403 before anything is read or changed; a good one is answered 200 even
when it names nothing we know, so the provider does not retry it forever.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, request

from functions.channels.secrets import SecretError
from functions.clinics.clinic import Clinic
from functions.errors import FunnelError
from functions.services import Services, utcnow
from functions.web.errors import json_body

log = logging.getLogger(__name__)
bp = Blueprint("channel_hooks", __name__)


def _services() -> Services:
    return current_app.extensions["otklik"]


def _clinic(clinic_id: str, channel: str) -> Clinic:
    clinic = _services().clinic(clinic_id) if len(clinic_id) <= 40 else None
    if clinic is None or getattr(clinic, channel) is None:
        raise FunnelError(404, "not_found", f"No {channel} webhook here.")
    return clinic


def _secret(stored: str, default: str) -> str:
    try:
        return _services().secret(stored, default)
    except SecretError:
        log.warning("a channel secret cannot be read with FUNNEL_SETTINGS_KEY: every request is refused")
        return ""


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# A provider may batch many statuses into one update; still, one reader with its depth limit reads them all.
UPDATE_LIMIT = 1024 * 1024


def _json() -> dict:
    return json_body(limit=UPDATE_LIMIT)


@bp.get("/hooks/whatsapp/<clinic_id>")
def whatsapp_handshake(clinic_id: str) -> Response:
    clinic = _clinic(clinic_id, "whatsapp")
    expected = _secret(clinic.whatsapp.verify_token, _services().settings.whatsapp_verify_token)
    if request.args.get("hub.mode") != "subscribe" or not _same(request.args.get("hub.verify_token", ""), expected):
        raise FunnelError(403, "bad_verify_token", "The verify token does not match this clinic's.")
    return Response(request.args.get("hub.challenge", ""), status=200, mimetype="text/plain")


@bp.post("/hooks/whatsapp/<clinic_id>")
def whatsapp_update(clinic_id: str) -> Response:
    from functions.channels.whatsapp_in import take_update, valid_signature

    clinic = _clinic(clinic_id, "whatsapp")
    app_secret = _secret(clinic.whatsapp.app_secret, _services().settings.whatsapp_app_secret)
    body = request.get_data(cache=True)
    if not valid_signature(app_secret, body, request.headers.get("X-Hub-Signature-256", "")):
        raise FunnelError(403, "bad_signature", "The request is not signed with this clinic's app secret.")
    done = take_update(_services(), clinic, _json(), utcnow())
    log.info("whatsapp update for %s: %s", clinic.id, done)
    return Response("ok", status=200, mimetype="text/plain")


@bp.post("/hooks/telegram/<clinic_id>")
def telegram_update(clinic_id: str) -> Response:
    from functions.channels.telegram_bot import take_update

    clinic = _clinic(clinic_id, "telegram")
    expected = _secret(clinic.telegram.webhook_secret, _services().settings.telegram_webhook_secret)
    if not _same(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), expected):
        raise FunnelError(403, "bad_secret", "The request does not carry this bot's webhook secret.")
    outcome = take_update(_services(), clinic, _json(), utcnow())
    log.info("telegram update for %s: %s", clinic.id, outcome)
    return Response("{}", status=200, mimetype="application/json")
