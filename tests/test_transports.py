"""Transports: what reaches SNS and SES, and how provider errors map to permanent or transient."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from functions.transports import Email, Sms, TransportError, email_transport, sms_transport
from functions.transports.ses import SesEmail
from functions.transports.sns import SnsSms

EMAIL = Email(to=("director@clinic.example",), subject="Клиника: оценка 2 из 5", text="Плохо", html="<p>Плохо</p>")
SMS = Sms(to="+79161234501", text="Клиника: оцените визит https://otk.ru/abcdefghijkl", sender_id="Clinic")


def test_outbox_records_sms_and_email(settings, outbox) -> None:
    sms_transport(settings).send(SMS)
    email_transport(settings).send(EMAIL)
    email, sms = outbox.messages()
    assert (sms["kind"], sms["to"], sms["text"], sms["sender_id"]) == ("sms", SMS.to, SMS.text, "Clinic")
    assert (email["to"], email["subject"], email["html"]) == (["director@clinic.example"], EMAIL.subject, EMAIL.html)


def test_sns_publishes_a_transactional_sms_with_the_sender_id(aws_env, settings) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends

    transport = sms_transport(settings.with_overrides(sms_transport="sns", aws_region="eu-central-1"))
    message_id = transport.send(SMS)
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    assert backend.sms_messages[message_id] == (SMS.to, SMS.text)


def test_sns_request_shape() -> None:
    client = boto3.client("sns", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("publish", {"MessageId": "m-1"}, {
            "PhoneNumber": SMS.to, "Message": SMS.text, "MessageAttributes": {
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "Clinic"}}})
        assert SnsSms(client).send(SMS) == "m-1"


@pytest.mark.parametrize("code,permanent", [("InvalidParameter", True), ("Throttled", False),
                                            ("InternalError", False), ("AuthorizationError", False)])
def test_sns_errors_split_into_permanent_and_transient(code, permanent) -> None:
    client = boto3.client("sns", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("publish", service_error_code=code, http_status_code=400)
        with pytest.raises(TransportError) as err:
            SnsSms(client).send(SMS)
    assert err.value.permanent is permanent and code in err.value.message


def test_ses_sends_text_and_html(aws_env, settings) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    boto3.client("ses", region_name="eu-central-1").verify_email_identity(EmailAddress="noreply@otklik.ru")
    transport = email_transport(settings.with_overrides(
        email_transport="ses", aws_region="eu-central-1", email_from="noreply@otklik.ru"))
    transport.send(EMAIL)
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages
    assert sent.destinations["ToAddresses"] == ["director@clinic.example"]
    assert sent.subject == EMAIL.subject
    assert "Плохо" in sent.body


@pytest.mark.parametrize("code,permanent", [("MessageRejected", True), ("BadRequestException", True),
                                            ("TooManyRequestsException", False), ("SendingPausedException", False),
                                            ("MailFromDomainNotVerifiedException", False)])
def test_ses_errors_split_into_permanent_and_transient(code, permanent) -> None:
    client = boto3.client("sesv2", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("send_email", service_error_code=code, http_status_code=400)
        with pytest.raises(TransportError) as err:
            SesEmail(client, "noreply@otklik.ru").send(EMAIL)
    assert err.value.permanent is permanent
