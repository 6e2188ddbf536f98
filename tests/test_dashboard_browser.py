"""Every dashboard page an owner uses, in a real Chromium at 360 px and 1280 px: nothing scrolls sideways,
section headings start at their form's left edge, money owed is on the numbers page, the charts carry their
labels, a bad Yandex address is refused in Russian, and the CSV files open in Russian Excel (BOM, «;»).
Screenshots of each page at both widths land in test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from functions.app import create_app
from functions.clinics.clinic import save_clinic
from functions.config import Settings
from functions.dashboard.settings_edit import save_change
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports.outbox import Outbox
from functions.visits.intake import import_rows
from tests.admin_helpers import browser_sign_in
from tests.conftest import NOW, visit_row
from tests.live_server import serving
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (fixture)

WIDTHS = (360, 1280)
PAGES = {"numbers": "/admin/c/c1/?from=2026-11-01&to=2026-11-30", "rewards": "/admin/c/c1/rewards?month=2026-11",
         "settings": "/admin/c/c1/settings", "cases": "/admin/c/c1/cases", "case": "/admin/c/c1/cases/v2",
         "members": "/admin/c/c1/members", "audit": "/admin/c/c1/audit", "import": "/admin/c/c1/import",
         "outbox": "/outbox"}
CLOCKED = ("functions.web.invites", "functions.web.admin.numbers", "functions.web.admin.rewards",
           "functions.web.admin.settings", "functions.web.admin.cases", "functions.web.admin.uploads",
           "functions.web.pages")


@pytest.fixture(scope="module")
def live(tmp_path_factory, clinic_json):
    """A clinic a month into use: answers, a complaint with long words, rewards owed, a changed setting."""
    import importlib

    folder = tmp_path_factory.mktemp("dashboard")
    settings = Settings().with_overrides(sqlite_path=str(folder / "otklik.sqlite3"),
                                         outbox_path=str(folder / "outbox.jsonl"), public_url="http://127.0.0.1")
    services = Services(settings)
    with pytest.MonkeyPatch.context() as patch:
        for name in CLOCKED:
            patch.setattr(importlib.import_module(name), "utcnow", lambda: NOW)
        doc = {**clinic_json, "reward": {"amount_minor": 10000, "monthly_budget_minor": 500000}}
        clinic = save_clinic(services.store, doc, NOW)
        services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
        services.store.put_member("c1", "director.with.a.rather.long.address@clinic-zdorovie.example", "director",
                                  NOW)
        rows = [(n + 2, visit_row(n, phone=f"+7916123450{n}", patient_name=f"Пациентова Мария {n}",
                                  doctor="Константинопольская-Щедрина Александра Вячеславовна" if n % 2 else "",
                                  branch="Северо-Западный филиал на Ленинградском проспекте" if n > 3 else ""))
                for n in range(8)]
        import_rows(services.store, clinic, rows, 14)
        send_due_invites(services, NOW)
        changed = {**clinic.to_doc(), "threshold": 5, "alert_wait_minutes": 20,
                   "platforms": [*doc["platforms"], {"id": "google", "type": "google", "name": "Google",
                                                     "url": "https://g.page/r/clinic-test/review"}]}
        save_change(services, clinic, changed, "owner@clinic.ru", "settings", NOW - timedelta(days=1))
        clinic = services.clinic("c1")
        app = create_app(settings, services=services)
        client = app.test_client()
        for n, score in enumerate((5, 5, 2, 4, 5, 3)):
            token = services.store.get_visit("c1", f"v{n}").invite_token
            client.post(f"/api/v1/invites/{token}/rating", json={"score": score})
        words = "Ждали приёма сорок минут, администратор отвечала грубо, " * 4
        client.post(f"/api/v1/invites/{services.store.get_visit('c1', 'v2').invite_token}/feedback",
                    json={"text": words.strip()})
        with serving(app) as base:
            yield base, services
        services.store.close()


@pytest.fixture(scope="module")
def clinic_json():
    import json

    return json.loads((Path(__file__).parent / "data" / "clinic.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(browser, live):  # noqa: F811
    """The owner signed in once; a tab at each width, sharing the session."""
    base, services = live
    first = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU", accept_downloads=True)
    tab = first.new_page()
    browser_sign_in(tab, base, Outbox(services.settings.outbox_path), "owner@clinic.ru")
    tab.get_by_role("heading", name="Клиника Тест").wait_for()
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True,
                               storage_state=first.storage_state())
    yield {360: tab, 1280: wide.new_page()}
    first.close()
    wide.close()

OVERFLOWING = """w => [...document.querySelectorAll('body *')]
    .map(e => [e, e.getBoundingClientRect().right]).filter(([e, right]) => right > w)
    .sort((a, b) => b[1] - a[1]).slice(0, 6).map(([e, right]) => `${e.tagName}.${e.className}#${e.id} ${right}`)"""


def look(tab, base: str, name: str, width: int) -> None:
    tab.goto(base + PAGES[name])
    # What sticks out, if anything, to name in the failure.
    wide = tab.evaluate(OVERFLOWING, width)
    assert tab.evaluate("document.documentElement.scrollWidth") <= width, (name, width, wide)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_numbers_show_money_owed_and_labelled_charts(pages, live, width) -> None:
    base, _ = live
    tab = pages[width]
    tab.goto(base + PAGES["numbers"])
    owed = tab.locator('[data-money="owed"] dd').first.inner_text()
    assert owed.replace("\xa0", " ") == "600 ₽"  # six answers, 100 ₽ each, none paid yet
    chart = tab.locator("#chart-average")
    assert chart.locator("text.y-label").all_text_contents() == ["1", "2", "3", "4", "5"]
    assert chart.locator("text.x-label").all_text_contents()[:2] == ["1 нояб.", "7 нояб."]  # every sixth day
    assert chart.locator("text.value").all_text_contents() == ["4"]  # 23 November: 5, 5, 2, 4, 5, 3
    assert tab.locator("#chart-index text.y-label").all_text_contents() == ["\u2212100", "\u221250", "0", "+50", "+100"]
    row = tab.locator("#doctors tbody tr").first
    assert row.bounding_box()["x"] + row.bounding_box()["width"] <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_settings_headings_start_at_their_forms_left_edge(pages, live, width) -> None:
    base, _ = live
    tab = pages[width]
    tab.goto(base + PAGES["settings"])
    for card in tab.locator("#general section.card").all():
        heading = card.locator("h2").bounding_box()
        first_field = card.locator("label").first.bounding_box()
        assert abs(heading["x"] - first_field["x"]) <= 1, card.locator("h2").inner_text()
        assert heading["y"] < first_field["y"]  # above its fields, never beside them


def test_a_bad_yandex_address_is_refused_in_russian(pages, live) -> None:
    base, services = live
    tab = pages[360]
    tab.goto(base + PAGES["settings"])
    adding = tab.locator("#add-platform")
    adding.get_by_label("Тип").select_option("yandex_maps")
    adding.get_by_label("Адрес страницы отзывов").fill("https://maps.example.com/org/zdorovie/reviews")
    adding.get_by_role("button", name="Добавить").click()
    problem = tab.get_by_role("alert").first.inner_text()
    assert "Площадка 5 «Яндекс Карты»: адрес страницы отзывов — это не адрес площадки «Яндекс Карты»" in problem
    assert re.search("[а-я]", problem) and "yandex_maps" not in problem
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    tab.screenshot(path=str(ARTIFACTS / "dashboard-settings-problem-360.png"), full_page=True)
    assert len(services.clinic("c1").platforms) == 4


def test_the_accountants_file_and_the_numbers_csv_open_in_russian_excel(pages, live) -> None:
    base, services = live
    tab = pages[1280]
    tab.goto(base + PAGES["rewards"])
    tab.get_by_role("button", name=re.compile("Выгрузить к выплате")).click()
    with tab.expect_download() as got:
        tab.get_by_role("link", name="скачать CSV для бухгалтера").click()
    data = Path(got.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").splitlines()[0].startswith("Клиника;")
    assert data.decode("utf-8-sig").count("\r\n") == 7 and ";100,00;" in data.decode("utf-8-sig")
    tab.goto(base + PAGES["numbers"])
    with tab.expect_download() as got:
        tab.get_by_role("link", name="Все дни в CSV").click()
    text = Path(got.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeffДень;Визиты;") and ";" in text.splitlines()[23]
    assert {r.status for r in services.store.rewards_in_month("c1", "2026-11")} >= {"sending"}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_is_captured(pages, live, width) -> None:
    base, _ = live
    for name in PAGES:
        look(pages[width], base, name, width)
    # The outbox shows the sign-in email as a mail client would, beside its text with the link to click.
    outbox = pages[width]
    assert outbox.locator("iframe[sandbox]").count() >= 1
    assert outbox.locator("article.email pre a[href*='/admin/signin/']").count() >= 1
