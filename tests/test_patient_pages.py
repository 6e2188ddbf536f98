"""The dashboard's new pages: who stopped coming (scripts, outcomes, CSV, the script edited and audited), the
hand-offs' call list and booked per doctor (and its line on the numbers page), campaigns checked before they go,
sent once, and counted; who may see which."""

from __future__ import annotations

import re

import pytest

from functions.clinics.clinic import save_clinic
from functions.patients.reactivation import ads_scope
from functions.visits.intake import import_rows
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW, visit_row
from tests.patients_helpers import PHONE, history_clinic


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    import functions.web.admin.campaigns as campaigns_view
    import functions.web.admin.numbers as numbers_view
    import functions.web.admin.patients as patients_view

    for module in (campaigns_view, numbers_view, patients_view):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def owner(client, services, clinic_doc, outbox):
    history_clinic(services, clinic_doc)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    services.store.put_member("c1", "director@clinic.ru", "director", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    return client


def test_the_reactivation_page_lists_whom_to_call_with_the_script(owner, services) -> None:
    page = owner.get("/admin/c/c1/reactivation?months=12").get_data(as_text=True)
    assert "Позвонить: <b>4</b>" in page and "нет согласия на рекламу — 1" in page
    assert page.index("Соколова Мария Сергеевна") < page.index("Смирнова Анна Петровна")
    assert "Повод позвонить:</b> План лечения: пломбы на 36 и 37" in page
    assert "Анна Петровна, здравствуйте! Это Клиника Тест." in page and "обещание мы держим" in page
    csrf = csrf_of(owner, "/admin/c/c1/reactivation")
    done = owner.post("/admin/c/c1/reactivation/call", data={"csrf": csrf, "phone": PHONE["smirnova"],
                                                              "outcome": "booked", "months": "12"})
    assert done.status_code == 303 and done.headers["Location"].endswith("months=12&done=booked")
    page = owner.get("/admin/c/c1/reactivation?months=12").get_data(as_text=True)
    assert "Смирнова Анна Петровна" not in page and "уже записались — 1" in page
    stranger = owner.post("/admin/c/c1/reactivation/call", data={"csrf": csrf, "phone": "+70000000000",
                                                                  "outcome": "booked"})
    assert stranger.status_code == 404
    csv = owner.get("/admin/c/c1/reactivation.csv?months=18")
    assert csv.data.startswith(b"\xef\xbb\xbf") and "Новиков Денис Андреевич;8 (916) 123-00-06" in csv.get_data(
        as_text=True)


def test_the_owner_edits_the_script_and_the_change_is_audited(owner, services) -> None:
    csrf = csrf_of(owner, "/admin/c/c1/reactivation")
    saved = owner.post("/admin/c/c1/reactivation/script", data={
        "csrf": csrf, "opening": "", "money": "{{ person }}, осмотр у нас стоит 500 ₽.", "fear": "",
        "other_doctor": ""})
    assert saved.status_code == 303
    page = owner.get("/admin/c/c1/reactivation").get_data(as_text=True)
    assert "Мария Сергеевна, осмотр у нас стоит 500 ₽." in page
    assert services.store.list_audit("c1", 5)[0].what == "call script"
    broken = owner.post("/admin/c/c1/reactivation/script", data={"csrf": csrf, "money": "{{ person"})
    assert broken.status_code == 400 and "Скрипт не сохранён" in broken.get_data(as_text=True)
    assert services.clinic("c1").patients.scripts["money"] == "{{ person }}, осмотр у нас стоит 500 ₽."


def test_the_handoffs_page_lists_unbooked_recommendations_and_booked_per_doctor(owner, services) -> None:
    page = owner.get("/admin/c/c1/handoffs?from=2026-10-01&to=2026-11-30").get_data(as_text=True)
    assert "Волков Андрей Павлович" in page and "Направление:</b> Ортодонт" in page
    assert "Козлов" not in page and "Ещё ждут записи: 1." in page
    assert re.search(r"<td>Иванов И\. И\.</td><td class=\"num\">2</td><td class=\"num\">1 \(50%\)</td>", page)
    numbers = owner.get("/admin/c/c1/?from=2026-10-01&to=2026-11-30").get_data(as_text=True)
    assert "Направления к специалистам: <b>3</b>, записались <b>1</b>" in numbers
    csrf = csrf_of(owner, "/admin/c/c1/handoffs")
    assert owner.post("/admin/c/c1/handoffs/50801/call", data={"csrf": csrf, "outcome": "wrong_number"}
                      ).status_code == 303
    assert "Волков" not in owner.get("/admin/c/c1/handoffs").get_data(as_text=True)
    again = owner.post("/admin/c/c1/handoffs/50801/call", data={"csrf": csrf, "outcome": "declined"})
    assert again.status_code == 409


def test_a_campaign_is_checked_then_sent_once_and_counted(owner, services, outbox) -> None:
    csrf = csrf_of(owner, "/admin/c/c1/campaigns")
    form = {"csrf": csrf, "name": "Осень 2026", "months": "12", "channel": "email", "news": "",
            "offer": "Осмотр и чистка за 2 500 ₽", "price": "4 000 ₽", "save": "on"}
    preview = owner.post("/admin/c/c1/campaigns/preview", data=form).get_data(as_text=True)
    assert "Получат: <b>3</b>" in preview and "нет адреса почты — 1" in preview
    assert "Мария Ивановна, здравствуйте!" in preview and "Отправить 3 пациентам" in preview
    assert services.store.list_campaigns("c1") == []
    assert not [e for e in outbox.messages("email") if "Осмотр и чистка" in e["subject"]]
    sent = owner.post("/admin/c/c1/campaigns/send", data=form)
    assert sent.status_code == 303 and "sent=3" in sent.headers["Location"]
    assert len([e for e in outbox.messages("email") if "Осмотр и чистка" in e["subject"]]) == 3
    owner.post("/admin/c/c1/campaigns/send", data=form)  # pressed again: nobody gets a second letter
    assert len([e for e in outbox.messages("email") if "Осмотр и чистка" in e["subject"]]) == 3
    assert services.clinic("c1").patients.letter["offer"] == "Осмотр и чистка за 2 500 ₽"
    import_rows(services.store, services.clinic("c1"), [(2, visit_row(1, phone=PHONE["novikov"],
                                                                       visit_at="24.11.2026 11:00"))], 14)
    listed = owner.get("/admin/c/c1/campaigns").get_data(as_text=True)
    assert re.search(r"Осень 2026.*?<td class=\"num\">3</td><td class=\"num\">1 \(33%\)</td>", listed, re.S)


def test_a_campaign_without_an_offer_is_explained_and_starts_nothing(owner, services, clinic_doc) -> None:
    save_clinic(services.store, clinic_doc, NOW)  # the clinic has set no letter
    csrf = csrf_of(owner, "/admin/c/c1/campaigns")
    answer = owner.post("/admin/c/c1/campaigns/preview", data={"csrf": csrf, "name": "Пусто", "months": "12",
                                                                "channel": "sms", "offer": "", "price": ""})
    assert answer.status_code == 400 and "set offer and price" in answer.get_data(as_text=True)
    assert services.store.list_campaigns("c1") == []


def test_a_director_calls_but_does_not_send_campaigns(client, services, clinic_doc, outbox) -> None:
    history_clinic(services, clinic_doc)
    services.store.put_member("c1", "director@clinic.ru", "director", NOW)
    sign_in(client, outbox, "director@clinic.ru")
    assert client.get("/admin/c/c1/reactivation").status_code == 200
    assert client.get("/admin/c/c1/handoffs").status_code == 200
    assert client.get("/admin/c/c1/campaigns").status_code == 403
    page = client.get("/admin/c/c1/reactivation").get_data(as_text=True)
    assert 'id="script"' not in page and "Рассылки" not in page


def test_unsubscribed_patients_leave_the_call_list_too(owner, services) -> None:
    services.store.add_optout(ads_scope("c1"), PHONE["sokolova"], NOW)
    page = owner.get("/admin/c/c1/reactivation").get_data(as_text=True)
    assert "Соколова" not in page and "отказались от сообщений — 1" in page
