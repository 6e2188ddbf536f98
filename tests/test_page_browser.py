"""The page's words and steps as a patient meets them at 360 px, with and without JavaScript, in Chromium:
the private path first and «Нам жаль…» for a low score, neutral words for a mid one, a score that can be
changed, an address asked for email and Telegram, a time in words, a reopened link that remembers."""

from __future__ import annotations

import pytest

from functions.clinics.clinic import save_clinic
from tests.conftest import NOW
from tests.test_browser import ARTIFACTS, browser, live, phone_page  # noqa: F401  (fixtures)

MODES = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def shot(page, name: str, javascript: bool) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.screenshot(path=str(ARTIFACTS / f"page-{name}-360-{'js' if javascript else 'nojs'}.png"), full_page=True)


def patient_page(browser, live, javascript: bool, n: int):  # noqa: F811
    """Patient ``n`` (0 or 1) opens their link on a phone."""
    base, tokens = live
    page = phone_page(browser, javascript)
    page.goto(f"{base}/{tokens[n]}/")
    return page


def tap(page, label: str, then: str) -> None:
    page.get_by_role("button", name=label).click()
    page.locator(then).wait_for(state="visible")


@MODES
def test_a_low_score_in_the_open_policy_sees_the_private_path_first(browser, live, services, clinic_doc,  # noqa: F811
                                                                     javascript) -> None:
    save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    page = patient_page(browser, live, javascript, 1)
    tap(page, "2 — плохо", "#private")
    assert page.locator("#private h2:visible").inner_text() == "Нам жаль. Что пошло не так?"
    assert page.locator("#public h2:visible").inner_text() == "Отзыв на сайте — тоже по желанию"
    private_top = page.locator("#private").bounding_box()["y"]
    assert private_top < page.locator("#public").bounding_box()["y"]
    assert "Расскажете другим?" not in page.locator("main").inner_text()
    shot(page, "open-low", javascript)


@MODES
def test_a_mid_score_under_threshold_five_gets_neutral_words(browser, live, services, clinic_doc,  # noqa: F811
                                                             javascript) -> None:
    save_clinic(services.store, {**clinic_doc, "threshold": 5}, NOW)
    page = patient_page(browser, live, javascript, 1)
    tap(page, "4 — хорошо", "#private")
    assert page.locator("#private h2:visible").inner_text() == "Что нам стоит улучшить?"
    assert "жаль" not in page.locator("main").inner_text()
    shot(page, "mid-score", javascript)


@MODES
def test_a_mis_tapped_score_is_changed_before_the_words(browser, live, services, javascript) -> None:  # noqa: F811
    page = patient_page(browser, live, javascript, 0)
    tap(page, "1 — очень плохо", "#private")
    assert services.store.get_case("c1", "v1").status == "new"
    page.locator("#change summary").click()
    shot(page, "change-open", javascript)
    page.locator("#change").get_by_role("button", name="5 — отлично").click()
    page.locator("#public").wait_for(state="visible")
    assert page.locator("#private").is_hidden()
    assert page.locator("#change summary").inner_text().startswith("Ваша оценка: 5.")
    case = services.store.get_case("c1", "v1")
    assert (services.store.get_invite(live[1][0]).score, case.status, case.outcome) == (5, "resolved", "changed")
    shot(page, "changed-to-5", javascript)


@MODES
def test_email_and_telegram_ask_for_the_address_and_the_time_takes_words(browser, live, services,  # noqa: F811
                                                                         javascript) -> None:
    page = patient_page(browser, live, javascript, 1)
    tap(page, "2 — плохо", "#private")
    assert page.locator("#channel option").first.inner_text() == "Любым способом"
    assert page.locator("#address").is_hidden()
    assert page.locator("#hours").get_attribute("inputmode") is None  # the letters keyboard: «вечером»
    page.locator("#channel").select_option("email")
    page.locator("#address").wait_for(state="visible")
    assert page.locator("label[for=address]").inner_text() == "Адрес почты или имя в Telegram"
    page.locator("#text").fill("Долго ждали в коридоре")
    page.locator("#hours").fill("после 18")
    shot(page, "address", javascript)
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("[data-problem=need_email]").wait_for(state="visible")
    # Nothing typed is lost, with or without JavaScript.
    assert page.locator("#text").input_value() == "Долго ждали в коридоре"
    assert (page.locator("#channel").input_value(), page.locator("#hours").input_value()) == ("email", "после 18")
    shot(page, "need-email", javascript)
    page.locator("#address").fill("maria@example.ru")
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("#thanks").wait_for(state="visible")
    saved = services.store.contacts("c1", ["+79161234502"])["+79161234502"]
    assert (saved.channel, saved.address, saved.hours_from, saved.hours_to) == ("email", "maria@example.ru", 18, 21)


@MODES
def test_a_reopened_link_shows_the_answer_it_got(browser, live, javascript) -> None:  # noqa: F811
    page = patient_page(browser, live, javascript, 1)
    tap(page, "1 — очень плохо", "#private")
    page.locator("#text").fill("Нагрубили")
    page.get_by_role("button", name="Отправить директору").click()
    page.locator("#thanks").wait_for(state="visible")
    again = phone_page(browser, javascript)
    again.goto(f"{live[0]}/{live[1][1]}/")
    again.locator("#thanks").wait_for(state="visible")
    assert again.locator("#rate").is_hidden() and again.locator("#change").is_hidden()
    assert "Ваша оценка: 1" in again.locator("#thanks").inner_text()
    shot(again, "reopened", javascript)


@MODES
def test_a_link_the_invite_cannot_follow_shows_a_page_never_json(browser, live, javascript) -> None:  # noqa: F811
    base, tokens = live
    page = phone_page(browser, javascript)
    page.goto(f"{base}/r/{tokens[0]}/yandex")  # not rated yet: the page, asking for the score first
    page.locator("[data-notice=not_routed]").wait_for(state="visible")
    assert page.locator("#rate").is_visible()
    page.goto(f"{base}/{tokens[0]}/feedback")  # a form's address opened directly
    page.locator("#rate").wait_for(state="visible")
    tap(page, "5 — отлично", "#public")
    page.goto(f"{base}/r/{tokens[0]}/vk")
    page.locator("[data-notice=unknown_platform]").wait_for(state="visible")
    assert page.locator("#platforms a").count() == 3 and "{" not in page.locator("body").inner_text()
    shot(page, "unknown-platform", javascript)


@MODES
def test_an_opted_out_link_takes_no_answer(browser, live, services, javascript) -> None:  # noqa: F811
    page = patient_page(browser, live, javascript, 0)
    page.get_by_text("Клиника Тест").wait_for()
    page.get_by_role("button", name="Больше не присылать мне SMS").click()
    page.locator("#stopped").wait_for(state="visible")
    assert page.locator("#rate").is_hidden() and page.locator("#reward").is_hidden()
    assert services.store.get_invite(live[1][0]).score is None
    shot(page, "opted-out", javascript)
