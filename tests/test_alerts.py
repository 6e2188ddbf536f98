"""The director's email: every field of the complaint, escaped; no line breaks in the subject; no token."""

from __future__ import annotations

from datetime import timedelta

from functions.cases.alerts import complaint_email
from functions.clinics.clinic import parse_clinic
from functions.store import Case
from functions.visits.intake import build_visit
from tests.conftest import NOW, visit_row


def email_for(clinic_doc, text: str, **visit):
    clinic = parse_clinic(clinic_doc)
    row = visit_row(1, **{"branch": "Центр", "service": "Приём терапевта", **visit})
    case = Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text=text, created_at=NOW)
    return complaint_email(clinic, case, build_visit(clinic, row, 14))


def test_email_carries_everything_the_director_needs(clinic_doc) -> None:
    email = email_for(clinic_doc, "Долго ждали у кабинета")
    for part in (email.text, email.html):
        for field in ("Долго ждали у кабинета", "Пациент 1", "+79161234501", "23.11.2026 09:00",
                      "Иванов И. И.", "Центр", "Приём терапевта", "2 из 5"):
            assert field in part
    assert 'href="tel:+79161234501"' in email.html
    assert email.subject == "Клиника Тест, Центр: оценка 2 из 5 — «Долго ждали у кабинета»"
    assert email.to == ("director@clinic.example",)


def test_hostile_text_is_escaped_in_html_and_cannot_break_the_subject(clinic_doc) -> None:
    email = email_for(clinic_doc, "<script>alert(1)</script>\r\nBcc: victim@example.com",
                      patient_name="<b>Мэллори</b>")
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<b>Мэллори</b>" not in email.html and "&lt;b&gt;Мэллори&lt;/b&gt;" in email.html
    assert "\r" not in email.subject and "\n" not in email.subject
    assert "<script>alert(1)</script>" in email.text  # plain text shows what the patient typed


def test_visit_time_is_shown_in_the_clinics_timezone(clinic_doc) -> None:
    email = email_for({**clinic_doc, "timezone": "Asia/Vladivostok"}, "Плохо",
                      visit_at=(NOW - timedelta(hours=1)).isoformat())
    assert "23.11.2026 18:00" in email.text  # 08:00 UTC is 18:00 in Vladivostok


def test_the_branchs_own_directors_hear_of_its_complaints(clinic_doc) -> None:
    doc = {**clinic_doc, "branches": {"Север": {"directors": ["north@clinic.example", "director@clinic.example"]}}}
    north = email_for(doc, "Плохо", branch="Север")
    assert north.to == ("director@clinic.example", "north@clinic.example")
    assert email_for(doc, "Плохо", branch="Юг").to == ("director@clinic.example",)


def test_four_kilobytes_of_emoji_stay_readable_and_the_subject_short(clinic_doc) -> None:
    emoji = "😡" * 1000  # 4 KB in UTF-8, 1,000 characters: within the 2,000 the page allows
    email = email_for(clinic_doc, emoji)
    assert emoji in email.text and emoji in email.html
    assert len(email.subject) <= 200 and "\n" not in email.subject


def test_the_html_email_reads_well_at_phone_width(clinic_doc, tmp_path) -> None:
    from pathlib import Path

    from tests.test_browser import CHROMIUM, FLAGS

    if not Path(CHROMIUM).exists():
        import os

        import pytest

        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    email = email_for(clinic_doc, "Администратор нагрубил, а потом ещё и долго ждали приёма у кабинета " * 3)
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.set_content(email.html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        assert page.locator("a[href^='tel:']").inner_text() == "+79161234501"
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
        page.screenshot(path=str(artifacts / "director-email-360.png"), full_page=True)
        browser.close()
