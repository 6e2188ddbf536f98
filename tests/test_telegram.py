"""The directors' Telegram: the Bot API's exact requests and error mapping, the webhook's secret header, linking a
member by a one-time deep link, alerts with the patient's words and signed buttons that act on the case (and on
nothing for anyone else), and the email and Telegram each claimed on their own so neither loses the alert."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

import pytest
import requests
import responses

from functions.app import create_app
from functions.cases.sweep import sweep_cases
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports import TransportError
from functions.transports.base import Button, Telegram
from functions.transports.outbox import Outbox, OutboxTelegram
from functions.transports.telegram import BotTelegram
from functions.visits.intake import import_rows
from functions.web import invites as api
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW, visit_row

TOKEN = "7123456789:AAH-bot-token-for-tests-only-000000"
API = f"https://api.telegram.org/bot{TOKEN}"
LATER = NOW + timedelta(minutes=1)


@responses.activate
def test_a_message_with_buttons_goes_as_the_bot_api_wants_it() -> None:
    responses.post(f"{API}/sendMessage", json={"ok": True, "result": {"message_id": 42, "chat": {"id": 111}}})
    bot = BotTelegram(TOKEN)
    rows = ((Button("Позвонил(а)", data="call:ref:sig"), Button("Закрыть", data="close:ref:sig")),
            (Button("Открыть в кабинете", url="https://api.otk.ru/admin/c/c1/cases/v1"),))
    assert bot.send(Telegram("111", "Низкая оценка", rows)) == "42"
    assert json.loads(responses.calls[0].request.body) == {
        "chat_id": "111", "text": "Низкая оценка", "link_preview_options": {"is_disabled": True},
        "reply_markup": {"inline_keyboard": [
            [{"text": "Позвонил(а)", "callback_data": "call:ref:sig"},
             {"text": "Закрыть", "callback_data": "close:ref:sig"}],
            [{"text": "Открыть в кабинете", "url": "https://api.otk.ru/admin/c/c1/cases/v1"}]]}}


@responses.activate
def test_buttons_answers_and_the_webhook_are_set_as_documented() -> None:
    for method in ("editMessageReplyMarkup", "answerCallbackQuery", "setWebhook"):
        responses.post(f"{API}/{method}", json={"ok": True, "result": True})
    bot = BotTelegram(TOKEN)
    bot.edit_buttons("111", "42", ((Button("Назад", data="back:r:s"),),))
    bot.answer("cbq-1", "Отмечено")
    bot.set_webhook("https://api.otk.ru/hooks/telegram/c1", "tg-secret")
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert bodies == [
        {"chat_id": "111", "message_id": 42, "reply_markup": {"inline_keyboard": [[{"text": "Назад",
                                                                                    "callback_data": "back:r:s"}]]}},
        {"callback_query_id": "cbq-1", "text": "Отмечено"},
        {"url": "https://api.otk.ru/hooks/telegram/c1", "secret_token": "tg-secret",
         "allowed_updates": ["message", "callback_query"]}]


@pytest.mark.parametrize("reply,permanent", [
    ({"status": 403, "json": {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}},
     True),
    ({"status": 400, "json": {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}}, True),
    ({"status": 429, "json": {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5",
                              "parameters": {"retry_after": 5}}}, False),
    ({"status": 502, "body": "Bad Gateway"}, False),
    ({"body": requests.ConnectTimeout("slow")}, False),
])
@responses.activate
def test_errors_map_to_permanent_or_passing_and_never_show_the_token(reply, permanent) -> None:
    responses.post(f"{API}/sendMessage", **reply)
    with pytest.raises(TransportError) as err:
        BotTelegram(TOKEN).send(Telegram("111", "x"))
    assert err.value.permanent is permanent
    assert TOKEN not in err.value.message and "AAH-bot" not in err.value.message


class Email:
    def __init__(self, fail: TransportError | None = None) -> None:
        self.sent: list = []
        self.fail = fail

    def send(self, email) -> str:
        if self.fail:
            raise self.fail
        self.sent.append(email)
        return f"e{len(self.sent)}"


@pytest.fixture
def bot_world(settings, clinic_doc, monkeypatch):
    for module in ("functions.web.channel_hooks", "functions.web.admin.telegram"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: LATER)
    monkeypatch.setattr(api, "utcnow", lambda: LATER)
    tuned = settings.with_overrides(telegram_bot="otklik_test_bot", telegram_webhook_secret="tg-secret",
                                    api_url="https://api.otk.ru")
    services = Services(tuned)
    for cid in ("c1", "c2"):
        clinic = save_clinic(services.store, {**clinic_doc, "id": cid, "telegram": {}}, NOW)
        import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    services.store.put_member("c1", "director@clinic.example", "director", NOW)
    services.store.put_member("c2", "boss@other.ru", "owner", NOW)
    send_due_invites(services, NOW)
    return create_app(tuned, services=services), services


def update(client, body: dict, secret: str | None = "tg-secret"):
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post("/hooks/telegram/c1", json=body, headers=headers)


def start(code: str, chat: int = 111, kind: str = "private") -> dict:
    return {"update_id": 1, "message": {"message_id": 5, "from": {"id": chat, "username": "anna_director"},
                                        "chat": {"id": chat, "type": kind}, "text": f"/start {code}"}}


def link_member(app, services, outbox, email: str, clinic_id: str, chat: int) -> str:
    """As a member does it: the dashboard's page gives the deep link; Telegram sends the bot /start <code>."""
    client = app.test_client()
    sign_in(client, outbox, email)
    page = client.post(f"/admin/c/{clinic_id}/telegram/link",
                       data={"csrf": csrf_of(client, f"/admin/c/{clinic_id}/telegram")}).get_data(as_text=True)
    code = re.search(r"https://t\.me/otklik_test_bot\?start=([A-Za-z0-9_-]{32})", page).group(1)
    assert update(app.test_client(), start(code, chat)).status_code == 200
    return code


