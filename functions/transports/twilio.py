"""SMS through Twilio's Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from functions.transports.base import Sms, TransportError
from functions.transports.http import TIMEOUT, json_of, post, session

API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
# Twilio error codes that are about the recipient, so trying again cannot help: not a valid number
# (21211), cannot be routed (21612), not a mobile number (21614), the patient replied STOP (21610).
PERMANENT = {21211, 21612, 21614, 21610}


class TwilioSms:
    def __init__(self, account_sid: str, auth_token: str, sender: str, status_callback: str = "",
                 *, http: Any = None) -> None:
        self.url = API.format(sid=account_sid)
        self.auth = (account_sid, auth_token)
        self.sender = sender
        self.status_callback = status_callback
        self.http = http or session()

    def send(self, sms: Sms) -> str:
        form = {"To": sms.to, "Body": sms.text}
        # A Messaging Service (MG…) picks the sender itself; otherwise a number or an alphanumeric ID.
        form["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        if self.status_callback:
            reference = f"?{urlencode({'ref': sms.reference})}" if sms.reference else ""
            form["StatusCallback"] = self.status_callback + reference
        answer = post(self.http, "Twilio", self.url, data=form, auth=self.auth)
        body = json_of(answer, "Twilio")
        if answer.status_code >= 400:
            code = body.get("code")
            raise TransportError(f"Twilio {code}: {body.get('message', '')}".strip(), permanent=code in PERMANENT)
        return str(body["sid"])

    def find_sent(self, sms: Sms, since: datetime) -> str | None:
        """Ask Twilio for messages to this number since that day; the text carries the invite's own link."""
        import requests

        try:
            answer = self.http.get(self.url, auth=self.auth, timeout=TIMEOUT,
                                   params={"To": sms.to, "DateSent>": since.date().isoformat(), "PageSize": 100})
        except requests.RequestException as err:
            raise TransportError(f"Twilio unreachable: {type(err).__name__}") from None
        if answer.status_code != 200:
            raise TransportError(f"Twilio HTTP {answer.status_code} listing messages")
        for message in json_of(answer, "Twilio").get("messages", []):
            if message.get("body") == sms.text:
                return str(message["sid"])
        return None
