"""Cases on the dashboard: the list (new first), a case with its patient and first reply, and its moves."""

from __future__ import annotations

from flask import Response, redirect, request

from functions.cases.alerts import alert_problem, undelivered
from functions.cases.kinds import KIND_NAMES, KINDS, reclassify
from functions.cases.replies import reply_by_sms, suggested_reply
from functions.services import utcnow
from functions.web.admin.core import Refused, bp, member, page, services, signed_in

ORDER = {"new": 0, "contacted": 1, "resolved": 2}


def _case(clinic_id: str, case_id: str):
    clinic, role = member(clinic_id)
    case = services().store.get_case(clinic_id, case_id)
    if case is None:
        raise Refused(404, "Такого обращения нет.")
    return clinic, role, case


@bp.get("/c/<clinic_id>/cases")
def cases_page(clinic_id: str) -> Response:
    clinic, role = member(clinic_id)
    status = request.args.get("status") or None
    every = services().store.list_cases(clinic_id)
    found = [c for c in every if status in (None, c.status)]
    found.sort(key=lambda c: (ORDER.get(c.status, 3), -c.created_at.timestamp()))
    return page("cases.html", clinic=clinic, role=role, cases=found, shown=status, undelivered=undelivered(every),
                alert_problem=alert_problem)


@bp.get("/c/<clinic_id>/cases/<case_id>")
def case_page(clinic_id: str, case_id: str) -> Response:
    clinic, role, case = _case(clinic_id, case_id)
    visit = services().store.get_visit(clinic_id, case.visit_id)
    contact = services().store.contacts(clinic_id, [visit.phone]).get(visit.phone) if visit else None
    reply = suggested_reply(clinic, case.kind, visit.patient_name if visit else "")
    return page("case.html", clinic=clinic, role=role, case=case, visit=visit, kinds=KINDS, reply=reply,
                kind_names=KIND_NAMES["ru"], contact=contact, zone=clinic.zone, done=request.args.get("done", ""),
                alert_problem=alert_problem)


@bp.post("/c/<clinic_id>/cases/<case_id>/<action>")
def case_action(clinic_id: str, case_id: str, action: str) -> Response:
    clinic, _, case = _case(clinic_id, case_id)
    who, now, store = signed_in(), utcnow(), services().store
    done = action
    if action == "kind":
        kind = request.form.get("kind", "")
        if kind not in KINDS:
            raise Refused(400, "Нет такого вида обращения.")
        reclassify(services(), case, kind)
    elif action == "contacted":
        if not store.move_case(clinic_id, case_id, ("new",), "contacted", who, now):
            raise Refused(409, "Обращение уже не новое.")
    elif action == "resolve":
        outcome = request.form.get("outcome", "")
        if outcome not in ("returned", "not_returned"):
            raise Refused(400, "Укажите, вернулся ли пациент.")
        if not store.move_case(clinic_id, case_id, ("new", "contacted"), "resolved", who, now, outcome):
            raise Refused(409, "Обращение уже закрыто.")
    elif action == "reply":
        visit = store.get_visit(clinic_id, case.visit_id)
        if visit is None:
            raise Refused(410, "Визит уже удалён вместе с номером: позвоните пациенту.")
        text = request.form.get("text", "").strip() or None
        outcome = reply_by_sms(services(), clinic, case, visit, text, now)
        if outcome != "sent":
            raise Refused(409, f"SMS не отправлено: {outcome}")
    else:
        raise Refused(404, "Нет такого действия.")
    return redirect(f"/admin/c/{clinic_id}/cases/{case_id}?done={done}", code=303)
