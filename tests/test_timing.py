"""When an invite goes out: the visit's local day, a delay after it, inside the clinic's and the patient's windows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.clinics.clinic import ClinicError, parse_clinic, save_clinic
from functions.invites.dispatch import send_due_invites
from functions.invites.timing import SendRules, timing
from functions.services import Services
from functions.store import Visit
from tests.dispatch_helpers import RecordingSms

MSK, VVO, BER = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Vladivostok"), ZoneInfo("Europe/Berlin")


def visit_at(local: datetime) -> Visit:
    return Visit(clinic_id="c1", visit_id="v", patient_name="П", phone="+79161234501",
                 visit_at=local.astimezone(UTC), local_date=local.date().isoformat(),
                 expires_at=local.astimezone(UTC) + timedelta(days=16))


def decide(zone: ZoneInfo, visit_local: datetime, now_local: datetime, **rules) -> str | None:
    return timing(SendRules(**rules), zone, visit_at(visit_local), None, now_local.astimezone(UTC))


@pytest.mark.parametrize("now,expected", [
    (datetime(2026, 11, 23, 11, 59, tzinfo=MSK), "not_yet"),  # the delay is 2 h
    (datetime(2026, 11, 23, 12, 0, tzinfo=MSK), None),
    (datetime(2026, 11, 23, 20, 59, tzinfo=MSK), None),
    (datetime(2026, 11, 23, 21, 0, tzinfo=MSK), "too_late"),  # the window closed, next morning not allowed
    (datetime(2026, 11, 24, 10, 30, tzinfo=MSK), "too_late"),
])
def test_moscow_delay_and_window(now, expected) -> None:
    assert decide(MSK, datetime(2026, 11, 23, 10, 0, tzinfo=MSK), now) == expected


def test_an_early_visit_waits_for_the_window_to_open() -> None:
    visit = datetime(2026, 11, 23, 7, 0, tzinfo=VVO)
    assert decide(VVO, visit, datetime(2026, 11, 23, 9, 30, tzinfo=VVO)) == "outside_window"
    assert decide(VVO, visit, datetime(2026, 11, 23, 10, 0, tzinfo=VVO)) is None


def test_vladivostok_evening_visit_is_too_late_unless_next_morning_is_allowed() -> None:
    visit = datetime(2026, 11, 23, 19, 30, tzinfo=VVO)  # due 21:30, after the window closes
    assert decide(VVO, visit, datetime(2026, 11, 23, 20, 0, tzinfo=VVO)) == "too_late"
    assert decide(VVO, visit, datetime(2026, 11, 23, 20, 0, tzinfo=VVO), next_morning=True) == "not_yet"
    assert decide(VVO, visit, datetime(2026, 11, 24, 9, 45, tzinfo=VVO), next_morning=True) == "outside_window"
    assert decide(VVO, visit, datetime(2026, 11, 24, 10, 0, tzinfo=VVO), next_morning=True) is None
    assert decide(VVO, visit, datetime(2026, 11, 25, 10, 0, tzinfo=VVO), next_morning=True) == "too_late"


def test_berlin_spring_forward_keeps_the_local_delay() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST. A 08:00 visit is texted at 10:00 local.
    visit = datetime(2026, 3, 29, 8, 0, tzinfo=BER)
    assert decide(BER, visit, datetime(2026, 3, 29, 9, 59, tzinfo=BER)) == "not_yet"
    assert decide(BER, visit, datetime(2026, 3, 29, 10, 0, tzinfo=BER)) is None


def test_berlin_fall_back_night_visit_waits_for_morning() -> None:
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 01:30 happens once before the change.
    visit = datetime(2026, 10, 25, 1, 30, tzinfo=BER)
    second_two_thirty = datetime(2026, 10, 25, 2, 30, tzinfo=BER, fold=1)
    assert decide(BER, visit, second_two_thirty) == "outside_window"  # due (2 h later), but night
    assert decide(BER, visit, datetime(2026, 10, 25, 10, 0, tzinfo=BER)) is None


def test_never_at_night_whatever_the_clinic_configures(clinic_doc) -> None:
    for window in ("06:00-21:00", "10:00-23:30", "21:00-10:00", "ten to nine"):
        with pytest.raises(ClinicError, match=r"sending\.window"):
            parse_clinic({**clinic_doc, "sending": {"window": window}})
    rules = parse_clinic({**clinic_doc, "sending": {"window": "08:00-22:00"}}).sending
    assert (rules.window_from, rules.window_to) == (time(8), time(22))


SCHEDULE = [  # zone, local visit time, rules, expected local send time (None: never)
    ("Europe/Moscow", datetime(2026, 11, 23, 9, 0), {}, datetime(2026, 11, 23, 11, 0)),
    ("Europe/Moscow", datetime(2026, 11, 23, 20, 0), {}, None),
    ("Asia/Vladivostok", datetime(2026, 11, 23, 19, 30), {"next_morning": True}, datetime(2026, 11, 24, 10, 0)),
    ("Asia/Vladivostok", datetime(2026, 11, 23, 7, 10), {}, datetime(2026, 11, 23, 10, 0)),
    ("Europe/Berlin", datetime(2026, 10, 25, 8, 10), {}, datetime(2026, 10, 25, 10, 15)),
    ("Europe/Berlin", datetime(2026, 3, 29, 1, 30), {}, datetime(2026, 3, 29, 10, 0)),
]


@pytest.mark.parametrize("zone,local_visit,rules,expected", SCHEDULE)
def test_the_quarter_hourly_schedule_texts_each_patient_once_at_the_right_local_time(
        settings, clinic_doc, zone, local_visit, rules, expected) -> None:
    """Run the dispatcher every 15 minutes (UTC cron) for two days and see when the SMS leaves."""
    sms = RecordingSms()
    services = Services(settings, sms=sms)
    sending = {"reminders": 0, **rules}  # invites only here; reminders have their own tests
    clinic = save_clinic(services.store, {**clinic_doc, "timezone": zone, "sending": sending}, datetime.now(UTC))
    visit = visit_at(local_visit.replace(tzinfo=ZoneInfo(zone)))
    services.store.save_visit(visit)
    start = local_visit.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(minute=0, second=0)
    sent_at = []
    for quarter in range(4 * 48):
        now = start + timedelta(minutes=15 * quarter)
        before = len(sms.sent)
        send_due_invites(services, now)
        sent_at += [now] * (len(sms.sent) - before)
    if expected is None:
        assert sent_at == []
    else:
        assert [t.astimezone(clinic.zone).replace(tzinfo=None) for t in sent_at] == [expected]
