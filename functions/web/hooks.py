"""Provider webhooks: delivery statuses and STOP replies. Unknown messages are answered 200, so a
provider never retries forever; a request that fails its signature is refused and changes nothing."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, request

from functions.dashboard.counters import count
from functions.errors import FunnelError
from functions.invites.inbound import FINAL_STATUSES, is_stop, parse_reference, valid_twilio_request
from functions.services import Services, utcnow
from functions.store.base import EVERY_CLINIC
from functions.visits.fields import RowError, parse_phone

log = logging.getLogger(__name__)
bp = Blueprint("hooks", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _services() -> Services:
    return current_app.extensions["otklik"]


def _delivered(clinic_id: str, visit_id: str, status: str) -> bool:
    """Record the provider's final word; a first "delivered" is counted for the dashboard."""
    store = _services().store
    changed = store.record_delivery(clinic_id, visit_id, status, utcnow())
    visit = store.get_visit(clinic_id, visit_id) if changed and status == "delivered" else None
    if visit is not None:
        count(store, visit, delivered=1)
    return changed


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
    if target and status in FINAL_STATUSES and not _delivered(*target, status):
        log.info("twilio status for an unknown visit, or a repeat")
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


# SMS.ru's final statuses: 103 delivered; 104-108 and 150 not delivered (expired, deleted, phone
# fault, unknown, rejected, no route). The rest (in the queue, sent to the operator) change nothing.
SMSRU_FINAL = {"103": "delivered", "104": "undelivered", "105": "undelivered", "106": "undelivered",
               "107": "undelivered", "108": "failed", "150": "failed"}


@bp.post("/hooks/smsru/<secret>")
def smsru_status(secret: str):
    """SMS.ru posts data[] lines "sms_status\\n<sms_id>\\n<code>\\n<time>" and wants "100" back. It signs
    nothing, so the callback address carries a secret only we and the SMS.ru account know."""
    services = _services()
    expected = services.settings.smsru_callback_secret
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise FunnelError(404, "not_found", "No such callback.")
    for name, value in request.form.items(multi=True):
        if not name.startswith("data"):
            continue
        lines = value.replace("\r", "").split("\n")
        if len(lines) < 3 or lines[0] != "sms_status" or lines[2] not in SMSRU_FINAL:
            continue
        target = services.store.find_message(lines[1])
        if target:
            _delivered(*target, SMSRU_FINAL[lines[2]])
    return Response("100", status=200, mimetype="text/plain")
