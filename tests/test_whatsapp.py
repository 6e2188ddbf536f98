"""WhatsApp for the patients who prefer it: the Cloud API's exact requests and error mapping, the channel each
patient gets (and why not theirs), the SMS fallback once, and exactly once under a crash mid-send."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest
import requests
import responses

from functions.channels.choice import NO_TEMPLATE, NO_WHATSAPP, TELEGRAM_ONLY, WHATSAPP_FAILED
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.store import Contact
from functions.transports import TransportError
from functions.transports.base import WhatsApp
from functions.transports.outbox import Outbox, OutboxWhatsApp
from functions.transports.whatsapp import CloudWhatsApp
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.test_exactly_once import DiesAfterSending

GRAPH = "https://graph.facebook.com/v23.0/106540352242922/messages"
TEMPLATES = {"invite": {"name": "otklik_invite", "language": "ru", "params": ["clinic", "reward"], "button": True},
             "invite_plain": {"name": "otklik_invite_plain", "language": "ru", "params": ["clinic", "link"]},
             "reminder": {"name": "otklik_reminder", "language": "ru", "params": ["clinic", "link"]}}
WA_CLINIC = {"whatsapp": {"phone_number_id": "106540352242922", "templates": TEMPLATES}}


def cloud_error(code: int, message: str = "", status: int = 400) -> dict:
    return {"status": status, "json": {"error": {"message": message or f"error {code}", "type": "OAuthException",
                                                 "code": code, "error_data": {"messaging_product": "whatsapp",
                                                                              "details": message},
                                                 "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}}


@responses.activate
def test_a_template_goes_as_the_graph_api_wants_it() -> None:
    responses.post(GRAPH, json={"messaging_product": "whatsapp", "contacts": [{"input": "79161234501",
                                                                              "wa_id": "79161234501"}],
                                "messages": [{"id": "wamid.HBgLNzkxNjEyMzQ1MDEVAgARGBI"}]})
    transport = CloudWhatsApp("106540352242922", "EAAG-token")
    message = WhatsApp(to="+79161234501", template="otklik_invite", language="ru",
                       params=("Клиника Тест", "100 ₽"), button="abcdefghijkl/")
    assert transport.send(message) == "wamid.HBgLNzkxNjEyMzQ1MDEVAgARGBI"
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer EAAG-token" and "EAAG" not in call.url
    assert json.loads(call.body) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79161234501", "type": "template",
        "template": {"name": "otklik_invite", "language": {"code": "ru"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Клиника Тест"},
                                            {"type": "text", "text": "100 ₽"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": "abcdefghijkl/"}]}]}}


@responses.activate
def test_free_form_text_goes_as_a_text_message() -> None:
    responses.post(GRAPH, json={"messages": [{"id": "wamid.2"}]})
    CloudWhatsApp("106540352242922", "t").send(WhatsApp(to="+79161234501", text="Здравствуйте!"))
    assert json.loads(responses.calls[0].request.body) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79161234501", "type": "text",
        "text": {"preview_url": False, "body": "Здравствуйте!"}}


@pytest.mark.parametrize("reply,permanent", [
    (cloud_error(131026, "Message undeliverable"), True),  # not on WhatsApp
    (cloud_error(100, "Invalid parameter"), True),  # a bad number
    (cloud_error(132001, "Template name does not exist in the translation"), True),
    (cloud_error(131030, "Recipient phone number not in allowed list"), True),
    (cloud_error(190, "Error validating access token", status=401), True),  # the token: SMS meanwhile
    (cloud_error(130429, "Rate limit hit"), False),
    (cloud_error(131056, "Pair rate limit hit"), False),
    (cloud_error(131016, "Service unavailable", status=503), False),
    ({"status": 500, "body": "oops"}, False),
    ({"body": requests.ConnectionError("refused")}, False),
])
@responses.activate
def test_errors_map_to_permanent_or_passing(reply, permanent) -> None:
    responses.post(GRAPH, **reply)
    with pytest.raises(TransportError) as err:
        CloudWhatsApp("106540352242922", "EAAG-secret").send(WhatsApp(to="+79161234501", text="x"))
    assert err.value.permanent is permanent
    assert "EAAG-secret" not in err.value.message


def world(services: Services, clinic_doc: dict, contacts: dict[int, str], clinic_id: str = "c1",
          whatsapp: bool = True) -> None:
    doc = {**(WA_CLINIC if whatsapp else {}), **clinic_doc, "id": clinic_id}
    clinic = save_clinic(services.store, doc, NOW)
    import_rows(services.store, clinic, [(n + 1, visit_row(n)) for n in contacts], 14)
    services.store.save_contacts([Contact(clinic_id, f"+7916123450{n}", NOW, NOW + timedelta(days=16), channel=c)
                                  for n, c in contacts.items() if c])


def test_each_patient_gets_their_own_channel_or_sms_with_the_reason(services, clinic_doc, outbox) -> None:
    world(services, clinic_doc, {1: "sms", 2: "whatsapp", 3: "telegram", 4: ""})
    world(services, clinic_doc, {5: "whatsapp"}, clinic_id="c2", whatsapp=False)
    report = send_due_invites(services, NOW)
    assert report.sent == 5
    [wa] = outbox.messages("whatsapp")
    assert (wa["to"], wa["template"], wa["params"]) == ("+79161234502", "otklik_invite", ["Клиника Тест", "100\xa0₽"])
    assert wa["button"] == services.store.get_visit("c1", "v2").invite_token + "/"
    assert sorted(m["to"] for m in outbox.messages("sms")) == ["+79161234501", "+79161234503", "+79161234504",
                                                              "+79161234505"]
    notes = {v: (services.store.get_visit(c, v).channel, services.store.get_visit(c, v).channel_note)
             for c, v in (("c1", "v1"), ("c1", "v2"), ("c1", "v3"), ("c1", "v4"), ("c2", "v5"))}
    assert notes == {"v1": ("", ""), "v2": ("whatsapp", ""), "v3": ("sms", TELEGRAM_ONLY), "v4": ("", ""),
                     "v5": ("sms", NO_WHATSAPP)}


def test_no_reward_promised_takes_the_plain_template(services, clinic_doc, outbox) -> None:
    world(services, {**clinic_doc, "reward": {"amount_minor": 0, "currency": "RUB"}}, {2: "whatsapp"})
    send_due_invites(services, NOW)
    [wa] = outbox.messages("whatsapp")
    link = f"https://otk.example.ru/{services.store.get_visit('c1', 'v2').invite_token}/"
    assert (wa["template"], wa["params"], wa["button"]) == ("otklik_invite_plain", ["Клиника Тест", link], "")


def test_a_clinic_without_a_fitting_template_texts_and_says_why(services, clinic_doc, outbox) -> None:
    world(services, {**clinic_doc, "whatsapp": {"phone_number_id": "106540352242922"}}, {2: "whatsapp"})
    assert send_due_invites(services, NOW).sent == 1
    assert outbox.messages("whatsapp") == [] and len(outbox.messages("sms")) == 1
    assert services.store.get_visit("c1", "v2").channel_note == NO_TEMPLATE


def test_inside_the_24_hours_the_words_go_as_free_text(services, clinic_doc, outbox) -> None:
    world(services, clinic_doc, {2: "whatsapp"})
    services.store.note_patient_message("c1", "+79161234502", "whatsapp", NOW - timedelta(hours=2))
    send_due_invites(services, NOW)
    [wa] = outbox.messages("whatsapp")
    assert "template" not in wa and wa["text"].startswith("Клиника Тест")
    assert services.store.get_visit("c1", "v2").invite_token in wa["text"]


def cloud(settings, clinic_doc: dict) -> Services:
    """Meta's Cloud API (answered by ``responses``) for a clinic with one patient who prefers WhatsApp."""
    services = Services(settings.with_overrides(whatsapp_transport="cloud", whatsapp_token="EAAG-1"))
    world(services, clinic_doc, {2: "whatsapp"})
    return services


