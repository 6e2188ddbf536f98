"""SMS.ru and Twilio: the requests they make and how their answers map to sent, transient or permanent."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import responses

from functions.config import ConfigError, load_settings
from functions.transports import Sms, TransportError, sms_transport
from functions.transports.smsru import URL as SMSRU
from functions.transports.smsru import SmsRuSms
from functions.transports.twilio import TwilioSms

SMS = Sms(to="+79161234501", text="Клиника: оцените визит https://otk.ru/abcdefghijkl", sender_id="Clinic")
TWILIO = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"


def form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@responses.activate
def test_smsru_request_and_success() -> None:
    responses.post(SMSRU, json={"status": "OK", "status_code": 100, "balance": 10, "sms": {
        "79161234501": {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}}})
    assert SmsRuSms("key-1", test=True).send(SMS) == "000000-10000000"
    sent = form(responses.calls[0])
    assert sent == {"api_id": "key-1", "to": "79161234501", "msg": SMS.text, "json": "1", "from": "Clinic",
                    "test": "1"}


@pytest.mark.parametrize("answer,permanent", [
    ({"status": "OK", "status_code": 100, "sms": {"79161234501": {
        "status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер телефона получателя"}}}, True),
    ({"status": "OK", "status_code": 100, "sms": {"79161234501": {
        "status": "ERROR", "status_code": 209, "status_text": "Номер в стоп-листе"}}}, True),
    ({"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"}, False),
    ({"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, False),
    ({"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"}, False),
    ({"status": "OK", "status_code": 100, "sms": {}}, False),
])
@responses.activate
def test_smsru_error_mapping(answer, permanent) -> None:
    responses.post(SMSRU, json=answer)
    with pytest.raises(TransportError) as err:
        SmsRuSms("key-1").send(SMS)
    assert err.value.permanent is permanent


@pytest.mark.parametrize("reply", [
    {"status": 502, "body": "Bad Gateway"}, {"status": 200, "body": "not json"},
    {"body": requests.ConnectionError("refused")}, {"body": requests.Timeout("slow")},
])
@responses.activate
def test_smsru_outages_are_transient(reply) -> None:
    responses.post(SMSRU, **reply)
    with pytest.raises(TransportError) as err:
        SmsRuSms("key-1").send(SMS)
    assert err.value.permanent is False


@responses.activate
def test_twilio_request_and_success() -> None:
    responses.post(TWILIO, status=201, json={"sid": "SM0123", "status": "queued", "to": SMS.to})
    transport = TwilioSms("AC123", "secret", "+15005550006", "https://api.otk.ru/hooks/twilio/status")
    assert transport.send(SMS) == "SM0123"
    call = responses.calls[0]
    assert form(call) == {"To": SMS.to, "Body": SMS.text, "From": "+15005550006",
                          "StatusCallback": "https://api.otk.ru/hooks/twilio/status"}
    assert call.request.headers["Authorization"] == "Basic QUMxMjM6c2VjcmV0"  # AC123:secret


@responses.activate
def test_twilio_messaging_service_picks_the_sender() -> None:
    responses.post(TWILIO, status=201, json={"sid": "SM1"})
    TwilioSms("AC123", "secret", "MG999").send(SMS)
    assert form(responses.calls[0])["MessagingServiceSid"] == "MG999"


@pytest.mark.parametrize("status,body,permanent", [
    (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}, True),
    (400, {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400}, True),
    (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}, True),
    (400, {"code": 21408, "message": "Permission to send an SMS has not been enabled for the region", "status": 400},
     False),
    (401, {"code": 20003, "message": "Authenticate", "status": 401}, False),
    (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, False),
    (500, {"code": 20500, "message": "Internal Server Error", "status": 500}, False),
])
@responses.activate
def test_twilio_error_mapping(status, body, permanent) -> None:
    responses.post(TWILIO, status=status, json=body)
    with pytest.raises(TransportError) as err:
        TwilioSms("AC123", "secret", "+15005550006").send(SMS)
    assert err.value.permanent is permanent


def test_a_provider_without_its_credentials_stops_the_start() -> None:
    with pytest.raises(ConfigError, match="FUNNEL_TWILIO_AUTH_TOKEN"):
        load_settings({"FUNNEL_SMS_TRANSPORT": "twilio", "FUNNEL_TWILIO_ACCOUNT_SID": "AC1",
                       "FUNNEL_TWILIO_FROM": "+1500"})
    settings = load_settings({"FUNNEL_SMS_TRANSPORT": "smsru", "FUNNEL_SMSRU_API_ID": "k",
                              "FUNNEL_SMSRU_TEST": "true"})
    transport = sms_transport(settings)
    assert isinstance(transport, SmsRuSms) and transport.test is True
    with pytest.raises(ConfigError, match="FUNNEL_SMSRU_TEST must be true or false"):
        load_settings({"FUNNEL_SMSRU_TEST": "maybe"})
