"""The patient's answer to the care message, on the same one-tap page: its own question, no reward and no review
sites; a low answer is a case for the director and the visit's doctor, urgent (and said so first in the subject)
when the words name pain, blood or fever — on both stores, the sweep sending what waited."""

from __future__ import annotations

from datetime import timedelta

from functions.aftercare.answer import give_care_words, rate_care
from functions.answers.answer import open_invite
from functions.cases.sweep import sweep_cases
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.store.patient_records import care_case_id
from functions.transports.outbox import Outbox
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms

FOLLOWUPS = {"rules": [{"stems": ["удален"], "when": "next_day"}]}
DOCTORS = {"Иванов И. И.": ["ivanov@clinic.example"]}


def care_world(store, settings, clinic_doc, **changes):
    services = Services(settings, store=store, sms=RecordingSms())
    clinic = save_clinic(store, {**clinic_doc, "followups": FOLLOWUPS, "doctors": DOCTORS, **changes}, NOW)
    import_rows(store, clinic, [(2, visit_row(1, visit_at="22.11.2026 15:00", service="Удаление зуба",
                                              patient_name="Петрова Мария Ивановна"))], 14)
    send_due_invites(services, NOW)
    token = store.care_messages("c1", ["v1"])["v1"].token
    return services, token


def emails(settings) -> list[dict]:
    return list(reversed(Outbox(settings.outbox_path).messages("email")))


def test_a_low_answer_is_a_case_for_the_director_and_the_doctor(store, settings, clinic_doc) -> None:
    services, token = care_world(store, settings, clinic_doc)
    score, first, _ = rate_care(services, open_invite(services, token, NOW), 2, NOW)
    assert (score, first) == (2, True)
    case = store.get_case("c1", care_case_id("v1"))
    assert (case.source, case.score, case.urgent, case.visit_id) == ("care", 2, False, "v1")
    assert store.get_case("c1", "v1") is None  # the visit's own complaint case is another matter
    assert emails(settings) == []  # the words may still come
    assert sweep_cases(services, NOW + timedelta(minutes=10))["sent"] == 1
    [email] = emails(settings)
    assert email["to"] == ["director@clinic.example", "ivanov@clinic.example"]
    assert email["subject"].startswith("Клиника Тест: пациенту плохо после визита — самочувствие 2 из 5")
    assert "Мария Ивановна, здравствуйте!" in email["text"] and "врач подскажет" in email["text"]
    assert [e.kind for e in store.case_events("c1", case.case_id)] == ["care_low", "alert_sent"]


def test_words_of_pain_or_blood_make_it_urgent_and_the_subject_says_so(store, settings, clinic_doc) -> None:
    services, token = care_world(store, settings, clinic_doc)
    opened = open_invite(services, token, NOW)
    rate_care(services, opened, 1, NOW)
    give_care_words(services, open_invite(services, token, NOW), "Сильно болит щека, и ночью шла кровь", NOW)
    [email] = emails(settings)  # the words go at once, in the one alert
    assert email["subject"].startswith("СРОЧНО: Клиника Тест: пациенту плохо после визита")
    assert "Сильно болит щека" in email["text"] and email["to"][-1] == "ivanov@clinic.example"
    case = store.get_case("c1", care_case_id("v1"))
    assert case.urgent and [e.kind for e in store.case_events("c1", case.case_id)] == [
        "care_low", "words", "marked_urgent", "alert_sent"]


def test_urgent_words_after_the_alert_go_as_an_urgent_follow_up(store, settings, clinic_doc) -> None:
    services, token = care_world(store, settings, clinic_doc)
    rate_care(services, open_invite(services, token, NOW), 2, NOW)
    sweep_cases(services, NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=30)
    give_care_words(services, open_invite(services, token, later), "Поднялась температура 38", later)
    subjects = [e["subject"] for e in emails(settings)]
    assert len(subjects) == 2 and subjects[1].startswith("СРОЧНО: Клиника Тест: пациент дописал")


def test_a_good_answer_opens_nothing_and_pays_nothing(store, settings, clinic_doc) -> None:
    services, token = care_world(store, settings, clinic_doc)
    rate_care(services, open_invite(services, token, NOW), 5, NOW)
    assert store.get_case("c1", care_case_id("v1")) is None and emails(settings) == []
    assert store.list_rewards("c1") == []  # the care message promised nothing, and pays nothing


def test_a_mis_tap_corrected_closes_the_case_before_anyone_is_told(store, settings, clinic_doc) -> None:
    services, token = care_world(store, settings, clinic_doc)
    rate_care(services, open_invite(services, token, NOW), 1, NOW)
    rate_care(services, open_invite(services, token, NOW), 5, NOW + timedelta(minutes=1))
    case = store.get_case("c1", care_case_id("v1"))
    assert (case.status, case.outcome, case.score) == ("resolved", "changed", 5)
    sweep_cases(services, NOW + timedelta(minutes=15))
    assert emails(settings) == []


def test_the_page_asks_its_own_question_without_reward_or_sites(client, services, clinic_doc, monkeypatch) -> None:
    import functions.web.forms as forms
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW)
    monkeypatch.setattr(forms, "utcnow", lambda: NOW)
    services.sms = RecordingSms()
    clinic = save_clinic(services.store, {**clinic_doc, "followups": FOLLOWUPS, "sending": {"details": True}}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1, visit_at="22.11.2026 15:00", service="Удаление зуба"))], 14)
    send_due_invites(services, NOW)
    token = services.store.care_messages("c1", ["v1"])["v1"].token
    body = client.get(f"/api/v1/invites/{token}").get_json()
    assert body["care"] == {"question": "Как вы себя чувствуете после удаления зуба?"}
    assert (body["reward"]["state"], body["platforms"]) == ("none", [])
    answer = client.post(f"/api/v1/invites/{token}/rating", json={"score": 5}).get_json()
    assert (answer["route"], answer["platforms"], answer["reward"]) == ("well", [], "none")
    followed = client.get(f"/r/{token}/yandex")
    assert followed.status_code == 200 and "Location" not in followed.headers  # never on to a review site
    page = client.get(f"/{token}/rating").get_data(as_text=True)
    assert "Как вы себя чувствуете после удаления зуба?" in page and 'data-purpose="care"' in page
    assert "Рады, что вам хорошо!" in page
    # The funnel's numbers count the visit's invite, never the care message's opening.
    stats = services.store.read_stats("c1", "2026-11-22", "2026-11-22")
    assert stats[("2026-11-22", "all")].get("opened") is None and stats[("2026-11-22", "all")]["care_sent"] == 1


def test_the_page_without_javascript_takes_the_words(client, services, clinic_doc, monkeypatch) -> None:
    import functions.web.forms as forms

    monkeypatch.setattr(forms, "utcnow", lambda: NOW)
    services.sms = RecordingSms()
    clinic = save_clinic(services.store, {**clinic_doc, "followups": FOLLOWUPS}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1, visit_at="22.11.2026 15:00", service="Удаление зуба"))], 14)
    send_due_invites(services, NOW)
    token = services.store.care_messages("c1", ["v1"])["v1"].token
    low = client.post(f"/{token}/rating", data={"score": "2"}).get_data(as_text=True)
    assert "Нам жаль. Что беспокоит?" in low and "звоните 103" in low
    done = client.post(f"/{token}/feedback", data={"text": "Опухла щека"}).get_data(as_text=True)
    assert "Врач свяжется с вами" in done
    assert services.store.get_case("c1", care_case_id("v1")).urgent is True
