"""Cases as a director works them: the list names the patient, doctor and branch with a labelled score, its age
and words cut at a word's end, filtered and searched; the case page has the received time, a formatted phone,
the patient's own WhatsApp or Telegram as links, and a close that can be undone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.store import Contact
from functions.visits.intake import import_rows
from functions.web import invites as api
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW, visit_row

LONG = ("Записали на десять, приняли в одиннадцать сорок, администратор даже не извинилась, а врач торопился "
        "и ничего толком не объяснил про лечение и про то, сколько оно будет стоить")


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    import functions.web.admin.cases as cases_view

    monkeypatch.setattr(api, "utcnow", lambda: NOW)
    monkeypatch.setattr(cases_view, "utcnow", lambda: NOW + timedelta(hours=2))


@pytest.fixture
def cases(services, clinic_doc, client, outbox):
    clinic = save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "dir@clinic.ru", "director", NOW)
    rows = [(2, visit_row(1, patient_name="Петрова Мария Ивановна", branch="Север")),
            (3, visit_row(2, patient_name="Сидоров Олег", doctor="Ёлкина А. А."))]
    import_rows(services.store, clinic, rows, 14)
    services.store.save_contacts([
        Contact(clinic_id="c1", phone="+79161234501", updated_at=NOW, expires_at=NOW + timedelta(days=30),
                channel="whatsapp"),
        Contact(clinic_id="c1", phone="+79161234502", updated_at=NOW, expires_at=NOW + timedelta(days=30),
                channel="telegram", address="@oleg_s")])
    send_due_invites(services, NOW)
    for n, score, words in ((1, 2, LONG), (2, 3, "")):
        token = services.store.get_visit("c1", f"v{n}").invite_token
        client.post(f"/api/v1/invites/{token}/rating", json={"score": score})
        if words:
            client.post(f"/api/v1/invites/{token}/feedback", json={"text": words})
    sign_in(client, outbox, "dir@clinic.ru")
    return services


def test_the_list_names_patient_doctor_branch_with_a_labelled_score_and_age(client, cases) -> None:
    page = client.get("/admin/c/c1/cases").get_data(as_text=True)
    first = page.split('data-case="v1"', 1)[1].split("</li>", 1)[0]
    assert 'aria-label="Оценка 2 из 5"><small>оценка</small>2<small>из 5</small>' in first
    assert "<b>Петрова Мария Ивановна</b>" in first and "Иванов И. И. · Север" in first
    assert "получено 23 нояб., 12:00" in first and "2\xa0ч назад" in first
    words = re.search(r'<span class="words">([^<]+)</span>', first).group(1)
    assert words.endswith("…") and LONG.startswith(words[:-1]) and LONG[len(words) - 1] == " "


def test_the_list_is_filtered_and_searched(client, cases) -> None:
    def shown(query: str) -> list[str]:
        return re.findall(r'data-case="(\w+)"', client.get(f"/admin/c/c1/cases?{query}").get_data(as_text=True))

    assert sorted(shown("")) == ["v1", "v2"]
    assert shown("q=петрова") == ["v1"] and shown("q=елкина") == ["v2"]  # ё or е alike
    assert shown("q=1234502") == ["v2"] and shown("q=администратор") == ["v1"]
    assert shown("q=никто") == [] and shown("status=resolved") == []


def test_the_case_page_reaches_the_patient_their_way(client, cases) -> None:
    whatsapp = client.get("/admin/c/c1/cases/v1").get_data(as_text=True)
    assert "Получено 23 ноября 2026, 12:00" in whatsapp and "Петрова Мария Ивановна" in whatsapp
    assert '<a href="tel:+79161234501">+7 916 123-45-01</a>' in whatsapp
    assert 'href="https://wa.me/79161234501" target="_blank"' in whatsapp
    telegram = client.get("/admin/c/c1/cases/v2").get_data(as_text=True)
    assert 'href="https://t.me/oleg_s"' in telegram and "wa.me" not in telegram


def test_a_closed_case_can_be_opened_again_and_the_timeline_says_so(client, cases) -> None:
    csrf = csrf_of(client, "/admin/c/c1/cases/v1")
    closed = client.post("/admin/c/c1/cases/v1/resolve", data={"csrf": csrf, "outcome": "not_returned"})
    page = client.get(closed.headers["Location"]).get_data(as_text=True)
    assert "Закрыли по ошибке?" in page and "закрыл(а): dir@clinic.ru, 23 нояб., 14:00" in page
    assert client.post("/admin/c/c1/cases/v1/reopen", data={"csrf": csrf}).status_code == 303
    assert cases.store.get_case("c1", "v1").status == "contacted"
    assert client.post("/admin/c/c1/cases/v1/reopen", data={"csrf": csrf}).status_code == 409  # not closed now
    page = client.get("/admin/c/c1/cases/v1").get_data(as_text=True)
    assert 'data-kind="reopened"' in page and "Обращение открыто снова" in page and "закрыл(а)" not in page
