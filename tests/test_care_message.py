"""The next-day care message: when it goes (time zones, windows, the patient's own window), once per visit on both
stores, never without consent or after STOP, the repeat rule, what it says and what it costs in segments."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.aftercare.rules import CareRule
from functions.aftercare.text import care_text, genitive, sample_care
from functions.aftercare.timing import care_timing, care_window
from functions.clinics.clinic import parse_clinic, save_clinic
from functions.invites.dispatch import send_due_invites
from functions.invites.segments import count_segments
from functions.invites.timing import SendRules
from functions.services import Services
from functions.store import Contact, Visit
from functions.transports.outbox import Outbox, OutboxSms, OutboxWhatsApp
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms
from tests.test_exactly_once import DiesAfterSending

FOLLOWUPS = {"rules": [{"stems": ["удален", "имплант"], "when": "next_day"}, {"stems": ["эндодонт"], "hours": 4}]}
NEXT_DAY, FOUR_HOURS = CareRule(stems=("удален",)), CareRule(stems=("эндодонт",), hours=4)


def a_visit(local: str, zone: str = "Europe/Moscow") -> Visit:
    at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    return Visit(clinic_id="c1", visit_id="v1", patient_name="Анна", phone="+79161234567", visit_at=at,
                 local_date=at.date().isoformat(), expires_at=at + timedelta(days=16))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("zone", "visit", "rule", "start", "end"), [
    # The next local day, from the window's opening to its close, whatever the zone.
    ("Europe/Moscow", "2026-11-22T15:00", NEXT_DAY, "2026-11-23T07:00", "2026-11-23T18:00"),
    ("Asia/Vladivostok", "2026-11-22T18:00", NEXT_DAY, "2026-11-23T00:00", "2026-11-23T11:00"),
    ("Europe/Kaliningrad", "2026-11-22T20:59", NEXT_DAY, "2026-11-23T08:00", "2026-11-23T19:00"),
    # A visit late at night still waits for the next morning's window, never the small hours.
    ("Europe/Moscow", "2026-11-22T23:30", NEXT_DAY, "2026-11-23T07:00", "2026-11-23T18:00"),
    # N hours after, inside the window the same day; moved to the next opening when it falls outside.
    ("Europe/Moscow", "2026-11-23T11:00", FOUR_HOURS, "2026-11-23T12:00", "2026-11-23T18:00"),
    ("Europe/Moscow", "2026-11-23T19:00", FOUR_HOURS, "2026-11-24T07:00", "2026-11-24T18:00"),
    ("Europe/Moscow", "2026-11-23T05:00", FOUR_HOURS, "2026-11-23T07:00", "2026-11-23T18:00"),
    # The clock changes overnight (Berlin, 29 March 2026): the window is still 10:00-21:00 on the wall.
    ("Europe/Berlin", "2026-03-28T15:00", NEXT_DAY, "2026-03-29T08:00", "2026-03-29T19:00"),
])
def test_the_care_window_is_the_clinics_wall_clock(zone, visit, rule, start, end) -> None:
    assert care_window(SendRules(), rule, ZoneInfo(zone), a_visit(visit, zone)) == (utc(start), utc(end))


def test_a_narrower_clinic_window_and_the_patients_own_window_are_respected() -> None:
    rules = SendRules(window_from=datetime.min.time().replace(hour=12), window_to=datetime.min.time().replace(hour=18))
    zone = ZoneInfo("Europe/Moscow")
    visit = a_visit("2026-11-22T15:00")
    assert care_window(rules, NEXT_DAY, zone, visit) == (utc("2026-11-23T09:00"), utc("2026-11-23T15:00"))
    evening = Contact(clinic_id="c1", phone=visit.phone, updated_at=NOW, expires_at=NOW, hours_from=17, hours_to=21)
    assert care_timing(rules, NEXT_DAY, zone, visit, evening, utc("2026-11-23T10:00")) == "outside_patient_window"
    assert care_timing(rules, NEXT_DAY, zone, visit, evening, utc("2026-11-23T14:30")) is None
    assert care_timing(rules, NEXT_DAY, zone, visit, None, utc("2026-11-23T08:59")) == "not_yet"
    assert care_timing(rules, NEXT_DAY, zone, visit, None, utc("2026-11-23T15:00")) == "too_late"


def with_care(services, clinic_doc, **extra):
    doc = {**clinic_doc, "followups": FOLLOWUPS, "doctors": {"Иванов И.И.": "ivanov@clinic.example"}, **extra}
    return save_clinic(services.store, doc, NOW)


YESTERDAY = "22.11.2026 15:00"
CARE_WHATSAPP = {"phone_number_id": "106540352242922", "templates": {
    "care": {"name": "otklik_care", "language": "ru", "params": ["clinic"], "button": True}}}


def test_the_care_message_goes_the_next_day_once_per_visit(store, settings, clinic_doc) -> None:
    sms = RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = with_care(services, clinic_doc)
    import_rows(store, clinic, [(2, visit_row(1, visit_at=YESTERDAY, service="Удаление зуба")),
                                (3, visit_row(2, visit_at=YESTERDAY, service="Консультация терапевта")),
                                (4, visit_row(3, visit_at="23.11.2026 08:00", service="Удаление зуба"))], 14)
    early = send_due_invites(services, NOW - timedelta(hours=3))  # 09:00 in Moscow: before the window opens
    assert not [s for s in sms.sent if "чувствуете" in s.text] and "care" not in early.as_dict()
    report = send_due_invites(services, NOW).as_dict()
    care = [s for s in sms.sent if "чувствуете" in s.text]
    assert [s.to for s in care] == ["+79161234501"]  # the extraction, not the consultation; today's visit tomorrow
    assert care[0].text.startswith("Клиника Тест: как вы себя чувствуете после визита? Ответьте одним касанием: "
                                   "https://otk.example.ru/")
    assert report["care"]["care_sent"] == 1 and report["care"]["care_not_yet"] == 1
    # Runs after it, and two at once, send nothing more.
    runs = [threading.Thread(target=send_due_invites, args=(services, NOW + timedelta(minutes=15))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert len([s for s in sms.sent if "чувствуете" in s.text]) == 1
    assert store.care_messages("c1", ["v1"])["v1"].state == "sent"
    # Today's extraction is asked tomorrow; missed then (an outage), it is too late the day after.
    late = send_due_invites(services, NOW + timedelta(days=2)).as_dict()
    assert late["care"]["care_too_late"] == 1 and "care_sent" not in late["care"]
    assert len([s for s in sms.sent if "чувствуете" in s.text]) == 1


def test_no_care_message_without_consent_after_stop_or_within_the_repeat_rule(store, settings, clinic_doc) -> None:
    sms = RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = with_care(services, clinic_doc)
    import_rows(store, clinic, [
        (2, visit_row(1, visit_at=YESTERDAY, service="Удаление зуба", consent="нет")),
        (3, visit_row(2, visit_at=YESTERDAY, service="Удаление зуба")),
        (4, visit_row(3, visit_at=YESTERDAY, service="Имплантация")),
        (5, visit_row(4, visit_at="22.11.2026 16:00", service="Имплантация", phone="+79161234503")),
    ], 14)
    store.add_optout("*", "+79161234502", NOW)  # a STOP reply
    report = send_due_invites(services, NOW).as_dict()["care"]
    assert sorted(s.to for s in sms.sent) == ["+79161234503"]
    assert (report["care_no_consent"], report["care_opted_out"], report["care_recently_asked"]) == (1, 1, 1)


def test_a_run_that_died_mid_send_is_settled_without_a_second_sms(store, settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    dying = DiesAfterSending(OutboxSms(outbox))
    services = Services(settings, store=store, sms=dying)
    clinic = with_care(services, clinic_doc)
    import_rows(store, clinic, [(2, visit_row(1, visit_at=YESTERDAY, service="Удаление зуба"))], 14)
    with contextlib.suppress(SystemExit):
        send_due_invites(services, NOW)
    dying.dead = False
    assert send_due_invites(services, NOW + timedelta(seconds=30)).as_dict()["care"] == {"care_in_progress": 1}
    report = send_due_invites(services, NOW + timedelta(minutes=6)).as_dict()["care"]
    assert report == {"care_recovered": 1}
    assert len(outbox.messages("sms")) == 1 and store.care_messages("c1", ["v1"])["v1"].state == "sent"


def test_the_care_sms_fits_two_segments_and_names_the_service_only_with_details(clinic_doc) -> None:
    twenty = {**clinic_doc, "name": "Стоматология Улыбка+", "followups": FOLLOWUPS}
    assert len(twenty["name"]) == 20
    clinic = parse_clinic(twenty)
    text, segments = sample_care(clinic, clinic.followups.rules[0], "https://otk.ru")
    assert (segments.encoding, segments.count) == ("UCS-2", 2) and "после визита" in text
    detailed = parse_clinic({**twenty, "sending": {"details": True}})
    visit = a_visit("2026-11-22T15:00")
    visit.service = "Удаление зуба мудрости"
    named = care_text(detailed, NEXT_DAY, "https://otk.ru/xxxxxxxxxxxx/", visit)
    assert "после удаления зуба мудрости?" in named and count_segments(named).count == 2
    english = parse_clinic({**twenty, "name": "Smile Dental Clinic!", "locale": "en"})
    text, segments = sample_care(english, english.followups.rules[0], "https://otk.ru")
    assert (segments.encoding, segments.count) == ("GSM-7", 1)
    assert text.startswith("Smile Dental Clinic!: how are you feeling after your visit?")


@pytest.mark.parametrize(("service", "after"), [
    ("Удаление зуба", "удаления зуба"), ("Эндодонтическое лечение канала", "эндодонтического лечения канала"),
    ("Имплантация", "имплантации"), ("Профессиональная гигиена", "профессиональной гигиены"),
    ("A16.07.001", ""), ("КТ", ""),
])
def test_a_service_is_declined_after_posle_or_left_out(service: str, after: str) -> None:
    assert genitive(service) == after


def test_the_rules_are_validated_whole(clinic_doc) -> None:
    from functions.clinics.clinic import ClinicError

    bad = {**clinic_doc, "followups": {"rules": [{"stems": [], "hours": 100}, {"stems": ["x" * 50], "when": "later",
                                                                                 "text": "без ссылки"}],
                                       "threshold": 9}, "doctors": {"Иванов": "не адрес"}}
    with pytest.raises(ClinicError) as err:
        parse_clinic(bad)
    assert len(err.value.problems) == 7, err.value.problems
    clinic = parse_clinic({**clinic_doc, "followups": FOLLOWUPS})
    assert parse_clinic(clinic.to_doc()).followups == clinic.followups
    assert parse_clinic(clinic_doc).followups.rules == ()  # off by default


def test_dispatch_and_sweep_run_as_of_a_moment_from_the_command_line(settings, services, clinic_doc,
                                                                     monkeypatch) -> None:
    from click.testing import CliRunner

    from functions.aftercare.answer import rate_care
    from functions.answers.answer import open_invite
    from functions.cli import main

    for name, value in {"FUNNEL_SQLITE_PATH": settings.sqlite_path, "FUNNEL_OUTBOX_PATH": settings.outbox_path,
                        "FUNNEL_PUBLIC_URL": settings.public_url}.items():
        monkeypatch.setenv(name, value)
    clinic = with_care(services, clinic_doc)
    import_rows(services.store, clinic, [(2, visit_row(1, visit_at=YESTERDAY, service="Удаление зуба"))], 14)
    replay = CliRunner().invoke(main, ["dispatch", "--at", "2026-11-23T12:00:00+03:00"])
    assert replay.exit_code == 0 and '"care_sent": 1' in replay.output, replay.output
    token = services.store.care_messages("c1", ["v1"])["v1"].token
    rate_care(services, open_invite(services, token, NOW), 1, NOW)
    early = CliRunner().invoke(main, ["sweep", "--at", "2026-11-23T12:05:00+03:00"])
    assert '"sent": 0' in early.output
    after = CliRunner().invoke(main, ["sweep", "--at", "2026-11-23T09:10:00Z"])
    assert '"sent": 1' in after.output, after.output
    assert Outbox(settings.outbox_path).messages("email")[0]["to"] == ["director@clinic.example",
                                                                      "ivanov@clinic.example"]


def test_clinic_show_prints_each_care_sms_and_warns_past_two_segments(settings, services, clinic_doc, tmp_path,
                                                                      monkeypatch) -> None:
    import json

    from click.testing import CliRunner

    from functions.cli import main

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    long_text = "{{ clinic }}: " + "очень длинный текст " * 10 + "{{ link }}"
    doc = {**clinic_doc, "followups": {"rules": [{"stems": ["удален"]}, {"stems": ["имплант"], "text": long_text}]}}
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    saved = CliRunner().invoke(main, ["clinic", "create", str(path)])
    assert saved.exit_code == 0 and "warning: the care SMS of followups.rules[1] takes 4 UCS-2" in saved.output
    shown = json.loads(CliRunner().invoke(main, ["clinic", "show", "c1"]).stdout)
    assert [s["segments"] for s in shown["sample_care_sms"]] == [2, 4]


def test_the_care_message_goes_by_the_patients_own_channel(services, clinic_doc, outbox) -> None:
    """WhatsApp for a patient who asked for it (the clinic's «care» template, its link in the button), SMS for the
    rest, each once."""
    clinic = with_care(services, clinic_doc, whatsapp=CARE_WHATSAPP)
    import_rows(services.store, clinic, [(2, visit_row(1, visit_at=YESTERDAY, service="Удаление зуба")),
                                         (3, visit_row(2, visit_at=YESTERDAY, service="Удаление зуба"))], 14)
    services.store.save_contacts([Contact("c1", "+79161234502", NOW, NOW + timedelta(days=16), channel="whatsapp")])
    assert send_due_invites(services, NOW).as_dict()["care"]["care_sent"] == 2
    [wa] = [m for m in outbox.messages("whatsapp") if m.get("template") == "otklik_care"]
    token = services.store.care_messages("c1", ["v2"])["v2"].token
    assert (wa["to"], wa["params"], wa["button"]) == ("+79161234502", ["Клиника Тест"], f"{token}/")
    assert [m["to"] for m in outbox.messages("sms") if "чувствуете" in m["text"]] == ["+79161234501"]
    # The next runs find both claimed and sent: nothing more on either channel.
    send_due_invites(services, NOW + timedelta(minutes=15))
    assert len([m for m in outbox.messages("whatsapp") if m.get("template") == "otklik_care"]) == 1
    assert len([m for m in outbox.messages("sms") if "чувствуете" in m["text"]]) == 1


def test_a_crash_mid_send_by_whatsapp_is_recovered_never_sent_twice(settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    wa = DiesAfterSending(OutboxWhatsApp(outbox, "106540352242922"))
    services = Services(settings, whatsapp=wa)
    clinic = with_care(services, clinic_doc, whatsapp=CARE_WHATSAPP)
    import_rows(services.store, clinic, [(2, visit_row(2, visit_at=YESTERDAY, service="Удаление зуба"))], 14)
    services.store.save_contacts([Contact("c1", "+79161234502", NOW, NOW + timedelta(days=16), channel="whatsapp")])
    with contextlib.suppress(SystemExit):
        send_due_invites(services, NOW)  # the care message left by WhatsApp, then the process died
    wa.dead = False
    report = send_due_invites(services, NOW + timedelta(minutes=15)).as_dict()
    assert report["care"] == {"care_recovered": 1}
    [sent] = [m for m in outbox.messages("whatsapp") if m.get("template") == "otklik_care"]
    message = services.store.care_messages("c1", ["v2"])["v2"]
    assert (message.state, message.message_id) == ("sent", sent["id"])
    assert not [m for m in outbox.messages("sms") if "чувствуете" in m["text"]]
