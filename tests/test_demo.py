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
    assert len(outbox.messages("sms")) == 3
    clinic = services.clinic("demo")
    assert (clinic.timezone, clinic.threshold, clinic.reward_minor, len(clinic.directors)) == (
        "Europe/Moscow", 4, 10000, 1)
    assert [p.type for p in clinic.platforms] == ["yandex_maps", "2gis", "prodoctorov"]
    assert all(link.startswith("https://otk.example.ru/") for _, link in first)
