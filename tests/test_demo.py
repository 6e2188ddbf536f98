"""The demo seeds one clinic and three of today's visits, texts them once, and can run again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.demo import seed_demo


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                                 datetime(2026, 11, 22, 21, 10, tzinfo=UTC)])  # 00:10 in Moscow
def test_demo_twice_duplicates_nothing(services, outbox, now) -> None:
    first = seed_demo(services, now)
    second = seed_demo(services, now)
    assert len(first) == 3 and first == second
    assert len(outbox.messages("sms")) == 2
    [whatsapp] = outbox.messages("whatsapp")  # Мария prefers WhatsApp: the clinic's template
    assert (whatsapp["to"], whatsapp["template"]) == ("+79161234503", "otklik_invite")
    clinic = services.clinic("demo")
    assert (clinic.timezone, clinic.threshold, clinic.reward_minor, len(clinic.directors)) == (
        "Europe/Moscow", 4, 10000, 1)
    assert [p.type for p in clinic.platforms] == ["yandex_maps", "2gis", "prodoctorov"]
    assert all(link.startswith("https://otk.example.ru/") for _, link in first)


def test_a_demo_complaint_shows_the_telegram_alert_in_the_outbox(services, outbox) -> None:
    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.demo import DEMO_CHAT

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    seed_demo(services, now)
    visit = services.store.visits_on("demo", "2026-11-23")[0]
    rate(services, open_invite(services, visit.invite_token, now), 2, now)
    give_feedback(services, open_invite(services, visit.invite_token, now), "Долго ждали в коридоре", now)
    [alert] = outbox.messages("telegram")
    assert alert["to"] == DEMO_CHAT and "Долго ждали в коридоре" in alert["text"]
    assert [b["text"] for b in alert["buttons"][0]] == ["Позвонил(а)", "Закрыть"]
    assert len(outbox.messages("email")) == 1
