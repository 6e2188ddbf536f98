"""The rating page in a real Chromium: one tap, then the right next step."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from functions.dispatch import send_due_invites
from functions.visits import import_rows
from tests.conftest import NOW, visit_row

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def live(app, services, clinic, monkeypatch):
    """The app on a free 127.0.0.1 port, with two dispatched invites; answers use the test's clock."""
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW)
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    tokens = [services.store.get_visit("c1", f"v{n}").invite_token for n in (1, 2)]
    yield base, tokens
    server.shutdown()


def phone_page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="ru-RU")
    return context.new_page()


def test_happy_tap_shows_the_platforms_in_order(browser, live, services) -> None:
    base, tokens = live
    page = phone_page(browser)
    page.goto(f"{base}/{tokens[0]}")
    page.get_by_text("Клиника Тест").wait_for()
    assert page.locator("#reward").inner_text() == "За любой ответ — 100\u00a0₽ на ваш телефон."
    page.get_by_role("button", name="5 — отлично").click()
    page.locator("#public").wait_for(state="visible")
    links = page.locator("#platforms a")
    assert links.all_inner_texts() == ["Яндекс Карты", "2ГИС", "ПроДокторов"]
    assert links.first.get_attribute("href").endswith(f"/r/{tokens[0]}/yandex")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rating-happy-360.png"))
    assert services.store.get_invite(tokens[0]).score == 5


def test_unhappy_tap_leads_to_a_stored_complaint(browser, live, services, outbox) -> None:
    base, tokens = live
    page = phone_page(browser)
    page.goto(f"{base}/{tokens[1]}")
    page.get_by_role("button", name="2 — плохо").click()
    page.locator("#private").wait_for(state="visible")
    page.locator("#text").fill("Долго ждали в коридоре")
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("#thanks").wait_for(state="visible")
    assert services.store.get_invite(tokens[1]).feedback == "Долго ждали в коридоре"
    [email] = outbox.messages("email")
    assert "Долго ждали в коридоре" in email["text"]
    # Reopening the link shows where the patient left off.
    page.reload()
    page.locator("#thanks").wait_for(state="visible")


def test_unknown_link_gets_a_friendly_message(browser, live) -> None:
    base, _ = live
    page = phone_page(browser)
    page.goto(f"{base}/AAAAAAAAAAAA")
    page.locator("[data-error=unknown_invite]").wait_for(state="visible")
