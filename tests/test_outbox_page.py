"""The embedded outbox as an inspector: links clickable, the HTML email rendered in a sandboxed frame beside its
text, times in the clinic's zone, and when the invites still waiting today will go out."""

from __future__ import annotations

import re

from functions.clinics.clinic import save_clinic
from functions.visits.intake import import_rows
from tests.admin_helpers import csrf_of
from tests.conftest import NOW, visit_row


def test_the_sign_in_email_is_shown_as_a_mail_client_would_with_its_link_clickable(client, services, clinic_doc,
                                                                                    outbox) -> None:
    save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    client.post("/admin/signin", data={"email": "owner@clinic.ru", "csrf": csrf_of(client)})
    answer = client.get("/outbox")
    page = answer.get_data(as_text=True)
    link = re.search(r"(https://\S+/admin/signin/[\w.-]+)", outbox.messages("email")[0]["text"]).group(1)
    assert f'<a href="{link}" target="_blank" rel="noopener noreferrer">{link}</a>' in page
    frame = re.search(r'<iframe sandbox title="[^"]+" srcdoc="([^"]+)"></iframe>', page)
    assert frame and "&lt;a href=" in frame.group(1)  # the HTML part, escaped into the frame, no script allowed
    assert "times in Europe/Moscow" in page
    shown = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert shown.group(2) != shown.group(1) and re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", shown.group(2))
    assert "'unsafe-inline'" in answer.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/admin/signin").headers["Content-Security-Policy"]


def test_after_an_import_the_outbox_says_when_the_invites_will_go(client, services, clinic_doc, monkeypatch) -> None:
    import functions.web.pages as pages

    monkeypatch.setattr(pages, "utcnow", lambda: NOW)  # 12:00 in Moscow
    clinic = save_clinic(services.store, clinic_doc, NOW)
    rows = [(2, visit_row(1, visit_at="23.11.2026 11:30")), (3, visit_row(2, visit_at="23.11.2026 11:30")),
            (4, visit_row(3, visit_at="23.11.2026 20:00")), (5, visit_row(4, visit_at="23.11.2026 08:30"))]
    import_rows(services.store, clinic, rows, 14)
    page = client.get("/outbox").get_data(as_text=True)
    upcoming = page.split('id="upcoming-c1"', 1)[1].split("</section>", 1)[0]
    assert "<li>2 from 13:30 (Europe/Moscow)</li>" in upcoming  # two hours after the visit
    assert "<li>1 from 12:00 (Europe/Moscow)</li>" in upcoming  # due already: the next run
    assert "1 will not go" in upcoming  # 20:00 + 2 h is after the 21:00 window closes


def test_the_import_page_says_when_the_imported_invites_go(client, services, clinic_doc, outbox, monkeypatch) -> None:
    import io

    import functions.web.admin.uploads as uploads
    from tests.admin_helpers import sign_in

    monkeypatch.setattr(uploads, "utcnow", lambda: NOW)  # 12:00 in Moscow
    save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    data = "ФИО;Телефон;Дата приёма\nАнна;+79161234599;23.11.2026 11:30\nБорис;+79161234598;23.11.2026 20:00\n"
    page = client.post("/admin/c/c1/import", data={"csrf": csrf_of(client, "/admin/c/c1/import"),
                                                   "file": (io.BytesIO(data.encode()), "export.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    upcoming = page.split('id="upcoming"', 1)[1].split("</section>", 1)[0]
    assert "<li>сегодня с 13:30 — 1</li>" in upcoming and "1 — не уйдут: окно отправки закрылось" in upcoming
