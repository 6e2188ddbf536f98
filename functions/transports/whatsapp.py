"""WhatsApp through Meta's Cloud API: ``POST /{phone-number-id}/messages`` on the Graph API.

Plain ``requests`` (already here for the SMS providers) rather than a client library: two request shapes
(a template, a text) and one error format are all the funnel needs, and the Lambda pays for every import.
"""

from __future__ import annotations

from typing import Any

from functions.transports.base import TransportError, WhatsApp
from functions.transports.http import json_of, post, session

GRAPH = "https://graph.facebook.com/{version}/{number}/messages"
# Graph error codes that pass with time: rate limits (4, 80007, 130429, 131048 spam rate, 131056 pair rate),
# Meta's own trouble (1, 2, 131000, 131016 service unavailable, 133004 server temporarily unavailable).
PASSING = {"1", "2", "4", "17", "341", "80007", "130429", "131000", "131016", "131048", "131056", "133004"}
# Free-form text outside the 24 hours after the patient last wrote: the template must go instead.
OUTSIDE_WINDOW = "131047"


def wa_number(phone: str) -> str:
    """The Cloud API takes the number in international form without the plus."""
    return phone.lstrip("+")


def request_body(message: WhatsApp) -> dict[str, Any]:
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                            "to": wa_number(message.to)}
    if message.free_form:
        body.update(type="text", text={"preview_url": False, "body": message.text})
        return body
    components: list[dict[str, Any]] = []
    if message.params:
        components.append({"type": "body", "parameters": [{"type": "text", "text": p} for p in message.params]})
    if message.button:
        components.append({"type": "button", "sub_type": "url", "index": "0",
                           "parameters": [{"type": "text", "text": message.button}]})
    template: dict[str, Any] = {"name": message.template, "language": {"code": message.language}}
    if components:
        template["components"] = components
    body.update(type="template", template=template)
    return body


class CloudWhatsApp:
    """One clinic's WhatsApp Business number. The token is a bearer credential: it goes in a header, never in
    a URL or a message of ours (errors name Meta's code and words only)."""

    def __init__(self, phone_number_id: str, token: str, *, version: str = "v23.0", http: Any = None) -> None:
        self.url = GRAPH.format(version=version, number=phone_number_id)
        self.token = token
        self.http = http or session()

    def send(self, message: WhatsApp) -> str:
        if not self.token:
            raise TransportError("WhatsApp: no access token configured", permanent=True, code="no_token")
        answer = post(self.http, "WhatsApp", self.url, json=request_body(message),
                      headers={"Authorization": f"Bearer {self.token}"})
        body = json_of(answer, "WhatsApp")
        error = body.get("error")
        if answer.status_code >= 400 or isinstance(error, dict):
            raise self._error(error if isinstance(error, dict) else {}, answer.status_code)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise TransportError("WhatsApp answered without a message id")
        return str(messages[0].get("id", ""))

    @staticmethod
    def _error(error: dict, status: int) -> TransportError:
        code = str(error.get("code", ""))
        details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
        words = str(details or error.get("message") or f"HTTP {status}")[:300]
        return TransportError(f"WhatsApp {code or status}: {words}", permanent=code not in PASSING, code=code)
