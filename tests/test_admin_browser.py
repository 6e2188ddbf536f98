"""The dashboard in a real Chromium: sign in from the emailed link, add and reorder a platform, see the rating
page follow and the click counted; the numbers page at phone and desktop widths."""

from __future__ import annotations

import pytest

from functions.app import create_app
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.visits.intake import import_rows
from tests.admin_helpers import sign_in_in_browser
from tests.conftest import NOW, visit_row
from tests.live_server import serving
from tests.test_browser import ARTIFACTS, browser, phone_page  # noqa: F401 (fixture)


@pytest.fixture
def live(settings, clinic_doc, monkeypatch):
    import functions.web.admin.numbers as numbers_view
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW)
    monkeypatch.setattr(numbers_view, "utcnow", lambda: NOW)
    local = settings.with_overrides(public_url="http://127.0.0.1")  # plain http: the cookie may not be Secure
    services = Services(local)
    clinic = save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    with serving(create_app(local, services=services)) as base:
        yield base, services
    services.store.close()


def test_sign_in_add_and_reorder_a_platform_then_see_the_click(browser, live, outbox) -> None:  # noqa: F811
    base, services = live
    page = phone_page(browser)
    sign_in_in_browser(page, base, outbox)

    page.goto(f"{base}/admin/c/c1/settings")
    adding = page.locator("#add-platform")
    adding.get_by_label("Тип").select_option("google")
    adding.get_by_label("Адрес страницы отзывов").fill("https://g.page/r/clinic-test/review")
    adding.get_by_role("button", name="Добавить").click()
    page.get_by_text("Сохранено.").wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Выше: Google").click()
        page.get_by_text("Сохранено.").wait_for()
    assert page.locator("ol.platforms li b").all_inner_texts() == ["Google", "Яндекс Карты", "2ГИС", "ПроДокторов"]

    token = services.store.get_visit("c1", "v1").invite_token
    patient = phone_page(browser)
    patient.goto(f"{base}/{token}/")
    patient.get_by_role("button", name="5 — отлично").click()
    patient.locator("#public").wait_for(state="visible")
    assert patient.locator("#platforms a").all_inner_texts() == ["Google", "Яндекс Карты", "2ГИС", "ПроДокторов"]
    with patient.expect_response(lambda r: "/r/" in r.url) as followed:
        patient.locator("#platforms a").first.click()
    assert followed.value.status == 302
    assert followed.value.headers["location"] == "https://g.page/r/clinic-test/review"

    page.goto(f"{base}/admin/c/c1/?from=2026-11-01&to=2026-11-30")
    clicks = page.locator("#platform-clicks tr", has_text="Google").locator("td.num").first
    assert clicks.inner_text() == "1"
    assert page.locator('[data-step="answered"] td.num').first.inner_text() == "1"
    assert page.locator('[data-step="clicked"] td.num').first.inner_text() == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "numbers-360.png"), full_page=True)
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=page.context.storage_state())
    wide = desktop.new_page()
    wide.goto(f"{base}/admin/c/c1/?from=2026-11-01&to=2026-11-30")
    assert wide.evaluate("document.documentElement.scrollWidth") <= 1280
    wide.screenshot(path=str(ARTIFACTS / "numbers-1280.png"), full_page=True)
