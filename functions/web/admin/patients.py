"""The dashboard's call lists: patients who stopped coming (with the call script, its editing and the outcomes),
and doctors' recommendations nobody booked (with outcomes, and booked per recommending doctor)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, redirect, request

from functions.cases.names import read_name
from functions.clinics.clinic import ClinicError
from functions.dashboard.numbers import parse_range
from functions.dashboard.settings_edit import save_change
from functions.patients import handoffs as recommendations
from functions.patients.reactivation import date_words, inactive, record_call, rows_csv, sample_script, script_words
from functions.patients.settings import SCRIPT_PARTS
from functions.services import utcnow
from functions.store.patient_records import CALL_OUTCOMES
from functions.web.admin.core import DIRECTOR, OWNER, Refused, bp, member, page, services, signed_in

SHOWN = 200  # a longer list is for the CSV
MONTHS = (3, 6, 12, 18, 24, 36)


def _gender(name: str) -> str:
    """"m", "f" or "" from the patient's name: the list says «был» or «была» (and «был(а)» when unsure)."""
    return read_name(name).gender


def _months() -> int:
    raw = request.args.get("months", "12")
    if not raw.isdigit() or not 1 <= int(raw) <= 120:
        raise Refused(400, "Укажите число месяцев от 1 до 120.")
    return int(raw)


@bp.get("/c/<clinic_id>/reactivation")
def reactivation_page(clinic_id: str) -> Response:
    clinic, role = member(clinic_id, OWNER, DIRECTOR)
    months, settled_too = _months(), request.args.get("all") == "1"
    rows, left_out = inactive(services().store, clinic, months, utcnow(), settled_too)
    return page("reactivation.html", clinic=clinic, role=role, rows=rows[:SHOWN], total=len(rows), months=months,
                choices=MONTHS, left_out=left_out, settled_too=settled_too, words=script_words(clinic.locale),
                date_words=lambda moment: date_words(clinic, moment), outcomes=CALL_OUTCOMES, parts=SCRIPT_PARTS,
                scripts=clinic.patients.scripts, samples=sample_script(clinic), gender=_gender,
                done=request.args.get("done", ""))


@bp.get("/c/<clinic_id>/reactivation.csv")
def reactivation_csv(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER, DIRECTOR)
    months = _months()
    rows, _ = inactive(services().store, clinic, months, utcnow(), request.args.get("all") == "1")
    name = f"{clinic_id}-reactivation-{months}m.csv"
    return Response(rows_csv(clinic, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/c/<clinic_id>/reactivation/call")
def reactivation_call(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER, DIRECTOR)
    phone, outcome = request.form.get("phone", ""), request.form.get("outcome", "")
    if outcome not in CALL_OUTCOMES:
        raise Refused(400, "Отметьте, чем закончился звонок.")
    if services().store.get_patient(clinic.id, phone) is None:
        raise Refused(404, "Такого пациента нет в картотеке клиники.")
    record_call(services().store, clinic, phone, outcome, signed_in(), utcnow())
    months = request.form.get("months", "12")
    return redirect(f"/admin/c/{clinic_id}/reactivation?months={months if months.isdigit() else 12}&done={outcome}",
                    code=303)


@bp.post("/c/<clinic_id>/reactivation/script")
def reactivation_script(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    doc = clinic.to_doc()
    doc["patients"]["scripts"] = {part: request.form.get(part, "").strip() for part in SCRIPT_PARTS}
    try:
        save_change(services(), clinic, doc, signed_in(), "call script", utcnow())
    except ClinicError as err:
        raise Refused(400, "Скрипт не сохранён: " + "; ".join(err.problems)) from None
    return redirect(f"/admin/c/{clinic_id}/reactivation?done=script#script", code=303)


@bp.get("/c/<clinic_id>/handoffs")
def handoffs_page(clinic_id: str) -> Response:
    clinic, role = member(clinic_id, OWNER, DIRECTOR)
    now = utcnow()
    today = now.astimezone(clinic.zone).date()
    try:
        first, last = parse_range(request.args.get("from") or (today - timedelta(days=89)).isoformat(),
                                  request.args.get("to"), today)
    except ValueError as err:
        raise Refused(400, f"Неверный период: {err}.") from None
    store = services().store
    waiting = store.open_handoffs(clinic.id)
    due = [h for h in waiting if h.due_at <= now]
    return page("handoffs.html", clinic=clinic, role=role, due=due, waiting=len(waiting) - len(due),
                doctors=recommendations.per_doctor(store, clinic, first, last), first=first, last=last,
                days=clinic.patients.handoff_days, outcomes=CALL_OUTCOMES, words=script_words(clinic.locale),
                date_words=lambda moment: date_words(clinic, moment), gender=_gender,
                ago=lambda moment: (now - moment).days, done=request.args.get("done", ""))


@bp.post("/c/<clinic_id>/handoffs/<handoff_id>/call")
def handoff_call(clinic_id: str, handoff_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER, DIRECTOR)
    outcome = request.form.get("outcome", "")
    if outcome not in CALL_OUTCOMES:
        raise Refused(400, "Отметьте, чем закончился звонок.")
    if not recommendations.settle(services().store, clinic, handoff_id, outcome, signed_in(), utcnow()):
        raise Refused(409, "Это направление уже закрыто.")
    return redirect(f"/admin/c/{clinic_id}/handoffs?done={outcome}", code=303)

