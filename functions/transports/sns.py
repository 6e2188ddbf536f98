"""SMS through Amazon SNS ``Publish`` to a phone number, as a transactional message."""

from __future__ import annotations

from typing import Any

from functions.transports.aws_errors import call_aws, classify_sns
from functions.transports.base import Sms


class SnsSms:
    def __init__(self, client: Any) -> None:
        self.client = client

    def send(self, sms: Sms) -> str:
        attributes = {
            # Transactional: delivered even to numbers on do-not-disturb lists, routed for reliability.
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if sms.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sms.sender_id}
        answer = call_aws("SNS", classify_sns, self.client.publish,
                          PhoneNumber=sms.to, Message=sms.text, MessageAttributes=attributes)
        return answer["MessageId"]
