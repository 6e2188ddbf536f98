"""The dashboard's numbers: the funnel for a date range, from the counters alone (one query, whatever the volume).

A date range is a cohort of visit days: its visits and what became of them, so every step is a share
of the one before. Tables per doctor and per branch, clicks per platform, complaints by kind, the
rating distribution and the daily average (as an inline SVG chart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from functions.cases.kinds import kind_names
from functions.clinics.clinic import Clinic
from functions.dashboard.store import DashboardStore
from functions.exports.spreadsheet import csv_text

STEPS = (("visits", "Визиты"), ("invited", "Приглашены"), ("delivered", "Доставлено"), ("opened", "Открыли"),
         ("answered", "Ответили"), ("clicks", "Переходы на площадки"), ("complaints", "Жалобы"),
         ("rewards_paid", "Вознаграждений выплачено"))
LONGEST = 366


@dataclass
class Row:
    name: str
    counts: dict[str, int]

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def average(self) -> float | None:
        answered = self.get("answered")
        return round(self.get("score_sum") / answered, 2) if answered else None


@dataclass
class Numbers:
    first: str
    last: str
    total: Row
    days: list[Row] = field(default_factory=list)
    doctors: list[Row] = field(default_factory=list)
    branches: list[Row] = field(default_factory=list)

    def steps(self) -> list[tuple[str, str, int, int | None]]:
        """(key, label, count, percent of the step before) for the funnel."""
        found, before = [], None
        for key, label in STEPS:
            value = self.total.get(key)
            share = round(100 * value / before) if before else None
            found.append((key, label, value, share))
            if key == "delivered" and value == 0:
                continue  # no delivery reports (SNS sends none): opened is a share of invited
            if key not in ("clicks", "complaints", "rewards_paid"):
                before = value
            elif key == "clicks":
                before = self.total.get("answered")
        return found

    def platforms(self, clinic: Clinic) -> list[tuple[str, int]]:
        return [(p.name, self.total.get(f"click:{p.id}")) for p in clinic.platforms]

    def kinds(self) -> list[tuple[str, int]]:
        return [(label, self.total.get(f"kind:{key}")) for key, label in kind_names("ru").items()]

    def distribution(self) -> list[tuple[int, int]]:
        return [(score, self.total.get(f"score{score}")) for score in range(1, 6)]


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The range asked for (default: the last 30 days); ValueError with a reason when it is not a range."""
    end = date.fromisoformat(last) if last else today
    start = date.fromisoformat(first) if first else end - timedelta(days=29)
    if start > end:
        raise ValueError("the first day is after the last")
    if (end - start).days >= LONGEST:
        raise ValueError(f"at most {LONGEST} days at once")
    return start, end


def load_numbers(store: DashboardStore, clinic: Clinic, start: date, end: date) -> Numbers:
    found = store.read_stats(clinic.id, start.isoformat(), end.isoformat())
    total: dict[str, int] = {}
    days: dict[str, dict[str, int]] = {}
    doctors: dict[str, dict[str, int]] = {}
    branches: dict[str, dict[str, int]] = {}
    for (day, dim), counts in found.items():
        if dim == "all":
            days[day] = counts
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
            continue
        kind, _, name = dim.partition(":")
        target = doctors if kind == "doctor" else branches
        bucket = target.setdefault(name, {})
        for key, value in counts.items():
            bucket[key] = bucket.get(key, 0) + value
    every_day = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    return Numbers(first=start.isoformat(), last=end.isoformat(), total=Row("Всего", total),
                   days=[Row(d, days.get(d, {})) for d in every_day],
                   doctors=sorted((Row(n, c) for n, c in doctors.items()), key=lambda r: -r.get("visits")),
                   branches=sorted((Row(n, c) for n, c in branches.items()), key=lambda r: -r.get("visits")))


def chart_svg(days: list[Row], width: int = 640, height: int = 160) -> dict:
    """Bars for answers per day and a line for the day's average score, as plain SVG geometry."""
    top = max((r.get("answered") for r in days), default=0) or 1
    step = width / max(len(days), 1)
    bars, points = [], []
    for n, row in enumerate(days):
        h = (height - 20) * row.get("answered") / top
        bars.append({"x": round(n * step + 1, 1), "y": round(height - h, 1), "w": round(max(step - 2, 1), 1),
                     "h": round(h, 1), "label": f"{row.name}: {row.get('answered')}"})
        if row.average is not None:
            points.append((round(n * step + step / 2, 1), round(height - (height - 20) * (row.average - 1) / 4, 1),
                           f"{row.name}: {row.average}"))
    return {"width": width, "height": height, "bars": bars, "dots": points,
            "line": " ".join(f"{x},{y}" for x, y, _ in points)}


TABLE_COLUMNS = ("visits", "invited", "delivered", "opened", "answered", "clicks", "complaints", "rewards_paid",
                 "money_minor")


def table_csv(rows: list[Row], first_column: str) -> str:
    """The table as a CSV file; doctor and branch names come from the clinic's files, so through the safe writer."""
    return csv_text((first_column, *TABLE_COLUMNS, "average_score"),
                    ((row.name, *(row.get(c) for c in TABLE_COLUMNS), row.average if row.average else "")
                     for row in rows))
