"""The numbers page: the funnel for a date range, per doctor and branch, and its CSV export."""

from __future__ import annotations

from datetime import date

from flask import Response, request

from functions.cases.alerts import alert_problem, undelivered
from functions.dashboard.charts import chart
from functions.dashboard.formats import month_name
from functions.dashboard.numbers import handling, load_numbers, parse_range, table_csv
from functions.dashboard.problems import said
from functions.rewards.ledger import OWED, month_report
from functions.services import utcnow
from functions.web.admin.core import Refused, bp, member, page, services

TABLES = {"days": "day", "doctors": "doctor", "branches": "branch"}


def _numbers(clinic_id: str):
    clinic, role = member(clinic_id)
    try:
        today = utcnow().astimezone(clinic.zone).date()
        start, end = parse_range(request.args.get("from"), request.args.get("to"), today)
    except ValueError as err:
        raise Refused(400, f"Неверный период: {said(str(err), {})}.") from None
    return clinic, role, load_numbers(services().store, clinic, start, end)


@bp.get("/c/<clinic_id>/")
def numbers_page(clinic_id: str) -> Response:
    clinic, role, numbers = _numbers(clinic_id)
    # The clinic's first page says so when directors are not getting complaint emails (one query), and the same
    # cases give the handling times.
    cases = services().store.list_cases(clinic_id)
    stuck = undelivered(cases)
    report = month_report(services(), clinic, numbers.last[:7])
    start, end = date.fromisoformat(numbers.first), date.fromisoformat(numbers.last)
    return page("numbers.html", clinic=clinic, role=role, n=numbers, charts=[
                    ("average", "Средняя оценка", chart(numbers.days, "average")),
                    ("index", "Индекс: доля пятёрок минус доля оценок 1–3", chart(numbers.days, "index"))],
                report=report, owed=OWED, month_title=month_name(numbers.last[:7]),
                handled=handling(cases, clinic, start, end),
                platforms=numbers.platforms(clinic), kinds=numbers.kinds(), distribution=numbers.distribution(),
                undelivered=stuck, alert_problem=alert_problem)


@bp.get("/c/<clinic_id>/numbers.csv")
def numbers_csv(clinic_id: str) -> Response:
    _, _, numbers = _numbers(clinic_id)
    table = request.args.get("table", "days")
    if table not in TABLES:
        raise Refused(400, "Нет такой таблицы.")
    text = table_csv(getattr(numbers, table), TABLES[table])
    name = f"{clinic_id}-{table}-{numbers.first}-{numbers.last}.csv"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
