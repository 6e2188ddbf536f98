"""Email through Amazon SES v2 ``SendEmail``: a text and an HTML part in one message."""

from __future__ import annotations

from typing import Any

from functions.transports.aws_errors import call_aws, classify_ses
from functions.transports.base import Email


class SesEmail:
    def __init__(self, client: Any, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, email: Email) -> str:
        def part(data: str) -> dict:
            return {"Data": data, "Charset": "UTF-8"}

        request: dict[str, Any] = {
            "FromEmailAddress": self.sender,
            "Destination": {"ToAddresses": list(email.to)},
            "Content": {"Simple": {"Subject": part(email.subject),
                                   "Body": {"Text": part(email.text), "Html": part(email.html)}}},
        }
        if email.reply_to:
            request["ReplyToAddresses"] = list(email.reply_to)
        if email.unsubscribe:
            request["Content"]["Simple"]["Headers"] = [
                {"Name": "List-Unsubscribe", "Value": f"<{email.unsubscribe}>"},
                {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}]

        # A director's complaint must not be dropped because the sender is not verified yet: see classify_ses.
        def classify(code: str, message: str) -> tuple[bool, str]:
            return classify_ses(code, message, self.sender)

        return call_aws("SES", classify, self.client.send_email, **request)["MessageId"]
