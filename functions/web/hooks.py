"""Provider webhooks: delivery statuses and STOP replies. Unknown messages are answered 200, so a
provider never retries forever; a request that fails its signature is refused and changes nothing."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from functions.errors import FunnelError
from functions.inbound import FINAL_STATUSES, is_stop, parse_reference, valid_twilio_request
from functions.services import Services, utcnow
from functions.store.base import EVERY_CLINIC
from functions.visits import RowError, parse_phone

log = logging.getLogger(__name__)
bp = Blueprint("hooks", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _services() -> Services:
    return current_app.extensions["otklik"]


def _check_twilio() -> None:
    settings = _services().settings
    # The URL Twilio signed is the one we gave it: our public API address, not what a proxy forwards.
    url = settings.hooks_base + request.full_path.rstrip("?")
    params = list(request.form.items(multi=True))
    if not valid_twilio_request(settings.twilio_auth_token, url, params, request.headers.get("X-Twilio-Signature", "")):
        raise FunnelError(403, "bad_signature", "The request is not signed by Twilio.")


@bp.post("/hooks/twilio/status")
def twilio_status():
    _check_twilio()
    status = request.form.get("MessageStatus", "")
    target = parse_reference(request.args.get("ref", ""))
    if target and status in FINAL_STATUSES:
        known = _services().store.record_delivery(*target, status, utcnow())
        if not known:
            log.info("twilio status for an unknown visit")
    return Response("", status=200)


@bp.post("/hooks/twilio/inbound")
def twilio_inbound():
    _check_twilio()
    if is_stop(request.form.get("Body", "")):
        try:
            phone, _ = parse_phone(request.form.get("From", ""), "RU")
        except RowError:
            phone = ""
        if phone:
            # Our sender is shared by every clinic, so a STOP to it holds for all of them, at once.
            _services().store.add_optout(EVERY_CLINIC, phone, utcnow())
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
