"""Who gets an invite: consent, opt-outs (clinic and global STOP), no repeat within N days, the daily cap."""

from __future__ import annotations

from datetime import timedelta

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.store.base import EVERY_CLINIC
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms


def setup(store, settings, clinic_doc, rows, **sending):
    sms = RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = save_clinic(store, {**clinic_doc, "sending": sending}, NOW)
    import_rows(store, clinic, list(enumerate(rows, start=2)), 14)
    return services, clinic, sms


def test_two_visits_of_one_patient_on_one_day_get_one_invite(store, settings, clinic_doc) -> None:
    rows = [visit_row(1, external_id="a"), visit_row(1, external_id="b", visit_at="23.11.2026 09:30")]
    services, _, sms = setup(store, settings, clinic_doc, rows)
    report = send_due_invites(services, NOW)
    assert (report.sent, report.skipped["recently_invited"]) == (1, 1)
    assert [m.to for m in sms.sent] == ["+79161234501"]


def test_no_second_invite_within_the_repeat_days_then_again_after(store, settings, clinic_doc) -> None:
    services, clinic, sms = setup(store, settings, clinic_doc, [visit_row(1)], repeat_days=30)
    send_due_invites(services, NOW)
    later_visit = visit_row(1, external_id="later", visit_at="03.12.2026 09:00")  # 10 days on
    import_rows(store, clinic, [(2, later_visit)], 14)
    assert send_due_invites(services, NOW + timedelta(days=10)).skipped["recently_invited"] == 1
    month_on = visit_row(1, external_id="month", visit_at="24.12.2026 09:00")  # 31 days on
    import_rows(store, clinic, [(2, month_on)], 14)
    assert send_due_invites(services, NOW + timedelta(days=31)).sent == 1
    assert len(sms.sent) == 2


def test_repeat_days_zero_allows_every_visit(store, settings, clinic_doc) -> None:
    rows = [visit_row(1, external_id="a"), visit_row(1, external_id="b", visit_at="23.11.2026 09:30")]
    services, _, sms = setup(store, settings, clinic_doc, rows, repeat_days=0)
    assert send_due_invites(services, NOW).sent == 2
    assert [m.to for m in sms.sent] == ["+79161234501"] * 2


def test_daily_cap_holds_across_runs(store, settings, clinic_doc) -> None:
    rows = [visit_row(n) for n in range(1, 6)]
    services, _, sms = setup(store, settings, clinic_doc, rows, daily_cap=3)
    first = send_due_invites(services, NOW)
    assert (first.sent, first.skipped["daily_cap"]) == (3, 2)
    second = send_due_invites(services, NOW + timedelta(minutes=15))
    assert (second.sent, second.skipped["daily_cap"]) == (0, 2)
    assert len(sms.sent) == 3


def test_a_failed_send_gives_its_cap_slot_back(store, settings, clinic_doc) -> None:
    from functions.transports import TransportError

    services, _, sms = setup(store, settings, clinic_doc, [visit_row(1), visit_row(2)], daily_cap=2)
    sms.fail = TransportError("throttled")
    assert send_due_invites(services, NOW).retry == 2
    sms.fail = None
    assert send_due_invites(services, NOW + timedelta(minutes=5)).sent == 2


def test_a_global_stop_holds_for_every_clinic(store, settings, clinic_doc) -> None:
    services, _, sms = setup(store, settings, clinic_doc, [visit_row(1), visit_row(2)])
    store.add_optout(EVERY_CLINIC, "+79161234501", NOW)
    report = send_due_invites(services, NOW)
    assert (report.sent, report.skipped["opted_out"]) == (1, 1)
    assert [m.to for m in sms.sent] == ["+79161234502"]
