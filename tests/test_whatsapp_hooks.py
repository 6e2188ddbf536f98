"""WhatsApp's webhook: the verification handshake, X-Hub-Signature-256 (valid, tampered, missing, wrong secret),
statuses onto the invite (and the SMS once when WhatsApp gives up later), STOP from the patient, and their words
joining an open case."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from functions.app import create_app
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.web import invites as api
from tests.conftest import NOW
from tests.test_whatsapp import world

SECRET = "meta-app-secret"
NUMBER = "106540352242922"


@pytest.fixture
def hooked(settings, clinic_doc, monkeypatch):
    import functions.web.channel_hooks as hooks

    monkeypatch.setattr(hooks, "utcnow", lambda: NOW + timedelta(minutes=1))
    monkeypatch.setattr(api, "utcnow", lambda: NOW + timedelta(minutes=1))
    tuned = settings.with_overrides(whatsapp_app_secret=SECRET, whatsapp_verify_token="verify-me")
    services = Services(tuned)
    world(services, clinic_doc, {1: "whatsapp", 2: "sms"})
    send_due_invites(services, NOW)
    return create_app(tuned, services=services).test_client(), services


def update(*, statuses=(), messages=(), number=NUMBER) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "74950000000",
                                                           "phone_number_id": number},
             "statuses": list(statuses), "messages": list(messages)}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}).encode()


def post(client, body: bytes, secret: str | None = SECRET, tamper: bytes | None = None):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/hooks/whatsapp/c1", data=tamper or body, headers=headers)


def status(services, state: str, code: int | None = None) -> dict:
    found = {"id": services.store.get_visit("c1", "v1").message_id, "status": state, "timestamp": "1763888460",
             "recipient_id": "79161234501"}
    if code:
        found["errors"] = [{"code": code, "title": "Message undeliverable"}]
    return found


def text(body: str, message_id: str = "wamid.in1", sender: str = "79161234501") -> dict:
    return {"from": sender, "id": message_id, "timestamp": "1763888460", "type": "text", "text": {"body": body}}


def test_the_handshake_answers_the_challenge_only_to_our_verify_token(hooked) -> None:
    client, _ = hooked
    good = client.get("/hooks/whatsapp/c1?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
    assert (good.status_code, good.get_data(as_text=True)) == (200, "1158201444")
    bad = client.get("/hooks/whatsapp/c1?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
    assert bad.status_code == 403 and bad.get_json()["error"]["code"] == "bad_verify_token"
    assert client.get("/hooks/whatsapp/nope?hub.mode=subscribe&hub.verify_token=verify-me").status_code == 404


@pytest.mark.parametrize("how", ["tampered", "missing", "wrong_secret"])
def test_an_update_meta_did_not_sign_is_refused_and_changes_nothing(hooked, how) -> None:
    client, services = hooked
    body = update(statuses=[status(services, "delivered")], messages=[text("СТОП")])
    if how == "tampered":
        answer = post(client, body, tamper=body.replace(b"79161234501", b"79160000000"))
    else:
        answer = post(client, body, secret=None if how == "missing" else "guess")
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "bad_signature"
    assert services.store.get_visit("c1", "v1").delivery == ""
    assert services.store.opted_out("c1", ["+79161234501", "+79160000000"]) == set()


def test_delivery_and_reading_land_on_the_invite(hooked) -> None:
    client, services = hooked
    assert post(client, update(statuses=[status(services, "sent")])).status_code == 200
    assert services.store.get_visit("c1", "v1").delivery == ""
    assert post(client, update(statuses=[status(services, "read")])).status_code == 200
    assert services.store.get_visit("c1", "v1").delivery == "delivered"
    # Another number's news (or an unknown message) is answered 200 and changes nothing.
    assert post(client, update(statuses=[status(services, "failed", 131026)], number="999")).status_code == 200
    assert services.store.get_visit("c1", "v1").invite_state == "sent"


def test_whatsapp_giving_up_after_accepting_sends_the_sms_once(hooked, outbox) -> None:
    client, services = hooked
    assert post(client, update(statuses=[status(services, "failed", 131026)])).status_code == 200
    assert post(client, update(statuses=[status(services, "failed", 131026)])).status_code == 200  # a repeat
    visit = services.store.get_visit("c1", "v1")
    assert (visit.invite_state, visit.channel_note) == ("retry", "whatsapp_failed")
    assert send_due_invites(services, NOW + timedelta(minutes=15)).sent == 1
    assert [m["to"] for m in outbox.messages("sms")].count("+79161234501") == 1
    assert visit.invite_token in outbox.messages("sms")[0]["text"]
    assert send_due_invites(services, NOW + timedelta(minutes=30)).sent == 0


@pytest.mark.parametrize("word", ["STOP", "Стоп"])
def test_stop_opts_the_number_out_everywhere_and_says_so(hooked, outbox, word) -> None:
    client, services = hooked
    assert post(client, update(messages=[text(word)])).status_code == 200
    assert services.store.opted_out("any-clinic", ["+79161234501"]) == {"+79161234501"}
    [answer] = [m for m in outbox.messages("whatsapp") if "text" in m]
    assert answer["to"] == "+79161234501" and "отписались" in answer["text"]


def test_words_from_a_patient_with_an_open_case_join_it_and_reach_the_director(hooked, outbox) -> None:
    client, services = hooked
    token = services.store.get_visit("c1", "v1").invite_token
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{token}/feedback", json={"text": "Долго ждали"})
    assert len(outbox.messages("email")) == 1  # the alert, with the words
    message = text("Перезвоните мне после шести, пожалуйста")
    assert post(client, update(messages=[message])).status_code == 200
    assert post(client, update(messages=[message])).status_code == 200  # Meta delivers it again: taken once
    events = [(e.kind, e.text) for e in services.store.case_events("c1", "v1")]
    assert events.count(("whatsapp_in", "Перезвоните мне после шести, пожалуйста")) == 1
    followup = outbox.messages("email")[0]
    assert "WhatsApp" in followup["subject"] and "Перезвоните мне после шести" in followup["text"]
    assert len(outbox.messages("email")) == 2
    # The 24 hours are open now: a reply goes as free text.
    assert services.store.last_patient_message("c1", "+79161234501", "whatsapp") is not None


def test_words_without_an_open_case_get_one_short_answer_a_day(hooked, outbox) -> None:
    client, _ = hooked
    for n in range(2):
        post(client, update(messages=[text("Здравствуйте, можно записаться?", message_id=f"wamid.q{n}")]))
    answers = [m for m in outbox.messages("whatsapp") if "text" in m]
    assert len(answers) == 1 and "не отвечают на вопросы" in answers[0]["text"]
    assert outbox.messages("email") == []
