"""Provider webhooks: Twilio's delivery statuses and STOP replies, authenticated by its signature."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from functions.invites.dispatch import send_due_invites
from functions.invites.inbound import is_stop, twilio_signature
from functions.services import Services
from functions.transports.twilio import TwilioSms
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row

TOKEN = "twilio-auth-token"
API = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"


@pytest.fixture
def twilio_app(settings, clinic_doc):
    from functions.app import create_app
    from functions.clinics.clinic import save_clinic

    hooked = settings.with_overrides(sms_transport="twilio", twilio_account_sid="AC1", twilio_auth_token=TOKEN,
                                     twilio_from="+15005550006", api_url="https://api.otk.ru")
    services = Services(hooked)
    clinic = save_clinic(services.store, clinic_doc, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    return create_app(hooked, services=services), services


def signed_post(client, path: str, form: dict, token: str = TOKEN, tamper: dict | None = None):
    signature = twilio_signature(token, "https://api.otk.ru" + path, list(form.items()))
    return client.post(path, data={**form, **(tamper or {})}, headers={"X-Twilio-Signature": signature})


@responses.activate
def test_delivery_status_lands_on_the_visit_the_callback_names(twilio_app) -> None:
    app, services = twilio_app
    responses.post(API, status=201, json={"sid": "SM1"})
    send_due_invites(services, NOW)
    callback = parse_qs(responses.calls[0].request.body)["StatusCallback"][0]
    assert callback == "https://api.otk.ru/hooks/twilio/status?ref=c1%2Fv1"
    path = urlsplit(callback).path + "?" + urlsplit(callback).query
    client = app.test_client()
    assert signed_post(client, path, {"MessageSid": "SM1", "MessageStatus": "sent"}).status_code == 200
    assert services.store.get_visit("c1", "v1").delivery == ""  # not final yet
    answer = signed_post(client, path, {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+79161234501"})
    assert answer.status_code == 200
    assert services.store.get_visit("c1", "v1").delivery == "delivered"


def test_unknown_message_is_answered_200_and_changes_nothing(twilio_app) -> None:
    app, services = twilio_app
    client = app.test_client()
    for path in ("/hooks/twilio/status?ref=c1%2Fghost", "/hooks/twilio/status", "/hooks/twilio/status?ref=junk"):
        assert signed_post(client, path, {"MessageSid": "SMx", "MessageStatus": "failed"}).status_code == 200
    assert services.store.get_visit("c1", "v1").delivery == ""


@pytest.mark.parametrize("how", ["tampered", "wrong_token", "unsigned"])
def test_a_request_twilio_did_not_sign_is_refused(twilio_app, how) -> None:
    app, services = twilio_app
    client = app.test_client()
    form = {"From": "+79161234501", "Body": "STOP"}
    if how == "tampered":
        answer = signed_post(client, "/hooks/twilio/inbound", form, tamper={"From": "+79160000000"})
    elif how == "wrong_token":
        answer = signed_post(client, "/hooks/twilio/inbound", form, token="guess")
    else:
        answer = client.post("/hooks/twilio/inbound", data=form)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "bad_signature"
    assert services.store.opted_out("c1", ["+79161234501", "+79160000000"]) == set()


def test_stop_reply_opts_out_of_every_clinic_at_once(twilio_app) -> None:
    app, services = twilio_app
    answer = signed_post(app.test_client(), "/hooks/twilio/inbound", {"From": "+79161234501", "Body": " Stop "})
    assert answer.status_code == 200 and answer.mimetype == "text/xml" and "<Response>" in answer.get_data(True)
    assert services.store.opted_out("any-clinic", ["+79161234501"]) == {"+79161234501"}
    assert send_due_invites(services, NOW).skipped["opted_out"] == 1


def test_other_replies_change_nothing(twilio_app) -> None:
    app, services = twilio_app
    signed_post(app.test_client(), "/hooks/twilio/inbound", {"From": "+79161234501", "Body": "Спасибо, всё хорошо"})
    assert services.store.opted_out("c1", ["+79161234501"]) == set()


@pytest.mark.parametrize("body,stop", [("STOP", True), ("stop", True), ("Стоп", True), ("СТОП!", True),
                                       ("unsubscribe", True), ("stop it please", False), ("", False)])
def test_stop_words(body, stop) -> None:
    assert is_stop(body) is stop


def test_signature_is_over_the_url_and_sorted_parameters() -> None:
    one = twilio_signature("t", "https://a.ru/h?x=1", [("b", "2"), ("a", "1")])
    assert one == twilio_signature("t", "https://a.ru/h?x=1", [("a", "1"), ("b", "2")])
    assert one != twilio_signature("t", "https://a.ru/h?x=2", [("a", "1"), ("b", "2")])
    assert one != twilio_signature("t", "https://a.ru/h?x=1", [("a", "1"), ("b", "3")])


def test_sending_to_twilio_carries_our_reference_but_nothing_personal() -> None:
    from functions.transports import Sms

    with responses.RequestsMock() as mock:
        mock.post(API, status=201, json={"sid": "SM9"})
        TwilioSms("AC1", "t", "+1500", "https://api.otk.ru/hooks/twilio/status").send(
            Sms("+79161234501", "text", "", reference="c1/v1"))
        sent = parse_qs(mock.calls[0].request.body)
    assert sent["StatusCallback"] == ["https://api.otk.ru/hooks/twilio/status?ref=c1%2Fv1"]


@pytest.fixture
def smsru_app(settings, clinic_doc):
    from functions.app import create_app
    from functions.clinics.clinic import save_clinic

    hooked = settings.with_overrides(sms_transport="smsru", smsru_api_id="key", smsru_callback_secret="s3cret-path")
    services = Services(hooked)
    clinic = save_clinic(services.store, clinic_doc, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    return create_app(hooked, services=services), services


@responses.activate
def test_smsru_status_callback_marks_delivery_by_its_sms_id(smsru_app) -> None:
    import json

    from functions.transports.smsru import URL

    app, services = smsru_app

    def provider(request):  # answers for the number it was asked to text, as SMS.ru does
        number = parse_qs(request.body)["to"][0]
        sms_id = "202-" + number[-1]
        return 200, {}, json.dumps({"status": "OK", "status_code": 100, "sms": {
            number: {"status": "OK", "status_code": 100, "sms_id": sms_id}}})

    responses.add_callback(responses.POST, URL, callback=provider)
    assert send_due_invites(services, NOW).sent == 2
    form = {"data[0]": "sms_status\n202-1\n103\n1763888400", "data[1]": "sms_status\n202-2\n106\n1763888401",
            "data[2]": "sms_status\nunknown-id\n103\n1763888402", "data[3]": "garbage"}
    answer = app.test_client().post("/hooks/smsru/s3cret-path", data=form)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "100")
    delivered = {v: services.store.get_visit("c1", v).delivery for v in ("v1", "v2")}
    assert delivered == {"v1": "delivered", "v2": "undelivered"}


def test_smsru_callback_without_the_secret_is_not_found(smsru_app) -> None:
    app, services = smsru_app
    for path in ("/hooks/smsru/guess", "/hooks/smsru/s3cret-pat"):
        answer = app.test_client().post(path, data={"data[0]": "sms_status\n202-1\n103\n1"})
        assert answer.status_code == 404
    assert services.store.get_visit("c1", "v1").delivery == ""
