"""Hostile input as the clinic owner meets it, in a real Chromium at phone and desktop widths: an odd CSV's
row report in Russian, and an SMS text past four segments refused as it is typed and when it is saved."""

from __future__ import annotations

import pytest

from tests.admin_helpers import sign_in_in_browser
from tests.test_admin_browser import live  # noqa: F401 (fixture)
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (fixture)

HOSTILE_CSV = "\r\n".join([
    "Номер визита\tФИО\tТелефон\tДата приёма\tВрач",
    "1\tСмирнова Анна\t8 916 123-45-01\t23.11.2026 09:30\t=HYPERLINK(\"https://evil.example\",\"Скидка\")",
    "2\tКузнецов Пётр\t+7-916-ABC-DEFG\t23.11.2026 10:00\tИванов И. И.",
    "3\tПопов Игорь\t8 916 123-45-03\t31.12.9999 23:00\tИванов И. И.",
    "4\t\"Соколова Мария\t8 916 123-45-04\t23.11.2026 11:00\tИванов И. И.",
    "5\tЛебедев Олег\t8 916 123-45-05\t23.11.2026 11:30\tИванов И. И.",
]) + "\r\n"


def signed_in_page(browser, base: str, outbox, width: int):  # noqa: F811
    page = browser.new_context(viewport={"width": width, "height": 800}, locale="ru-RU").new_page()
    sign_in_in_browser(page, base, outbox)
    return page


@pytest.mark.parametrize("width", [360, 1280])
def test_an_odd_export_is_reported_row_by_row_in_russian(browser, live, outbox, tmp_path, width) -> None:  # noqa: F811
    base, _ = live
    page = signed_in_page(browser, base, outbox, width)
    upload = tmp_path / "visits.txt"
    upload.write_bytes(HOSTILE_CSV.encode("utf-16"))  # Excel's "Unicode text": UTF-16 with a BOM, tabs
    page.goto(f"{base}/admin/c/c1/import")
    page.set_input_files("#file", str(upload))
    page.get_by_role("button", name="Загрузить").click()
    page.locator("#report").wait_for()
    assert "Новых: 2, обновлено: 0, отклонено: 3." in page.locator("#report p").first.inner_text()
    rows = page.locator("#rejected tr").all_inner_texts()[1:]
    assert [r.split("\t")[:2] for r in rows] == [["3", "Телефон"], ["4", "Дата приёма"], ["5", ""]]
    assert "в номере есть буквы" in rows[0] and "вне допустимого окна" in rows[1] and "кавычка" in rows[2]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"import-report-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_an_sms_text_past_four_segments_is_refused_as_typed_and_on_save(browser, live, outbox, width) -> None:  # noqa: F811
    base, services = live
    page = signed_in_page(browser, base, outbox, width)
    page.goto(f"{base}/admin/c/c1/settings")
    long_text = "{{ clinic }}: " + "Спасибо, что выбрали нашу клинику! " * 12 + "{{ link }}"
    page.locator("#template").fill(long_text)
    # 7 parts with this server's short link (http://127.0.0.1/<token>/): counted with the real one
    page.locator("#segments", has_text="SMS займёт 7 частей").wait_for()
    assert page.locator("#segments").inner_text().startswith("UCS-2, частей: 7.")
    page.get_by_role("button", name="Сохранить настройки").click()
    page.get_by_text("Текст SMS — SMS займёт 7 частей").wait_for()
    assert services.clinic("c1").sending.template == ""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#template").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"settings-segments-{width}.png"), full_page=True)