def complain(app, services, visit: str = "v1", clinic_id: str = "c1") -> None:
    token = services.store.get_visit(clinic_id, visit).invite_token
    client = app.test_client()
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 1})
    client.post(f"/api/v1/invites/{token}/feedback", json={"text": "Врач нагрубил, больше не приду"})


@pytest.mark.parametrize("secret", ["wrong", None])
def test_an_update_without_our_secret_header_is_refused_and_changes_nothing(bot_world, outbox, secret) -> None:
    app, services = bot_world
    services.store.put_link_code("x" * 64, "c1", "director@clinic.example", LATER + timedelta(minutes=5))
    from functions.channels.telegram_links import code_hash

    services.store.put_link_code(code_hash("c" * 32), "c1", "director@clinic.example", LATER + timedelta(minutes=5))
    answer = update(app.test_client(), start("c" * 32), secret=secret)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "bad_secret"
    assert services.store.telegram_links("c1") == [] and outbox.messages("telegram") == []


def test_a_member_links_their_chat_once_by_the_deep_link(bot_world, outbox) -> None:
    app, services = bot_world
    code = link_member(app, services, outbox, "director@clinic.example", "c1", 111)
    [link] = services.store.telegram_links("c1")
    assert (link.email, link.chat_id, link.username) == ("director@clinic.example", "111", "anna_director")
    assert "Готово" in outbox.messages("telegram")[0]["text"]
    assert update(app.test_client(), start(code, 222)).status_code == 200  # the same link again
    assert "устарела или уже использована" in outbox.messages("telegram")[0]["text"]
    assert [x.chat_id for x in services.store.telegram_links("c1")] == ["111"]
    page = app.test_client()
    sign_in(page, outbox, "director@clinic.example")
    assert "@anna_director" in page.get("/admin/c/c1/telegram").get_data(as_text=True)


def test_a_link_expires_after_15_minutes_and_never_works_in_a_group(bot_world, outbox, monkeypatch) -> None:
    app, services = bot_world
    client = app.test_client()
    sign_in(client, outbox, "director@clinic.example")
    for n, (moment, kind, said) in enumerate(((LATER + timedelta(minutes=16), "private", "устарела"),
                                              (LATER, "group", "не в группе"))):
        page = client.post("/admin/c/c1/telegram/link", data={"csrf": csrf_of(client, "/admin/c/c1/telegram")})
        code = re.search(r"start=([A-Za-z0-9_-]{32})", page.get_data(as_text=True)).group(1)
        monkeypatch.setattr("functions.web.channel_hooks.utcnow", lambda moment=moment: moment)
        update(app.test_client(), start(code, -100 - n, kind))
        assert said in outbox.messages("telegram")[0]["text"]
    assert services.store.telegram_links("c1") == []


