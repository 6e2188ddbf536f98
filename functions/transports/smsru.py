"""SMS through SMS.ru's HTTP API (``POST https://sms.ru/sms/send`` with ``json=1``)."""

from __future__ import annotations

from typing import Any

from functions.transports.base import Sms, TransportError
from functions.transports.http import json_of, post, session

URL = "https://sms.ru/sms/send"
# Codes where this message to this number cannot succeed by trying again: a bad number, no text,
# a text too long, a number that may not be texted, or one the patient put on the stop list.
# Everything else (money, limits, sender approval, keys, outages) passes with time or the operator.
PERMANENT = {202, 203, 205, 207, 209}


class SmsRuSms:
    def __init__(self, api_id: str, *, test: bool = False, http: Any = None) -> None:
        self.api_id = api_id
        self.test = test
        self.http = http or session()

    def send(self, sms: Sms) -> str:
        number = sms.to.lstrip("+")
        form = {"api_id": self.api_id, "to": number, "msg": sms.text, "json": 1}
        if sms.sender_id:
            form["from"] = sms.sender_id
        if self.test:
            form["test"] = 1
        body = json_of(post(self.http, "SMS.ru", URL, data=form), "SMS.ru")
        if body.get("status") != "OK":
            raise self._error(body)
        entry = (body.get("sms") or {}).get(number)
        if not isinstance(entry, dict):
            raise TransportError("SMS.ru answered without a result for the number")
        if entry.get("status") != "OK":
            raise self._error(entry)
        return str(entry.get("sms_id", ""))

    @staticmethod
    def _error(part: dict) -> TransportError:
        code = part.get("status_code")
        text = part.get("status_text", "")
        return TransportError(f"SMS.ru {code}: {text}".strip(), permanent=code in PERMANENT)
