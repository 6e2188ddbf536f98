"""The demo seeds one clinic and a day of visits, texts those already due once, and can run again; its
clock plays the clinic's day faster, inside the sending window whatever the real hour."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from functions.demo import PATIENTS, DemoClock, seed_demo
from functions.invites.dispatch import send_due_invites
from functions.patients.handoffs import call_list
from functions.patients.reactivation import inactive


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                                 datetime(2026, 11, 22, 21, 10, tzinfo=UTC)])  # 00:10 in Moscow
def test_demo_twice_duplicates_nothing(services, outbox, now) -> None:
    start = DemoClock.starting(now, 60).start
    first = seed_demo(services, start)
    second = seed_demo(services, start)
    assert len(first) == 3 and first == second
    assert len(outbox.messages("sms")) == 2
    [whatsapp] = outbox.messages("whatsapp")  # Мария prefers WhatsApp: the clinic's template
    assert (whatsapp["to"], whatsapp["template"]) == ("+79161234503", "otklik_invite")
    clinic = services.clinic("demo")
    assert (clinic.timezone, clinic.threshold, clinic.reward_minor, len(clinic.directors)) == (
        "Europe/Moscow", 4, 10000, 1)
    assert (clinic.sending.delay_minutes, clinic.sending.reminders, clinic.sending.reminder_hours) == (120, 1, 1)
    assert [p.type for p in clinic.platforms] == ["yandex_maps", "2gis", "prodoctorov"]
    assert all(link.startswith("https://otk.example.ru/") for _, link in first)


def test_the_demo_has_patients_to_call_back_and_a_recommendation_nobody_booked(services) -> None:
    start = DemoClock.starting(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 60).start
    seed_demo(services, start)
    clinic = services.clinic("demo")
    rows, left_out = inactive(services.store, clinic, 12, start)
    assert [r.patient.name for r in rows] == ["Татьяна Орлова", "Сергей Павлов"]  # most recently lapsed first
    assert rows[0].patient.note.startswith("План лечения") and left_out == {"no_consent": 1}
    assert [h.wanted for h in call_list(services.store, clinic, start)] == ["Ортодонт"]


def test_a_demo_started_at_night_plays_the_clinics_midday() -> None:
    night = DemoClock.starting(datetime(2026, 11, 22, 21, 10, tzinfo=UTC), 60)
    assert night.local_start.time() == time(12, 0) and night.local_start.date().isoformat() == "2026-11-23"
    afternoon = DemoClock.starting(datetime(2026, 11, 23, 11, 7, tzinfo=UTC), 60)  # 14:07 in Moscow
    assert afternoon.start == datetime(2026, 11, 23, 11, 7, tzinfo=UTC)


def test_the_clock_runs_faster_than_the_wall(monkeypatch) -> None:
    import functions.demo as demo

    real = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock = DemoClock.starting(real, 60)
    monkeypatch.setattr(demo, "utcnow", lambda: real + timedelta(seconds=90))
    assert clock() == clock.start + timedelta(minutes=90)


def test_the_rest_of_the_day_goes_out_over_time_with_reminders(services, outbox) -> None:
    start = DemoClock.starting(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 60).start
    seed_demo(services, start)
    sent_by = []
    for minutes in range(0, 181, 15):  # the server's dispatch every 15 minutes of the demo's clock
        send_due_invites(services, start + timedelta(minutes=minutes))
        sent_by.append(len(outbox.messages("sms")) + len(outbox.messages("whatsapp")))
    sms = [m["text"] for m in outbox.messages("sms")]
    whatsapp = outbox.messages("whatsapp")  # Мария prefers WhatsApp: her invite and reminder go there
    assert len(whatsapp) == 2 and len(sms) == 2 * (len(PATIENTS) - 1)  # every invite, then one reminder
    assert len([t for t in sms if "напоминаем" not in t]) == len(PATIENTS) - 1
    assert sent_by[0] == 3 and sent_by == sorted(sent_by) and len(set(sent_by)) >= 5  # over time, not at once


def test_a_demo_complaint_shows_the_telegram_alert_in_the_outbox(services, outbox) -> None:
    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.demo import DEMO_CHAT

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    seed_demo(services, now)
    visit = next(v for v in services.store.visits_on("demo", "2026-11-23") if v.invite_token)
    rate(services, open_invite(services, visit.invite_token, now), 2, now)
    give_feedback(services, open_invite(services, visit.invite_token, now), "Долго ждали в коридоре", now)
    [alert] = outbox.messages("telegram")
    assert alert["to"] == DEMO_CHAT and "Долго ждали в коридоре" in alert["text"]
    assert [b["text"] for b in alert["buttons"][0]] == ["Позвонил(а)", "Закрыть"]
    assert len(outbox.messages("email")) == 1