def test_a_complaint_reaches_the_linked_phone_at_once_with_buttons_that_act(bot_world, outbox) -> None:
    app, services = bot_world
    link_member(app, services, outbox, "director@clinic.example", "c1", 111)
    complain(app, services)
    [alert] = [m for m in outbox.messages("telegram") if m.get("buttons")]
    assert alert["to"] == "111" and alert["text"].startswith("⚠️ Низкая оценка")
    assert "Врач нагрубил, больше не приду" in alert["text"] and "+79161234501" in alert["text"]
    assert [[b["text"] for b in row] for row in alert["buttons"]] == [["Позвонил(а)", "Закрыть"],
                                                                      ["Открыть в кабинете"]]
    assert alert["buttons"][1][0]["url"] == "https://api.otk.ru/admin/c/c1/cases/v1"
    assert len(outbox.messages("email")) >= 1 and services.store.get_case("c1", "v1").tg_state == "sent"
    call = alert["buttons"][0][0]["data"]
    press = {"update_id": 9, "callback_query": {"id": "cbq-1", "from": {"id": 111}, "data": call,
                                                "message": {"message_id": 77, "chat": {"id": 111}}}}
    assert update(app.test_client(), press).status_code == 200
    case = services.store.get_case("c1", "v1")
    assert (case.status, case.contacted_by) == ("contacted", "director@clinic.example")
    assert [e.data for e in services.store.case_events("c1", "v1") if e.kind == "contacted"] == [{"by": "telegram"}]
    [answer] = [m for m in outbox.messages("telegram") if m.get("answer_to") == "cbq-1"]
    [edited] = [m for m in outbox.messages("telegram") if m.get("edit_of") == "77"]
    assert answer["text"] == "Отмечено: вы связались с пациентом."
    assert [b["text"] for b in edited["buttons"][0]] == ["Закрыть"]  # called: only closing is left


def test_nobody_else_can_press_a_case_s_buttons(bot_world, outbox) -> None:
    app, services = bot_world
    link_member(app, services, outbox, "director@clinic.example", "c1", 111)
    link_member(app, services, outbox, "boss@other.ru", "c2", 333)  # a member of another clinic, same bot
    complain(app, services)
    [alert] = [m for m in outbox.messages("telegram") if m.get("buttons")]
    call = alert["buttons"][0][0]["data"]
    ref = call.split(":")[1]
    for presser, data in ((333, call), (999, call), (111, f"call:{ref}:forgedsignature00"), (111, f"ret:{ref}:x")):
        press = {"update_id": 9, "callback_query": {"id": "q", "from": {"id": presser}, "data": data,
                                                    "message": {"message_id": 7, "chat": {"id": presser}}}}
        assert update(app.test_client(), press).status_code == 200
        assert outbox.messages("telegram")[0]["text"] == "Нет доступа к этому обращению."
    assert services.store.get_case("c1", "v1").status == "new"
    # A member removed from the clinic loses the buttons too.
    services.store.remove_member("c1", "director@clinic.example")
    press = {"update_id": 9, "callback_query": {"id": "q", "from": {"id": 111}, "data": call,
                                                "message": {"message_id": 7, "chat": {"id": 111}}}}
    update(app.test_client(), press)
    assert services.store.get_case("c1", "v1").status == "new"


def test_closing_asks_whether_the_patient_came_back_then_resolves(bot_world, outbox) -> None:
    app, services = bot_world
    link_member(app, services, outbox, "director@clinic.example", "c1", 111)
    complain(app, services)
    [alert] = [m for m in outbox.messages("telegram") if m.get("buttons")]

    def press(data: str) -> dict:
        body = {"update_id": 9, "callback_query": {"id": "q", "from": {"id": 111}, "data": data,
                                                   "message": {"message_id": 7, "chat": {"id": 111}}}}
        update(app.test_client(), body)
        return next(m for m in outbox.messages("telegram") if m.get("edit_of"))

    choice = press(alert["buttons"][0][1]["data"])
    assert [b["text"] for b in choice["buttons"][0]] == ["Пациент вернулся", "Не вернулся"]
    assert services.store.get_case("c1", "v1").status == "new"
    done = press(choice["buttons"][0][0]["data"])
    case = services.store.get_case("c1", "v1")
    assert (case.status, case.outcome, case.resolved_by) == ("resolved", "returned", "director@clinic.example")
    assert [[b["text"] for b in row] for row in done["buttons"]] == [["Открыть в кабинете"]]


