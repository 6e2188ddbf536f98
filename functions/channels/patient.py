"""One function sends any message to a patient by their own channel: ``send_to_patient``.

WhatsApp goes as free-form text inside the 24 hours after the patient last wrote (free of charge), otherwise
as the clinic's approved template for that message. A permanent WhatsApp refusal (not on WhatsApp, a bad
number, a missing template, a token Meta refuses) sends the same words by SMS once, and the caller learns why;
a passing one (rate limits, Meta's outages) raises, and the caller retries later on WhatsApp.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from functions.channels.choice import NO_TEMPLATE, SMS, WHATSAPP, WHATSAPP_FAILED, Route
from functions.clinics.clinic import Clinic
from functions.services import Services
from functions.transports import Sms, TransportError
from functions.transports.base import WhatsApp

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = "131047"  # Meta: free-form text after the 24 hours; the template must go instead


@dataclass(frozen=True)
class PatientMessage:
    kind: str  # invite, reminder, reply, care: names the clinic's WhatsApp template
    phone: str
    text: str  # the SMS, and the WhatsApp text inside the 24 hours
    values: dict = field(default_factory=dict)  # what a template's parameters may name: clinic, link, reward…
    reference: str = ""  # "<clinic>/<visit>"
    sender_id: str = ""
    link_path: str = ""  # the link's end, for a template's URL button


@dataclass(frozen=True)
class Delivery:
    channel: str
    message_id: str
    note: str = ""  # why not the patient's own channel (choice.py), "" when it was
    error: str = ""  # WhatsApp's refusal, when it fell back to SMS


def template_message(clinic: Clinic, message: PatientMessage) -> WhatsApp | None:
    """The clinic's template for this message with its values, or None when it has none that fits
    (WhatsApp refuses an empty parameter: a message without a reward takes ``<kind>_plain``)."""
    templates = clinic.whatsapp.templates if clinic.whatsapp else {}
    for name in (message.kind, f"{message.kind}_plain"):
        template = templates.get(name)
        if template is None:
            continue
        params = tuple(str(message.values.get(p, "")) for p in template.params)
        if all(params) and (message.link_path or not template.button):
            return WhatsApp(to=message.phone, template=template.name, language=template.language, params=params,
                            button=message.link_path if template.button else "", reference=message.reference)
    return None


def whatsapp_message(services: Services, clinic: Clinic, message: PatientMessage, now: datetime) -> WhatsApp | None:
    """Free-form text while the patient's 24 hours are open, else the template (None: neither is possible)."""
    last = services.store.last_patient_message(clinic.id, message.phone, WHATSAPP)
    if last is not None and now - last < WINDOW:
        return WhatsApp(to=message.phone, text=message.text, reference=message.reference)
    return template_message(clinic, message)


def as_sms(services: Services, clinic: Clinic, message: PatientMessage) -> Sms:
    return Sms(to=message.phone, text=message.text, reference=message.reference,
               sender_id=message.sender_id or clinic.sender_id or services.settings.sms_sender_id)


def send_to_patient(services: Services, clinic: Clinic, message: PatientMessage, route: Route, now: datetime,
                    before: Callable[[str, str], object] | None = None) -> Delivery:
    """Send by ``route`` (WhatsApp, and SMS once when WhatsApp refuses for good); ``before(channel, note)`` runs
    before each send so a caller can record which provider to ask after a crash. Raises ``TransportError`` when
    nothing was sent: a passing error of WhatsApp (try WhatsApp again later), or the SMS's own error."""
    note, error = route.note, ""
    if route.channel == WHATSAPP:
        wa = whatsapp_message(services, clinic, message, now)
        if wa is None:
            note = NO_TEMPLATE
        else:
            if before:
                before(WHATSAPP, "")
            try:
                return Delivery(WHATSAPP, _send_whatsapp(services, clinic, message, wa))
            except TransportError as err:
                if not err.permanent:
                    raise
                note, error = WHATSAPP_FAILED, err.message
                log.warning("%s for %s by WhatsApp failed for good, by SMS instead: %s", message.kind,
                            message.reference or clinic.id, err.message)
    if before and (note or route.channel == WHATSAPP):
        before(SMS, note)
    return Delivery(SMS, services.sms.send(as_sms(services, clinic, message)), note, error)


def _send_whatsapp(services: Services, clinic: Clinic, message: PatientMessage, wa: WhatsApp) -> str:
    from functions.channels.secrets import SecretError

    try:
        transport = services.whatsapp_for(clinic)
    except SecretError as err:
        raise TransportError(f"WhatsApp: {err}", permanent=True) from None
    if transport is None:
        raise TransportError("WhatsApp: the clinic has no WhatsApp settings", permanent=True)
    try:
        return transport.send(wa)
    except TransportError as err:
        template = template_message(clinic, message)
        if err.code != OUTSIDE_WINDOW or not wa.free_form or template is None:
            raise
        # Our note of the patient's last message was wrong (or late): the template goes instead, once.
        return transport.send(template)


def lookup_sent(services: Services, clinic: Clinic, message: PatientMessage, channel: str, since: datetime,
                now: datetime) -> tuple[bool, str | None]:
    """After a crash mid-send: (whether the provider can tell, the message id if it left)."""
    if channel == WHATSAPP:
        transport = services.whatsapp_for(clinic)
        sent: object = whatsapp_message(services, clinic, message, now)
    else:
        transport, sent = services.sms, as_sms(services, clinic, message)
    lookup = getattr(transport, "find_sent", None)
    if lookup is None or sent is None:
        return False, None
    return True, lookup(sent, since)
