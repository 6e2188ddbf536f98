"""Dispatch: one SMS per eligible visit of the clinic's day, never twice, every skip counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.invites.links import is_token
from functions.services import Services
from functions.store import Store
from functions.transports import Sms, TransportError
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms


def setup(store: Store, clinic_doc: dict, settings, rows: list[dict], sms=None) -> tuple[Services, RecordingSms]:
    sms = sms or RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = save_clinic(store, clinic_doc, NOW)
    import_rows(store, clinic, list(enumerate(rows, start=2)), settings.token_days)
    return services, sms


def test_each_visit_of_today_gets_one_sms_with_a_short_link(store, clinic_doc, settings) -> None:
    services, sms = setup(store, clinic_doc, settings, [visit_row(1), visit_row(2)])
    report = send_due_invites(services, NOW)
    assert report.sent == 2
    assert sorted(m.to for m in sms.sent) == ["+79161234501", "+79161234502"]
    message = sms.sent[0]
    assert message.sender_id == "ClinicTest"
    assert message.text.startswith("Клиника Тест: как прошёл визит?")
    assert "100\u00a0₽" in message.text
    link = next(word for word in message.text.split() if word.startswith("https://"))
    token = link.removeprefix("https://otk.example.ru/").removesuffix("/")
    assert is_token(token) and link.endswith(f"/{token}/")
    assert len(link) - len("otk.example.ru") + 12 <= 35  # the budget is for a 12-character host
    invite = store.get_invite(token)
    assert invite.expires_at == NOW + timedelta(days=14)
    # Privacy: neither the doctor nor the patient's name is in the SMS.
    assert "Иванов" not in message.text and "Пациент" not in message.text


def test_dispatch_run_twice_sends_nothing_the_second_time(store, clinic_doc, settings) -> None:
    services, sms = setup(store, clinic_doc, settings, [visit_row(1), visit_row(2)])
    send_due_invites(services, NOW)
    second = send_due_invites(services, NOW + timedelta(minutes=15))
    assert len(sms.sent) == 2
    assert (second.sent, second.skipped["already_invited"]) == (0, 2)


def test_skips_are_counted_with_their_reason(store, clinic_doc, settings) -> None:
    rows = [visit_row(1, consent="нет"), visit_row(2, visit_at="23.11.2026 18:00"),
            visit_row(3, visit_at="22.11.2026 10:00"), visit_row(4, phone="+7 495 123-45-67"), visit_row(5)]
    services, sms = setup(store, clinic_doc, settings, rows)
    store.record_optout("x" * 12, "c1", "+79161234505", NOW)
    report = send_due_invites(services, NOW)
    assert report.sent == 0 and sms.sent == []
    assert report.skipped == {"no_consent": 1, "not_yet": 1, "not_mobile": 1, "opted_out": 1}


def test_transient_failure_is_retried_later_with_the_same_link(store, clinic_doc, settings) -> None:
    failing = RecordingSms(TransportError("throttled"))
    services, _ = setup(store, clinic_doc, settings, [visit_row(1)], sms=failing)
    assert send_due_invites(services, NOW).retry == 1
    visit = store.get_visit("c1", "v1")
    assert (visit.invite_state, visit.last_error) == ("retry", "throttled")
    assert send_due_invites(services, NOW + timedelta(seconds=30)).skipped["retry_later"] == 1
    failing.fail = None
    assert send_due_invites(services, NOW + timedelta(minutes=2)).sent == 1
    assert visit.invite_token in failing.sent[0].text


def test_permanent_failure_is_marked_and_never_retried(store, clinic_doc, settings) -> None:
    failing = RecordingSms(TransportError("invalid number", permanent=True))
    services, _ = setup(store, clinic_doc, settings, [visit_row(1)], sms=failing)
    assert send_due_invites(services, NOW).failed == 1
    failing.fail = None
    later = send_due_invites(services, NOW + timedelta(hours=1))
    assert later.skipped["failed_before"] == 1 and failing.sent == []


def test_a_claim_held_by_another_run_is_left_alone(store, clinic_doc, settings) -> None:
    from functions.transports.outbox import Outbox, OutboxSms

    outbox = Outbox(settings.outbox_path)
    services, _ = setup(store, clinic_doc, settings, [visit_row(1)], sms=OutboxSms(outbox))
    store.claim_invite("c1", "v1", "otherrun1234", NOW, NOW + timedelta(minutes=5))
    assert send_due_invites(services, NOW).skipped["in_progress"] == 1
    # The other run died before its SMS left (the outbox can tell): after its claim expires the
    # visit is texted, with the token that run made.
    assert send_due_invites(services, NOW + timedelta(minutes=6)).sent == 1
    [message] = outbox.messages("sms")
    assert "otherrun1234" in message["text"]


@pytest.mark.parametrize("locale,expected", [("en", "Clinic Test: thank you for your visit!")])
def test_english_clinic_gets_english_text(store, clinic_doc, settings, locale, expected) -> None:
    services, sms = setup(store, {**clinic_doc, "locale": locale, "name": "Clinic Test"}, settings, [visit_row(1)])
    send_due_invites(services, NOW)
    assert sms.sent[0].text.startswith(expected)
    assert "100 RUB" in sms.sent[0].text


def test_two_overlapping_runs_text_each_patient_once(store, clinic_doc, settings) -> None:
    import threading

    rows = [visit_row(1, external_id=f"x{n}", phone=f"+791612345{n:02d}") for n in range(12)]
    services, sms = setup(store, clinic_doc, settings, rows)
    lock = threading.Lock()
    original = sms.send

    def slow_send(message: Sms) -> str:
        threading.Event().wait(0.01)  # hold claims long enough for the runs to overlap
        with lock:
            return original(message)

    sms.send = slow_send
    runs = [threading.Thread(target=send_due_invites, args=(services, NOW)) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sorted(m.to for m in sms.sent) == sorted(f"+791612345{n:02d}" for n in range(12))
