"""Clinic configuration: validated as a whole, every problem named."""

from __future__ import annotations

import pytest

from functions.clinics.clinic import ClinicError, parse_clinic


def test_valid_document_round_trips(clinic_doc) -> None:
    clinic = parse_clinic(clinic_doc)
    assert (clinic.id, clinic.threshold, clinic.policy, clinic.reward_minor) == ("c1", 4, "gated", 10000)
    assert [p.id for p in clinic.platforms] == ["yandex", "2gis", "prodoctorov"]
    assert parse_clinic(clinic.to_doc()) == clinic
    rules = clinic.reward
    assert (rules.monthly_budget_minor, rules.per_phone_days, rules.earned_by) == (0, 30, "tap")  # the defaults


@pytest.mark.parametrize("change,problem", [
    ({"platforms": [{"id": "y", "type": "yandex_maps", "name": "Я", "url": "http://yandex.ru/maps"}]}, "https"),
    ({"platforms": [{"id": "y", "type": "yandex_maps", "name": "Я", "url": "javascript:alert(1)"}]}, "https"),
    ({"platforms": []}, "platforms"),
    ({"directors": ["not-an-email"]}, "directors[0]"),
    ({"directors": ["a@b.ru\r\nBcc: x@y.ru"]}, "directors[0]"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"threshold": 7}, "threshold"),
    ({"policy": "sneaky"}, "policy"),
    ({"reward": {"amount_minor": -1, "currency": "RUB"}}, "reward.amount_minor"),
    ({"reward": {"amount_minor": 10000, "monthly_budget_minor": 5000}}, "reward.monthly_budget_minor"),
    ({"reward": {"amount_minor": 10000, "monthly_budget_minor": "lots"}}, "reward.monthly_budget_minor"),
    ({"reward": {"amount_minor": 10000, "per_phone_days": 400}}, "reward.per_phone_days"),
    ({"reward": {"amount_minor": 10000, "earned_by": "review"}}, "reward.earned_by"),
    ({"id": "Bad Id"}, "id"),
    ({"sender_id": "Too-Long-Sender"}, "sender_id"),
    ({"logo": "https://clinic.ru/logo.png"}, "logo"),  # a request to someone else's server
    ({"logo": "data:text/html;base64,PHNjcmlwdD4="}, "logo"),
    ({"accent": "red; background: url(x)"}, "accent"),
])
def test_bad_values_are_named(clinic_doc, change, problem) -> None:
    with pytest.raises(ClinicError) as err:
        parse_clinic({**clinic_doc, **change})
    assert any(p.startswith(problem) or problem in p for p in err.value.problems)


def test_every_problem_is_reported_at_once(clinic_doc) -> None:
    with pytest.raises(ClinicError) as err:
        parse_clinic({**clinic_doc, "threshold": 9, "directors": [], "timezone": "Nowhere"})
    assert len(err.value.problems) == 3


def test_duplicate_platform_ids_are_refused(clinic_doc) -> None:
    twice = clinic_doc["platforms"] + [clinic_doc["platforms"][0]]
    with pytest.raises(ClinicError, match="appears twice"):
        parse_clinic({**clinic_doc, "platforms": twice})


def test_not_an_object() -> None:
    with pytest.raises(ClinicError):
        parse_clinic(["a list"])
