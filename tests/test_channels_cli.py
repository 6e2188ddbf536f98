"""The channels from the command line: a clinic's own secret encrypted (never printed back), ``clinic show``
naming where each secret comes from, and ``channels test`` to a phone (WhatsApp, SMS) and to a member (Telegram)."""

from __future__ import annotations

import json

import pytest
import responses
from click.testing import CliRunner

from functions.cli import main
from functions.transports.outbox import Outbox

GRAPH = "https://graph.facebook.com/v23.0/106540352242922/messages"


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("FUNNEL_OUTBOX_PATH", settings.outbox_path)
    monkeypatch.setenv("FUNNEL_TELEGRAM_BOT", "otklik_test_bot")
    monkeypatch.setenv("FUNNEL_WHATSAPP_APP_SECRET", "from-the-environment")
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def wa_clinic(run, tmp_path, clinic_doc):
    token = run("channels", "encrypt", input="EAAG-very-secret-token\n").output.strip().splitlines()[-1]
    assert token.startswith("enc:") and "EAAG" not in token
    doc = {**clinic_doc, "whatsapp": {"phone_number_id": "106540352242922", "access_token": token, "templates": {
        "test": {"name": "otklik_check", "language": "ru", "params": ["clinic"]}}}, "telegram": {}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert run("clinic", "create", str(path)).exit_code == 0
    return doc


def test_clinic_show_names_each_secrets_source_and_never_its_value(run, wa_clinic) -> None:
    shown = run("clinic", "show", "c1").output
    assert "EAAG" not in shown and wa_clinic["whatsapp"]["access_token"] not in shown
    status = json.loads(shown)["channels"]
    assert status["whatsapp"]["access_token"] == "the clinic's own (encrypted)"
    assert status["whatsapp"]["app_secret"] == "FUNNEL_WHATSAPP_APP_SECRET (environment)"
    assert status["whatsapp"]["verify_token"].startswith("missing")
    assert status["whatsapp"]["webhook"].endswith("/hooks/whatsapp/c1")
    assert status["telegram"]["bot"] == "otklik_test_bot" and status["telegram"]["linked"] == []


def test_a_plain_secret_in_the_clinic_file_is_refused_without_repeating_it(run, tmp_path, clinic_doc) -> None:
    doc = {**clinic_doc, "telegram": {"token": "7123456789:AAH-plain-token"}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run("clinic", "create", str(path))
    assert result.exit_code == 1 and "telegram.token: an encrypted value" in result.output
    assert "AAH-plain" not in result.output


def test_a_test_message_goes_by_the_clinic_s_whatsapp_template(run, wa_clinic, settings) -> None:
    done = json.loads(run("channels", "test", "--clinic", "c1", "--to", "8 916 123-45-01").output)
    assert done["sent"] is True and done["channel"] == "whatsapp"
    [sent] = Outbox(settings.outbox_path).messages("whatsapp")
    assert (sent["to"], sent["template"], sent["params"]) == ("+79161234501", "otklik_check", ["Клиника Тест"])
    sms = json.loads(run("channels", "test", "--clinic", "c1", "--to", "+79161234501", "--channel", "sms").output)
    assert sms["channel"] == "sms" and "проверка связи" in Outbox(settings.outbox_path).messages("sms")[0]["text"]


def test_a_whatsapp_refusal_in_a_test_says_why_and_shows_the_sms_it_sent_instead(run, wa_clinic, monkeypatch) -> None:
    monkeypatch.setenv("FUNNEL_WHATSAPP_TRANSPORT", "cloud")
    with responses.RequestsMock() as mock:
        mock.post(GRAPH, status=401, json={"error": {"message": "Error validating access token", "code": 190}})
        result = run("channels", "test", "--clinic", "c1", "--to", "+79161234501")
        assert mock.calls[0].request.headers["Authorization"] == "Bearer EAAG-very-secret-token"
    outcome = json.loads(result.output.split("Error:")[0])
    # A permanent WhatsApp refusal falls back to SMS, and the test shows both.
    assert outcome["channel"] == "sms" and "190" in outcome["whatsapp_error"]


def test_a_member_s_telegram_is_tested_once_linked(run, wa_clinic, settings) -> None:
    not_yet = run("channels", "test", "--clinic", "c1", "--to", "director@clinic.example")
    assert not_yet.exit_code == 1 and "has not linked Telegram" in not_yet.output
    from functions.config import load_settings
    from functions.services import Services
    from functions.store.records import TelegramLink
    from tests.conftest import NOW

    services = Services(load_settings({"FUNNEL_SQLITE_PATH": settings.sqlite_path}))
    services.store.link_telegram(TelegramLink("c1", "director@clinic.example", "111", "anna", NOW))
    done = json.loads(run("channels", "test", "--clinic", "c1", "--to", "director@clinic.example").output)
    assert done["sent"] is True
    [sent] = Outbox(settings.outbox_path).messages("telegram")
    assert sent["to"] == "111" and "Клиника Тест" in sent["text"]


def test_channel_settings_are_checked_at_start_up() -> None:
    from functions.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="FUNNEL_WHATSAPP_TRANSPORT must be one of outbox, cloud"):
        load_settings({"FUNNEL_WHATSAPP_TRANSPORT": "meta"})
    with pytest.raises(ConfigError, match="FUNNEL_TELEGRAM_BOT must be the bot's username"):
        load_settings({"FUNNEL_TELEGRAM_BOT": "@clinic"})
    with pytest.raises(ConfigError, match="FUNNEL_TELEGRAM_WEBHOOK_SECRET"):
        load_settings({"FUNNEL_TELEGRAM_WEBHOOK_SECRET": "has spaces"})
    assert load_settings({"FUNNEL_TELEGRAM_BOT": "otklik_alerts_bot"}).telegram_bot == "otklik_alerts_bot"


def test_an_encrypted_secret_another_key_made_falls_back_to_sms_and_says_why(settings, clinic_doc, outbox) -> None:
    from functions.channels.secrets import encrypt, new_key
    from functions.clinics.clinic import save_clinic
    from functions.invites.dispatch import send_due_invites
    from functions.services import Services
    from functions.store import Contact
    from functions.visits.intake import import_rows
    from tests.conftest import NOW, visit_row

    foreign = encrypt(new_key(), "EAAG-token")  # made with another deployment's key
    services = Services(settings.with_overrides(whatsapp_transport="cloud"))
    clinic = save_clinic(services.store, {**clinic_doc, "whatsapp": {
        "phone_number_id": "106540352242922", "access_token": foreign,
        "templates": {"invite": {"name": "otklik_invite", "language": "ru", "params": ["clinic"]}}}}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    services.store.save_contacts([Contact("c1", "+79161234501", NOW, NOW, channel="whatsapp")])
    assert send_due_invites(services, NOW).sent == 1
    visit = services.store.get_visit("c1", "v1")
    assert (visit.channel, visit.channel_note) == ("sms", "whatsapp_failed")
    assert len(outbox.messages("sms")) == 1
