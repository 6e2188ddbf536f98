"""Reminders: one more SMS when the link was never opened, inside the windows, at most once each."""

from __future__ import annotations

from datetime import timedelta

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports import TransportError
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms

DAY = timedelta(hours=24)


def setup(store, settings, clinic_doc, **sending):
    sms = RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = save_clinic(store, {**clinic_doc, "sending": sending}, NOW)
    import_rows(store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    return services, sms


def test_an_unopened_link_gets_one_reminder_a_day_later(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc)
    opened = store.get_visit("c1", "v2").invite_token
    store.mark_opened(opened, NOW + timedelta(hours=1))
    assert send_due_invites(services, NOW + timedelta(hours=23)).reminders == {}
    report = send_due_invites(services, NOW + DAY)
    assert report.reminders == {"reminders_sent": 1}
    reminder = sms.sent[-1]
    assert reminder.to == "+79161234501" and reminder.text.startswith("Клиника Тест: напоминаем")
    assert store.get_visit("c1", "v1").invite_token in reminder.text  # the same link
    assert send_due_invites(services, NOW + DAY + timedelta(minutes=15)).reminders == {}
    assert send_due_invites(services, NOW + 3 * DAY).reminders == {}  # one reminder by default
    assert len(sms.sent) == 3


def test_two_reminders_when_the_clinic_asks(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc, reminders=2, reminder_hours=24)
    send_due_invites(services, NOW + DAY)
    send_due_invites(services, NOW + 2 * DAY)
    send_due_invites(services, NOW + 3 * DAY)
    assert len(sms.sent) == 2 + 2 * 2


def test_no_reminder_after_an_answer_an_optout_or_with_reminders_off(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc)
    first, second = (store.get_visit("c1", v).invite_token for v in ("v1", "v2"))
    store.record_rating(first, 5, NOW)
    store.record_optout(second, "c1", "+79161234502", NOW)
    assert send_due_invites(services, NOW + DAY).reminders == {}
    assert len(sms.sent) == 2  # the two invites, no reminder
    off, off_sms = setup(store, settings, {**clinic_doc, "id": "c2"}, reminders=0)
    assert send_due_invites(off, NOW + DAY).reminders == {}
    assert len(off_sms.sent) == 2  # c2's own two invites (the repeat rule is per clinic), and no reminder


def test_reminders_wait_for_the_window(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc, reminder_hours=12)  # due at 00:00 Moscow
    assert send_due_invites(services, NOW + timedelta(hours=12)).reminders == {}
    assert send_due_invites(services, NOW + timedelta(hours=22)).reminders == {"reminders_sent": 2}  # 10:00
    assert len(sms.sent) == 4


def test_a_failed_reminder_is_tried_again_next_run(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc)
    sms.fail = TransportError("throttled")
    assert send_due_invites(services, NOW + DAY).reminders == {"reminders_failed": 2}
    sms.fail = None
    assert send_due_invites(services, NOW + DAY + timedelta(minutes=15)).reminders == {"reminders_sent": 2}
    assert send_due_invites(services, NOW + DAY + timedelta(minutes=30)).reminders == {}


def test_a_reminder_a_few_hours_later_goes_out_the_same_day(store, settings, clinic_doc) -> None:
    services, sms = setup(store, settings, clinic_doc, reminder_hours=2)  # texted at 12:00 Moscow
    assert send_due_invites(services, NOW + timedelta(hours=1, minutes=45)).reminders == {}
    report = send_due_invites(services, NOW + timedelta(hours=2))  # 14:00, still the visit's day
    assert report.reminders == {"reminders_sent": 2}
    assert len(sms.sent) == 4 and all(m.text.startswith("Клиника Тест: напоминаем") for m in sms.sent[2:])
    assert send_due_invites(services, NOW + timedelta(hours=4)).reminders == {}  # one reminder, not one a run
