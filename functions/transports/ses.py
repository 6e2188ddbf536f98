"""Email through Amazon SES v2 ``SendEmail``: a text and an HTML part in one message."""

from __future__ import annotations

from typing import Any

from functions.transports.aws_errors import call_aws
from functions.transports.base import Email

# The message itself is unacceptable: sending it again cannot help. Everything else (throttling,
# a paused account, an unverified domain) is fixed by time or by the operator, so retry: a
# director's complaint email must not be dropped because the sending domain was misconfigured.
PERMANENT = {"MessageRejected", "BadRequestException"}


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
        return call_aws("SES", PERMANENT, self.client.send_email, **request)["MessageId"]
