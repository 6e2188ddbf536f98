"""The dashboard's numbers: the funnel for a date range, from the counters alone (one query, whatever the volume).

A date range is a cohort of visit days: its visits and what became of them (an answer may come days later
and still counts on its visit's day). Every percentage names its base and is a share of it, so none can pass
100 %: the response rate is answered ÷ invited, clicks are counted once per invite (``clicked``), complaints
are a share of the answers. Per doctor and per branch side by side with their trend (the second half of the
range against the first), the average score and an NPS-style index (share of 5 minus share of 1–3) over time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from functions.cases.kinds import kind_names
from functions.clinics.clinic import Clinic
from functions.dashboard.formats import number, percent
from functions.dashboard.store import DashboardStore
from functions.exports.spreadsheet import csv_text
from functions.rewards.ledger import amount_cell

# (counter, label, the counter it is a share of, that base as the page names it)
STEPS = (("visits", "Визиты", None, ""),
         ("invited", "Приглашены", "visits", "от визитов"),
         ("delivered", "Доставлено", "invited", "от приглашённых"),
         ("opened", "Открыли ссылку", "delivered", "от доставленных"),
         ("answered", "Ответили", "invited", "от приглашённых"),
         ("clicked", "Перешли на площадки", "answered", "от ответивших"),
         ("complaints", "Жалобы", "answered", "от ответивших"),
         ("optouts", "Отказались от SMS", "invited", "от приглашённых"),
         ("rewards_paid", "Вознаграждений выплачено", "answered", "от ответивших"))
LONGEST = 366
UNNAMED = {"doctor": "Врач не указан", "branch": "Филиал не указан"}


@dataclass
class Row:
    name: str
    counts: dict[str, int]
    first_half: dict[str, int] = field(default_factory=dict)
    second_half: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def average(self) -> float | None:
        return average(self.counts)

    @property
    def index(self) -> float | None:
        return index(self.counts)

    @property
    def trend(self) -> float | None:
        """How the average moved from the range's first half to its second; None without answers in both."""
        before, after = average(self.first_half), average(self.second_half)
        return None if before is None or after is None else round(after - before, 2)


def average(counts: dict[str, int]) -> float | None:
    answered = counts.get("answered", 0)
    return round(counts.get("score_sum", 0) / answered, 2) if answered > 0 else None


def index(counts: dict[str, int]) -> float | None:
    """Share of 5s minus share of 1–3s among the answers, in points from −100 to +100 (an NPS-style score)."""
    scores = [counts.get(f"score{n}", 0) for n in range(1, 6)]
    answered = sum(scores)
    return round(100 * (scores[4] - sum(scores[:3])) / answered) if answered > 0 else None