@responses.activate
def test_a_permanent_refusal_sends_the_sms_once_and_records_why(settings, clinic_doc) -> None:
    responses.post(GRAPH, **cloud_error(132001, "Template name does not exist in the translation"))
    services = cloud(settings, clinic_doc)
    assert send_due_invites(services, NOW).sent == 1
    visit = services.store.get_visit("c1", "v2")
    assert (visit.invite_state, visit.channel, visit.channel_note) == ("sent", "sms", WHATSAPP_FAILED)
    [sms] = Outbox(settings.outbox_path).messages("sms")
    assert visit.invite_token in sms["text"] and len(responses.calls) == 1
    assert send_due_invites(services, NOW + timedelta(minutes=15)).skipped["already_invited"] == 1
    assert len(responses.calls) == 1 and len(Outbox(settings.outbox_path).messages("sms")) == 1


@responses.activate
def test_a_passing_refusal_is_retried_on_whatsapp_later(settings, clinic_doc) -> None:
    responses.post(GRAPH, **cloud_error(130429, "Rate limit hit"))
    services = cloud(settings, clinic_doc)
    assert send_due_invites(services, NOW).retry == 1
    assert Outbox(settings.outbox_path).messages("sms") == []
    responses.replace(responses.POST, GRAPH, json={"messages": [{"id": "wamid.later"}]})
    assert send_due_invites(services, NOW + timedelta(minutes=2)).sent == 1
    assert services.store.get_visit("c1", "v2").message_id == "wamid.later"


def crash_then_run_again(services: Services, sms) -> object:
    with contextlib.suppress(SystemExit):
        send_due_invites(services, NOW)
    sms.dead = False
    return send_due_invites(services, NOW + timedelta(minutes=6))


@responses.activate
def test_the_cloud_api_cannot_tell_so_a_crash_mid_send_is_unconfirmed_never_twice(settings, clinic_doc) -> None:
    responses.post(GRAPH, json={"messages": [{"id": "wamid.1"}]})
    wa = DiesAfterSending(CloudWhatsApp("106540352242922", "t"))
    services = Services(settings, whatsapp=wa)
    world(services, clinic_doc, {2: "whatsapp"})
    assert crash_then_run_again(services, wa).skipped["unconfirmed"] == 1
    assert len(responses.calls) == 1 and Outbox(settings.outbox_path).messages("sms") == []
    assert services.store.get_visit("c1", "v2").invite_state == "unconfirmed"


def test_the_outbox_can_tell_so_a_crash_mid_send_is_recovered(settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    wa = DiesAfterSending(OutboxWhatsApp(outbox, "106540352242922"))
    services = Services(settings, whatsapp=wa)
    world(services, clinic_doc, {2: "whatsapp"})
    assert crash_then_run_again(services, wa).skipped["recovered"] == 1
    [sent] = outbox.messages("whatsapp")
    assert services.store.get_visit("c1", "v2").message_id == sent["id"] and outbox.messages("sms") == []