def test_email_failing_never_holds_telegram_and_telegram_failing_is_retried(settings, clinic_doc, outbox) -> None:
    email = Email(fail=TransportError("SES throttled"))

    class FlakyTelegram(OutboxTelegram):
        down = True

        def send(self, message):
            if self.down:
                raise TransportError("Telegram 502")
            return super().send(message)

    telegram = FlakyTelegram(Outbox(settings.outbox_path), "otklik_test_bot")
    services = Services(settings.with_overrides(telegram_bot="otklik_test_bot"), email=email, telegram=telegram)
    clinic = save_clinic(services.store, {**clinic_doc, "telegram": {}, "alert_wait_minutes": 0}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    services.store.put_member("c1", "director@clinic.example", "director", NOW)
    from functions.store.records import TelegramLink

    services.store.link_telegram(TelegramLink("c1", "director@clinic.example", "111", "anna", NOW))
    send_due_invites(services, NOW)
    from functions.answers.answer import give_feedback, open_invite, rate

    token = services.store.get_visit("c1", "v1").invite_token
    rate(services, open_invite(services, token, NOW), 1, NOW)
    give_feedback(services, open_invite(services, token, NOW), "Очень грубо", NOW)
    case = services.store.get_case("c1", "v1")
    assert (case.email_state, case.tg_state) == ("retry", "retry")  # both failed for a passing reason
    telegram.down = False
    sweep_cases(services, NOW + timedelta(minutes=2))
    case = services.store.get_case("c1", "v1")
    assert (case.email_state, case.tg_state) == ("retry", "sent")  # Telegram went while SES still fails
    assert len([m for m in outbox.messages("telegram") if m.get("buttons")]) == 1
    email.fail = None
    sweep_cases(services, NOW + timedelta(minutes=10))
    assert services.store.get_case("c1", "v1").email_state == "sent" and len(email.sent) == 1
    assert len([m for m in outbox.messages("telegram") if m.get("buttons")]) == 1  # not again


def test_a_crash_mid_send_is_unconfirmed_and_never_sent_twice(settings, clinic_doc, outbox) -> None:
    class Dies(OutboxTelegram):
        dead = True

        def send(self, message):
            message_id = super().send(message)
            if self.dead:
                raise SystemExit("Lambda timed out")
            return message_id

    telegram = Dies(Outbox(settings.outbox_path), "otklik_test_bot")
    services = Services(settings.with_overrides(telegram_bot="otklik_test_bot"), email=Email(), telegram=telegram)
    clinic = save_clinic(services.store, {**clinic_doc, "telegram": {}, "alert_wait_minutes": 0}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    services.store.put_member("c1", "director@clinic.example", "director", NOW)
    from functions.store.records import TelegramLink

    services.store.link_telegram(TelegramLink("c1", "director@clinic.example", "111", "anna", NOW))
    send_due_invites(services, NOW)
    from functions.answers.answer import open_invite, rate

    with contextlib.suppress(SystemExit):
        rate(services, open_invite(services, services.store.get_visit("c1", "v1").invite_token, NOW), 1, NOW)
    telegram.dead = False
    sweep_cases(services, NOW + timedelta(minutes=10))
    case = services.store.get_case("c1", "v1")
    assert case.tg_state == "unconfirmed" and case.email_state == "sent"
    assert len(outbox.messages("telegram")) == 1


def test_the_case_page_tells_what_telegram_did(bot_world, outbox) -> None:
    app, services = bot_world
    link_member(app, services, outbox, "director@clinic.example", "c1", 111)
    complain(app, services)
    [alert] = [m for m in outbox.messages("telegram") if m.get("buttons")]
    press = {"update_id": 9, "callback_query": {"id": "q", "from": {"id": 111}, "data": alert["buttons"][0][0]["data"],
                                                "message": {"message_id": 7, "chat": {"id": 111}}}}
    update(app.test_client(), press)
    client = app.test_client()
    sign_in(client, outbox, "director@clinic.example")
    page = client.get("/admin/c/c1/cases/v1").get_data(as_text=True)
    assert "Отправлено в Telegram</strong>: получателей — 1" in page
    assert "Связались с пациентом</strong> (из Telegram)" in page