@dataclass
class Numbers:
    first: str
    last: str
    total: Row
    days: list[Row] = field(default_factory=list)
    doctors: list[Row] = field(default_factory=list)
    branches: list[Row] = field(default_factory=list)

    def steps(self) -> list[tuple[str, str, int, str | None, str]]:
        """(key, label, count, share of its base as text, the base named) for the funnel. Without delivery
        reports (SNS and the outbox send none) «delivered» is left out and «opened» is a share of the invited."""
        found = []
        delivered = self.total.get("delivered") > 0
        for key, label, base, named in STEPS:
            if key == "delivered" and not delivered:
                continue
            if key == "opened" and not delivered:
                base, named = "invited", "от приглашённых"
            value = self.total.get(key)
            share = percent(value, self.total.get(base)) if base else None
            found.append((key, label, value, None if share == "—" else share, named))
        return found

    def platforms(self, clinic: Clinic) -> list[tuple[str, int, str]]:
        """Clicks per platform, each a share of all the platform clicks (an invite may open two platforms)."""
        clicks = [(p.name, self.total.get(f"click:{p.id}")) for p in clinic.platforms]
        every = sum(c for _, c in clicks)
        return [(name, c, percent(c, every)) for name, c in clicks]

    def kinds(self) -> list[tuple[str, int]]:
        return [(label, self.total.get(f"kind:{key}")) for key, label in kind_names("ru").items()]

    def distribution(self) -> list[tuple[int, int, str]]:
        answered = sum(self.total.get(f"score{n}") for n in range(1, 6))
        return [(n, self.total.get(f"score{n}"), percent(self.total.get(f"score{n}"), answered)) for n in range(1, 6)]


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The range asked for (default: the last 30 days); ValueError with a reason when it is not a range."""
    end = date.fromisoformat(last) if last else today
    start = date.fromisoformat(first) if first else end - timedelta(days=29)
    if start > end:
        raise ValueError("the first day is after the last")
    if (end - start).days >= LONGEST:
        raise ValueError(f"at most {LONGEST} days at once")
    return start, end


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def _rows(groups: dict[str, Row], total: Row, kind: str) -> list[Row]:
    """The rows by visits, and the visits no row names (so the table adds up to the clinic's total)."""
    rows = sorted(groups.values(), key=lambda r: (-r.get("visits"), r.name))
    rest = Row(UNNAMED[kind], {k: v - sum(r.get(k) for r in rows) for k, v in total.counts.items()})
    if rows and any(v > 0 for v in rest.counts.values()):
        rows.append(rest)
    return rows


def load_numbers(store: DashboardStore, clinic: Clinic, start: date, end: date) -> Numbers:
    found = store.read_stats(clinic.id, start.isoformat(), end.isoformat())
    middle = (start + (end - start) / 2).isoformat()
    total = Row("Всего", {})
    days: dict[str, dict[str, int]] = {}
    groups: dict[str, dict[str, Row]] = {"doctor": {}, "branch": {}}
    for (day, dim), counts in found.items():
        if dim == "all":
            days[day] = counts
            _add(total.counts, counts)
            continue
        kind, _, name = dim.partition(":")
        if kind not in groups:
            continue
        row = groups[kind].setdefault(name, Row(name, {}))
        _add(row.counts, counts)
        _add(row.first_half if day <= middle else row.second_half, counts)
    every_day = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    return Numbers(first=start.isoformat(), last=end.isoformat(), total=total,
                   days=[Row(d, days.get(d, {})) for d in every_day],
                   doctors=_rows(groups["doctor"], total, "doctor"), branches=_rows(groups["branch"], total, "branch"))


# The CSV's columns: (counter, the header Russian Excel shows).
TABLE_COLUMNS = (("visits", "Визиты"), ("invited", "Приглашены"), ("delivered", "Доставлено"),
                 ("opened", "Открыли ссылку"), ("answered", "Ответили"), ("clicked", "Перешли на площадки"),
                 ("complaints", "Жалобы"), ("optouts", "Отказались от SMS"),
                 ("rewards_paid", "Вознаграждений выплачено"))
FIRST_COLUMN = {"day": "День", "doctor": "Врач", "branch": "Филиал"}


def table_csv(rows: list[Row], first_column: str) -> str:
    """The table as a CSV file for Russian Excel: Russian headers, decimal commas, roubles (not kopecks);
    doctor and branch names come from the clinic's files, so through the safe writer."""
    header = (FIRST_COLUMN.get(first_column, first_column), *(label for _, label in TABLE_COLUMNS),
              "Выплачено, ₽", "Средняя оценка", "Индекс (5 минус 1–3)")
    return csv_text(header, ((row.name, *(row.get(c) for c, _ in TABLE_COLUMNS),
                              amount_cell(row.get("money_minor")), number(row.average, 2, "", grouping=False),
                              "" if row.index is None else row.index) for row in rows))


@dataclass
class Handling:
    """How complaints received in the range were handled: how many, still open, median time to each move."""
    received: int = 0
    still_new: int = 0
    to_contact: float | None = None  # seconds, median
    to_resolve: float | None = None


def handling(cases: list, clinic: Clinic, start: date, end: date) -> Handling:
    """From the clinic's cases (the page lists them anyway for the undelivered-alert notice): no extra read."""
    from statistics import median

    first, last = start.isoformat(), end.isoformat()
    mine = [c for c in cases if first <= clinic.local_date(c.created_at) <= last and c.outcome != "changed"]
    contacted = [(c.contacted_at - c.created_at).total_seconds() for c in mine if c.contacted_at]
    resolved = [(c.resolved_at - c.created_at).total_seconds() for c in mine if c.resolved_at]
    return Handling(received=len(mine), still_new=sum(c.status == "new" for c in mine),
                    to_contact=median(contacted) if contacted else None,
                    to_resolve=median(resolved) if resolved else None)
