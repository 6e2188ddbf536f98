"""The rating page in a real Chromium: one tap, then the right next step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.live_server import serving

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
    import functions.web.forms as forms
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW)
    monkeypatch.setattr(forms, "utcnow", lambda: NOW)
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    tokens = [services.store.get_visit("c1", f"v{n}").invite_token for n in (1, 2)]
    with serving(app) as base:
        yield base, tokens


def phone_page(browser, javascript: bool = True, locale: str = "ru-RU"):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale=locale,
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.platform_requests = []

    def platform(route):  # the review sites are outside this machine: answer for them, note what they got
        page.platform_requests.append(route.request)
        route.fulfill(status=200, content_type="text/html", body="<p>platform</p>")

    page.route("https://**", platform)
    return page


def arrived_at_platform(page) -> object:
    """The request that reached the review site. (Chromium may first fail to resolve the outside name on
    this closed network and then retry into the route above, so wait for the request, not the URL.)"""
    for _ in range(200):  # up to 20 s: under a loaded machine the retry can take a while
        if page.platform_requests:
            return page.platform_requests[-1]
        page.wait_for_timeout(100)
    raise AssertionError("the patient never reached the platform")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_happy_tap_leads_to_the_platform_without_a_referer(browser, live, services, javascript) -> None:
    base, tokens = live
    page = phone_page(browser, javascript)
    page.goto(f"{base}/{tokens[0]}/")
    page.get_by_text("Клиника Тест").wait_for()  # without JavaScript too: its first screen is rendered for it
    assert page.locator("#reward").inner_text() == ("За любой ответ — 100\u00a0₽ на этот номер телефона в течение "
                                                    "3 дней. Не чаще раза в 30 дней на один номер.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"rating-first-360-{'js' if javascript else 'nojs'}.png"))
    page.get_by_role("button", name="5 — отлично").click()
    page.locator("#public").wait_for(state="visible")
    links = page.locator("#platforms a")
    assert links.all_inner_texts() == ["Яндекс Карты", "2ГИС", "ПроДокторов"]
    assert page.locator("#reward").inner_text() == "100\u00a0₽ придут на этот номер телефона в течение 3 дней."
    assert page.locator("main").inner_text().count("Спасибо") == 1  # one thank-you, not two
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"rating-happy-360-{'js' if javascript else 'nojs'}.png"))
    links.first.click()
    arrived = arrived_at_platform(page)
    assert arrived.url == "https://yandex.ru/maps/org/1124715036/reviews/"
    assert "referer" not in arrived.headers and tokens[0] not in arrived.url
    invite = services.store.get_invite(tokens[0])
    assert (invite.score, invite.clicks) == (5, {"yandex": 1})


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_unhappy_tap_leads_to_a_stored_complaint(browser, live, services, outbox, javascript) -> None:
    base, tokens = live
    page = phone_page(browser, javascript)
    page.goto(f"{base}/{tokens[1]}/")
    page.get_by_role("button", name="2 — плохо").click()
    page.locator("#private").wait_for(state="visible")
    page.locator("#text").fill("Долго ждали в коридоре")
    page.locator("#channel").select_option("whatsapp")
    page.locator("#hours").fill("18-21")
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("#thanks").wait_for(state="visible")
    assert services.store.get_invite(tokens[1]).feedback == "Долго ждали в коридоре"
    [email] = outbox.messages("email")
    assert "Долго ждали в коридоре" in email["text"] and "WhatsApp, с 18 до 21" in email["text"]


def test_an_over_long_complaint_is_explained_and_kept_without_javascript(browser, live, services) -> None:
    base, tokens = live
    page = phone_page(browser, javascript=False)
    page.goto(f"{base}/{tokens[1]}/")
    page.get_by_role("button", name="1 — очень плохо").click()
    page.locator("#text").evaluate("(t, v) => { t.removeAttribute('maxlength'); t.value = v; }", "х" * 2001)
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("[data-problem=text_too_long]").wait_for(state="visible")
    assert len(page.locator("#text").input_value()) == 2000  # what they wrote is not lost
    assert services.store.get_invite(tokens[1]).feedback is None


def test_keyboard_only(browser, live, services) -> None:
    base, tokens = live
    page = phone_page(browser)
    page.goto(f"{base}/{tokens[0]}/")
    page.get_by_text("Клиника Тест").wait_for()
    for _ in range(5):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "5"
    page.keyboard.press("Enter")
    page.locator("#public").wait_for(state="visible")
    assert page.evaluate("document.activeElement.textContent") == "Яндекс Карты"
    page.keyboard.press("Enter")
    assert arrived_at_platform(page).url == "https://yandex.ru/maps/org/1124715036/reviews/"
    assert services.store.get_invite(tokens[0]).clicks == {"yandex": 1}


def test_english_by_lang(browser, live) -> None:
    base, tokens = live
    page = phone_page(browser, locale="ru-RU")
    page.goto(f"{base}/{tokens[0]}/?lang=en")
    page.get_by_text("How was your visit?").wait_for()
    page.get_by_role("button", name="5 — excellent").click()
    page.get_by_text("Thank you! Will you tell others?").wait_for()


def test_unknown_link_gets_a_friendly_message(browser, live) -> None:
    base, _ = live
    page = phone_page(browser)
    page.goto(f"{base}/AAAAAAAAAAAA/")
    page.locator("[data-error=unknown_invite]").wait_for(state="visible")
    nojs = phone_page(browser, javascript=False)
    nojs.goto(f"{base}/AAAAAAAAAAAA/")
    nojs.locator("[data-error=unknown_invite]").wait_for(state="visible")
    assert nojs.get_by_role("button", name="4 — хорошо").count() == 0


def test_the_clinics_logo_and_accent_without_any_outside_request(browser, live, services, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic

    dot = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
           "awAAAABJRU5ErkJggg==")  # a 1x1 PNG
    save_clinic(services.store, {**clinic_doc, "logo": dot, "accent": "#0a7d4f"}, NOW)
    base, tokens = live
    page = phone_page(browser)
    page.goto(f"{base}/{tokens[0]}/")
    page.get_by_text("Клиника Тест").wait_for()
    assert page.locator("#logo").get_attribute("src") == dot and page.locator("#logo").is_visible()
    assert page.locator(".score").first.evaluate("b => getComputedStyle(b).borderTopColor") == "rgb(10, 125, 79)"
    assert page.platform_requests == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_spent_budget_is_said_before_the_tap(browser, live, services, clinic_doc, javascript) -> None:
    from functions.clinics.clinic import save_clinic
    from functions.store import Reward

    clinic = save_clinic(services.store, {**clinic_doc, "reward": {"amount_minor": 10000,
                                                                   "monthly_budget_minor": 30000}}, NOW)
    services.store.grant_reward(Reward(clinic_id="c1", reward_id="2026-11/old", visit_id="old", phone="+79990000000",
                                       amount_minor=10000, currency="RUB", created_at=NOW), 0, None)
    # The two invites of the fixture promised 200 with 100 spent elsewhere: the next SMS can promise nothing.
    import_rows(services.store, clinic, [(4, visit_row(3))], 14)
    send_due_invites(services, NOW)
    base, _ = live
    token = services.store.get_visit("c1", "v3").invite_token
    page = phone_page(browser, javascript)
    page.goto(f"{base}/{token}/")
    spent = "Вознаграждения этого месяца закончились. Ваш ответ всё равно очень поможет клинике."
    if javascript:
        page.get_by_text(spent).wait_for()
        assert page.locator("#reward").inner_text() == spent
    page.get_by_role("button", name="3 — так себе").click()
    page.locator("#private").wait_for(state="visible")
    assert page.locator("#reward").inner_text() == spent
    assert services.store.get_reward("c1", "2026-11/v3").status == "declined"
