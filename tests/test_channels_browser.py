"""The member's Telegram page and the outbox in a real Chromium, at phone and desktop widths: a director gets the
one-time link, Telegram (as the bot's webhook) links the chat, the page says so; the outbox shows the WhatsApp
invite and the Telegram alert with its buttons."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from functions.app import create_app
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.store import Contact
from functions.visits.intake import import_rows
from tests.admin_helpers import browser_sign_in
from tests.conftest import NOW, visit_row
from tests.live_server import serving
from tests.test_browser import ARTIFACTS, browser, phone_page  # noqa: F401 (fixture)
from tests.test_whatsapp import WA_CLINIC


@pytest.fixture
def live(settings, clinic_doc, monkeypatch):
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW)
    local = settings.with_overrides(public_url="http://127.0.0.1", telegram_bot="otklik_test_bot",
                                    telegram_webhook_secret="tg-secret")
    services = Services(local)
    clinic = save_clinic(services.store, {**clinic_doc, **WA_CLINIC, "telegram": {}}, NOW)
    services.store.put_member("c1", "director@clinic.example", "director", NOW)
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    services.store.save_contacts([Contact("c1", "+79161234502", NOW, NOW, channel="whatsapp")])
    send_due_invites(services, NOW)
    with serving(create_app(local, services=services)) as base:
        yield base, services
    services.store.close()


def post(url: str, body: dict, headers: dict | None = None) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def telegram_says(base: str, update: dict) -> None:
    post(f"{base}/hooks/telegram/c1", update, {"X-Telegram-Bot-Api-Secret-Token": "tg-secret"})


def test_a_director_links_telegram_and_the_outbox_shows_every_channel(browser, live, outbox) -> None:  # noqa: F811
    base, services = live
    page = phone_page(browser)
    browser_sign_in(page, base, outbox, "director@clinic.example")
    page.get_by_role("link", name="Telegram").click()
    page.get_by_role("button", name="Получить ссылку для Telegram").click()
    deep = page.get_by_role("link", name="Открыть @otklik_test_bot в Telegram").get_attribute("href")
    code = re.fullmatch(r"https://t\.me/otklik_test_bot\?start=([A-Za-z0-9_-]{32})", deep).group(1)
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "telegram-link-360.png"), full_page=True)
    telegram_says(base, {"update_id": 1, "message": {"message_id": 1, "from": {"id": 111, "username": "anna_dir"},
                                                     "chat": {"id": 111, "type": "private"},
                                                     "text": f"/start {code}"}})
    page.get_by_role("link", name="Готово — обновить страницу").click()
    page.get_by_text("Подключено: @anna_dir").wait_for()
    page.screenshot(path=str(ARTIFACTS / "telegram-linked-360.png"), full_page=True)

    token = services.store.get_visit("c1", "v1").invite_token
    post(f"{base}/api/v1/invites/{token}/rating", {"score": 1})
    post(f"{base}/api/v1/invites/{token}/feedback", {"text": "Врач торопился и ничего не объяснил"})

    wide = browser.new_page(viewport={"width": 1280, "height": 900})
    wide.goto(f"{base}/outbox")
    assert wide.locator("article.whatsapp").count() == 1 and wide.locator("article.telegram").count() >= 2
    alert = wide.locator("article.telegram", has_text="Врач торопился")
    assert alert.locator(".button").all_inner_texts() == ["Позвонил(а)", "Закрыть", "Открыть в кабинете"]
    wide.screenshot(path=str(ARTIFACTS / "outbox-1280.png"), full_page=True)
    page.goto(f"{base}/outbox")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "outbox-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/admin/c/c1/telegram")
    page.screenshot(path=str(ARTIFACTS / "telegram-linked-1280.png"), full_page=True)
