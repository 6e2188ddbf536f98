"""The numbers page's charts as plain SVG geometry (the page draws them inline: no script, no CDN).

A range's days are grouped into periods a chart can label (days up to a month, then weeks, then months);
each period has its answers (bars), and a value per series (the average score, the index) with its date and
value written on the chart, and axes with their scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from functions.dashboard.formats import day, number
from functions.dashboard.numbers import Row, average, index

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 40
MOST_LABELS = 5
MOST_VALUES = 16  # more points than this and the values go into each point's tooltip only


@dataclass
class Period:
    first: str
    last: str
    counts: dict[str, int]
    kind: str = "day"  # day, week or month

    @property
    def label(self) -> str:
        if self.kind == "day":
            return day(self.first)
        if self.kind == "month":
            return day(self.first, "LLL y")
        return f"{day(self.first, 'd.MM')}–{day(self.last, 'd.MM')}"


def periods(days: list[Row]) -> list[Period]:
    """Days up to 31, weeks (from Monday) up to 26 of them, else calendar months."""
    if len(days) <= 31:
        return [Period(r.name, r.name, r.counts) for r in days]
    found: dict[str, Period] = {}
    for row in days:
        year, week, _ = date.fromisoformat(row.name).isocalendar()
        monthly = len(days) > 26 * 7
        key = row.name[:7] if monthly else f"{year}-W{week:02d}"
        period = found.setdefault(key, Period(row.name, row.name, {}, "month" if monthly else "week"))
        period.last = row.name
        for name, value in row.counts.items():
            period.counts[name] = period.counts.get(name, 0) + value
    return list(found.values())


def chart(days: list[Row], series: str) -> dict:
    """``series`` "average" (1–5) or "index" (−100…+100) over the range, with the answers as bars."""
    parts = periods(days)
    low, high, ticks = (1, 5, [1, 2, 3, 4, 5]) if series == "average" else (-100, 100, [-100, -50, 0, 50, 100])
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(parts), 1)
    most = max((p.counts.get("answered", 0) for p in parts), default=0) or 1

    def y_of(value: float) -> float:
        return round(TOP + inner_h * (high - value) / (high - low), 1)

    bars, points = [], []
    every = max(1, -(-len(parts) // MOST_LABELS))
    for n, part in enumerate(parts):
        x = LEFT + n * step
        answered = part.counts.get("answered", 0)
        h = inner_h * answered / most * 0.9
        bars.append({"x": round(x + step * 0.15, 1), "y": round(TOP + inner_h - h, 1), "w": round(step * 0.7, 1),
                     "h": round(h, 1), "title": f"{part.label}: ответов {answered}"})
        value = average(part.counts) if series == "average" else index(part.counts)
        if value is not None:
            text = number(value, 2) if series == "average" else f"{value:+d}".replace("-", "\u2212")
            points.append({"x": round(x + step / 2, 1), "y": y_of(value), "text": text,
                           "title": f"{part.label}: {text} (ответов {answered})"})
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": TOP + inner_h,
        "bars": bars, "points": points, "show_values": len(points) <= MOST_VALUES,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "y_labels": [{"y": y_of(t), "text": (f"{t:+d}" if t else "0").replace("-", "\u2212") if series == "index"
                      else str(t)} for t in ticks],
        "x_labels": [{"x": round(LEFT + n * step + step / 2, 1), "text": p.label}
                     for n, p in enumerate(parts) if n % every == 0],
        "zero": y_of(0) if series == "index" else None,
    }
