"""Which review platform the happy patient sees first: the clinic's rule.

``order``: as configured. ``rotation``: the primary is drawn by weight, so reviews spread the way the
clinic wants. ``needs_most``: the platform furthest below its target share of clicks so far.
"""

from __future__ import annotations

import random

from functions.clinics.clinic import Clinic
from functions.clinics.platforms import Platform

RULES = ("order", "rotation", "needs_most")


def primary_first(platforms: tuple[Platform, ...], primary: Platform) -> list[Platform]:
    return [primary, *(p for p in platforms if p.id != primary.id)]


def ordered_platforms(clinic: Clinic, clicks: dict[str, int] | None = None,
                      rng: random.Random | None = None) -> list[Platform]:
    platforms = clinic.platforms
    if clinic.primary == "rotation":
        weights = [p.weight for p in platforms]
        if sum(weights) > 0:
            chosen = (rng or random).choices(platforms, weights=weights)[0]
            return primary_first(platforms, chosen)
    if clinic.primary == "needs_most":
        counts = clicks or {}
        total = sum(counts.get(p.id, 0) for p in platforms)
        targets = target_shares(platforms)

        def deficit(platform: Platform) -> float:
            share = counts.get(platform.id, 0) / total if total else 0.0
            return round(targets[platform.id] - share, 9)  # so 0.5-0.4 and 0.2-0.1 tie as they should

        # max() keeps the first of equals, so ties go to the configured order.
        return primary_first(platforms, max(platforms, key=deficit))
    return list(platforms)


def target_shares(platforms: tuple[Platform, ...]) -> dict[str, float]:
    """Each platform's target share (0..1): as configured, or an equal split of what is left."""
    set_shares = {p.id: p.target_share / 100 for p in platforms if p.target_share is not None}
    rest = [p for p in platforms if p.target_share is None]
    left = max(0.0, 1 - sum(set_shares.values()))
    return {**set_shares, **{p.id: left / len(rest) for p in rest}}
