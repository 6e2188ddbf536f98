"""The primary platform: fixed order, weighted rotation, or the platform furthest below its target share."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from functions.answers.primary import ordered_platforms, target_shares
from functions.clinics.clinic import ClinicError, parse_clinic


def clinic_with(clinic_doc, primary: str, **per_platform) -> object:
    platforms = [{**p, **per_platform.get(p["id"], {})} for p in clinic_doc["platforms"]]
    return parse_clinic({**clinic_doc, "primary": primary, "platforms": platforms})


def test_fixed_order_is_the_configured_order(clinic_doc) -> None:
    clinic = clinic_with(clinic_doc, "order")
    assert [p.id for p in ordered_platforms(clinic)] == ["yandex", "2gis", "prodoctorov"]


def test_rotation_shares_over_1000_picks_are_within_3_points_of_the_weights(clinic_doc) -> None:
    clinic = clinic_with(clinic_doc, "rotation", yandex={"weight": 5}, **{"2gis": {"weight": 3}},
                         prodoctorov={"weight": 2})
    rng = random.Random(20261123)
    picks = Counter(ordered_platforms(clinic, rng=rng)[0].id for _ in range(1000))
    for platform, weight in (("yandex", 0.5), ("2gis", 0.3), ("prodoctorov", 0.2)):
        assert abs(picks[platform] / 1000 - weight) <= 0.03, picks
    first = ordered_platforms(clinic, rng=rng)
    assert len(first) == 3 and len({p.id for p in first}) == 3  # the others still follow


def test_a_zero_weight_platform_is_never_primary(clinic_doc) -> None:
    clinic = clinic_with(clinic_doc, "rotation", yandex={"weight": 0})
    rng = random.Random(1)
    assert "yandex" not in {ordered_platforms(clinic, rng=rng)[0].id for _ in range(200)}


@pytest.mark.parametrize("clicks,expected", [
    ({}, "yandex"),  # nothing yet: every deficit equals its target; 50% leads
    ({"yandex": 50, "2gis": 30, "prodoctorov": 20}, "yandex"),  # all on target: the configured order
    ({"yandex": 60, "2gis": 30, "prodoctorov": 10}, "prodoctorov"),  # 20% target, 10% so far
    ({"yandex": 40, "2gis": 50, "prodoctorov": 10}, "yandex"),  # both 10 points below: the configured order wins
    ({"yandex": 80, "2gis": 5, "prodoctorov": 15}, "2gis"),  # 30% target, 5% so far
])
def test_needs_most_picks_the_platform_furthest_below_its_target(clinic_doc, clicks, expected) -> None:
    clinic = clinic_with(clinic_doc, "needs_most", yandex={"target_share": 50}, **{"2gis": {"target_share": 30}},
                         prodoctorov={"target_share": 20})
    assert ordered_platforms(clinic, clicks)[0].id == expected


def test_unset_targets_split_what_is_left_equally(clinic_doc) -> None:
    clinic = clinic_with(clinic_doc, "needs_most", yandex={"target_share": 40})
    assert target_shares(clinic.platforms) == pytest.approx({"yandex": 0.4, "2gis": 0.3, "prodoctorov": 0.3})


def test_bad_rules_are_refused(clinic_doc) -> None:
    with pytest.raises(ClinicError, match="primary"):
        parse_clinic({**clinic_doc, "primary": "loudest"})
    with pytest.raises(ClinicError, match="more than 100"):
        clinic_with(clinic_doc, "needs_most", yandex={"target_share": 70}, **{"2gis": {"target_share": 40}})
    with pytest.raises(ClinicError, match="weight"):
        clinic_with(clinic_doc, "rotation", yandex={"weight": -1})


def test_clicks_feed_the_needs_most_rule_through_the_api(client, services, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic
    from functions.invites.dispatch import send_due_invites
    from functions.visits.intake import import_rows
    from tests.conftest import NOW, visit_row

    clinic = save_clinic(services.store, {**clinic_doc, "primary": "needs_most"}, NOW)
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    first, second = (services.store.get_visit("c1", v).invite_token for v in ("v1", "v2"))
    rated = client.post(f"/api/v1/invites/{first}/rating", json={"score": 5}).get_json()
    assert rated["platforms"][0]["id"] == "yandex"
    client.get(f"/r/{first}/yandex")
    assert services.store.platform_clicks("c1") == {"yandex": 1}
    after = client.post(f"/api/v1/invites/{second}/rating", json={"score": 5}).get_json()
    assert after["platforms"][0]["id"] == "2gis"  # yandex has all the clicks; 2gis is furthest below a third
