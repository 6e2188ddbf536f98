"""The new pages in a real Chromium, at a phone's 360 px and a desktop's 1280 px: the care question as the patient
answers it, the call lists (a script opened, an outcome marked) and a campaign checked then sent. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest

from functions.app import create_app
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.visits.intake import import_rows
from tests.admin_helpers import last_link
from tests.conftest import NOW, visit_row
from tests.live_server import serving
from tests.patients_helpers import history_clinic
from tests.test_browser import ARTIFACTS, browser, phone_page  # noqa: F401 (fixture)

FOLLOWUPS = {"rules": [{"stems": ["удален"], "when": "next_day"}]}


@pytest.fixture
def live(settings, clinic_doc, monkeypatch):
    import functions.web.admin.campaigns as campaigns_view
    import functions.web.admin.numbers as numbers_view
    import functions.web.admin.patients as patients_view
    import functions.web.forms as forms
    import functions.web.invites as view

    for module in (campaigns_view, numbers_view, patients_view, forms, view):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    local = settings.with_overrides(public_url="http://127.0.0.1")  # plain http: the cookie may not be Secure
    services = Services(local)
    clinic = history_clinic(services, clinic_doc, followups=FOLLOWUPS, sending={"details": True})
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    import_rows(services.store, clinic, [(2, visit_row(1, visit_at="22.11.2026 15:00", service="Удаление зуба",
                                                       patient_name="Петрова Мария Ивановна"))], 14)
    send_due_invites(services, NOW)
    with serving(create_app(local, services=services)) as base:
        yield base, services
    services.store.close()


def signed_in(browser, base: str, services, width: int):  # noqa: F811
    from functions.transports.outbox import Outbox

    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 640}, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{base}/admin/")
    page.get_by_label("Рабочая почта").fill("owner@clinic.ru")
    page.get_by_role("button", name="Прислать ссылку для входа").click()
    page.get_by_text("Проверьте почту").wait_for()
    page.goto(base + "/admin/signin/" + last_link(Outbox(services.settings.outbox_path)).rsplit("/admin/signin/", 1)[1])
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name="Клиника Тест").wait_for()
    return page


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_patient_answers_the_care_question_on_a_phone(browser, live) -> None:  # noqa: F811
    base, services = live
    token = services.store.care_messages("c1", ["v1"])["v1"].token
    page = phone_page(browser)
    page.goto(f"{base}/{token}/")
    page.get_by_role("heading", name="Как вы себя чувствуете после удаления зуба?").wait_for()
    assert page.locator("#reward").is_hidden() and page.locator(".reward-note").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    fits(page, 360)
    page.screenshot(path=str(ARTIFACTS / "care-question-360.png"), full_page=True)
    page.get_by_role("button", name="2 — плохо").click()
    page.get_by_role("heading", name="Нам жаль. Что беспокоит?").wait_for()
    assert page.get_by_text("звоните 103").first.is_visible()
    page.get_by_label("Опишите, что вы чувствуете").fill("Болит щека и немного кровит")
    page.screenshot(path=str(ARTIFACTS / "care-private-360.png"), full_page=True)
    page.get_by_role("button", name="Отправить врачу").click()
    page.get_by_text("Врач свяжется с вами").wait_for()
    page.screenshot(path=str(ARTIFACTS / "care-thanks-360.png"), full_page=True)
    assert services.store.get_case("c1", "care-v1").urgent is True
    assert page.locator("#platforms a").count() == 0


@pytest.mark.parametrize("width", [360, 1280])
def test_the_call_lists_and_a_campaign_at_phone_and_desktop_widths(browser, live, width) -> None:  # noqa: F811
    base, services = live
    page = signed_in(browser, base, services, width)
    page.get_by_role("link", name="Давно не были").click()
    page.get_by_role("heading", name="Давно не были").wait_for()
    card = page.locator("li.card", has_text="Смирнова Анна Петровна")
    card.get_by_text("Скрипт звонка").click()
    card.get_by_text("Анна Петровна, здравствуйте!").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"reactivation-{width}.png"), full_page=True)
    page.locator("li.card", has_text="Соколова Мария Сергеевна").get_by_role("button", name="перезвонить").click()
    page.get_by_text("Отмечено: перезвонить.").wait_for()
    assert "последний звонок: перезвонить" in page.locator("li.card", has_text="Соколова").inner_text()

    page.get_by_role("link", name="Направления").click()
    page.get_by_role("heading", name="Направления к специалистам").wait_for()
    assert page.locator("#handoffs li").count() == 1
    fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"handoffs-{width}.png"), full_page=True)

    page.get_by_role("link", name="Рассылки").click()
    form = page.locator("#new-campaign")
    form.get_by_label("Название").fill(f"Осень {width}")
    form.get_by_label("Обычная цена").fill("4 000 ₽")
    form.get_by_role("button", name="Проверить перед отправкой").click()
    page.get_by_text("Получат:").wait_for()
    fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"campaign-preview-{width}.png"), full_page=True)
    page.get_by_role("button", name="Отправить 3 пациентам").click()
    page.get_by_text("Рассылка началась: отправлено 3.").wait_for()
    fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"campaigns-{width}.png"), full_page=True)
