"""Contact preferences: parsed from the clinic's file, kept per patient, honoured and shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.invites.dispatch import send_due_invites
from functions.store import Contact
from functions.visits.contacts import PreferenceError, parse_hours, parse_preferences, reachable_now
from functions.visits.csv_files import import_csv
from tests.conftest import NOW

MSK = ZoneInfo("Europe/Moscow")
CSV = ("ФИО;Телефон;Дата приёма;Канал связи;Удобное время;Удобные дни\n"
       "Анна;89161234501;23.11.2026 09:00;WhatsApp;18-21;по будням\n"
       "Борис;89161234502;23.11.2026 09:00;голубиная почта;когда-нибудь;\n"
       "Вера;89161234503;23.11.2026 09:00;;;\n")


@pytest.mark.parametrize("raw,window", [("18-21", (18, 21)), ("18:00-21:00", (18, 21)), ("с 9 до 12", (9, 12)),
                                        ("9–12", (9, 12)), (" 0 - 24 ", (0, 24)), ("вечером", (17, 21)),
                                        ("Утром", (9, 12)), ("днём", (12, 17)), ("после 18", (18, 21)),
                                        ("после 18:00", (18, 21)), ("до 12", (9, 12)), ("в 19", (19, 20)),
                                        ("с 18", (18, 21)), ("9.30-12", (9, 12)), ("in the evening", (17, 21)),
                                        ("after 18", (18, 21))])
def test_time_windows(raw, window) -> None:
    assert parse_hours(raw) == window


@pytest.mark.parametrize("raw", ["когда-нибудь", "21-18", "9-25", "18", "после 25", "до 0"])
def test_bad_time_windows(raw) -> None:
    with pytest.raises(PreferenceError):
        parse_hours(raw)


def test_preferences_from_words() -> None:
    found, problems = parse_preferences({"contact_channel": "Телеграм", "contact_days": "Выходные"})
    assert (found, problems) == ({"channel": "telegram", "days": "weekends"}, [])


def test_import_keeps_preferences_per_patient_and_warns_about_the_ones_it_cannot_read(services, clinic) -> None:
    report = import_csv(services.store, clinic, CSV.encode(), 14).as_dict()
    assert (report["imported"], report["rejected"]) == (3, 0)
    assert [(w["line"], w["column"]) for w in report["warnings"]] == [(3, "Канал связи"), (3, "Удобное время")]
    contacts = services.store.contacts("c1", ["+79161234501", "+79161234502", "+79161234503"])
    anna = contacts["+79161234501"]
    assert (anna.channel, anna.hours_from, anna.hours_to, anna.days) == ("whatsapp", 18, 21, "weekdays")
    assert set(contacts) == {"+79161234501"}


def contact(**values) -> Contact:
    return Contact("c1", "+79161234501", NOW, NOW + timedelta(days=16), **values)


@pytest.mark.parametrize("prefs,local,expected", [
    ({}, datetime(2026, 11, 23, 12, tzinfo=MSK), True),
    ({"hours_from": 18, "hours_to": 21}, datetime(2026, 11, 23, 12, tzinfo=MSK), False),
    ({"hours_from": 18, "hours_to": 21}, datetime(2026, 11, 23, 18, 30, tzinfo=MSK), True),
    ({"hours_from": 18, "hours_to": 21}, datetime(2026, 11, 23, 21, 0, tzinfo=MSK), False),
    ({"days": "weekends"}, datetime(2026, 11, 23, 12, tzinfo=MSK), False),  # a Monday
    ({"days": "weekdays"}, datetime(2026, 11, 28, 12, tzinfo=MSK), False),  # a Saturday
    ({"days": "weekdays"}, datetime(2026, 11, 23, 12, tzinfo=MSK), True),
])
def test_reachable_now(prefs, local, expected) -> None:
    assert reachable_now(contact(**prefs), local) is expected


def test_dispatch_waits_for_the_patients_window(services, clinic, outbox) -> None:
    import_csv(services.store, clinic, CSV.encode(), 14)
    first = send_due_invites(services, NOW)  # 12:00 in Moscow
    assert (first.sent, first.skipped["outside_patient_window"]) == (2, 1)
    evening = send_due_invites(services, NOW + timedelta(hours=6, minutes=30))  # 18:30
    assert evening.sent == 1
    assert sorted(m["to"] for m in outbox.messages("sms")) == ["+79161234501", "+79161234502", "+79161234503"]


def test_director_email_says_how_and_when_to_reach_the_patient(client, services, clinic, outbox,
                                                               monkeypatch) -> None:
    import functions.web.invites as view

    import_csv(services.store, clinic, CSV.encode(), 14)
    send_due_invites(services, NOW + timedelta(hours=6, minutes=30))
    [anna] = [v for v in services.store.visits_on("c1", "2026-11-23") if v.phone == "+79161234501"]
    monkeypatch.setattr(view, "utcnow", lambda: NOW + timedelta(hours=7))
    client.post(f"/api/v1/invites/{anna.invite_token}/rating", json={"score": 1})
    client.post(f"/api/v1/invites/{anna.invite_token}/feedback", json={"text": "Плохо"})
    [email] = outbox.messages("email")
    assert "Как связаться: WhatsApp, с 18 до 21, по будням" in email["text"]
    assert "WhatsApp, с 18 до 21, по будням" in email["html"]
