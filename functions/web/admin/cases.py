"""Cases on the dashboard: the list (new first), a case with its patient, its timeline and first reply, and its
moves. The reply is checked before it goes: the director sees its SMS segments and confirms."""

from __future__ import annotations

from flask import Response, redirect, request

from functions.cases.alerts import alert_problem, undelivered
from functions.cases.kinds import KINDS, kind_names, reclassify
from functions.cases.moves import mark_contacted, reopen, resolve
from functions.cases.names import read_name
from functions.cases.replies import (
    ALREADY,
    EMPTY,
    OPTED_OUT,
    REPLY_LIMIT,
    SENT,
    TOO_LONG,
    case_reply,
    reply_by_sms,
    reply_route,
)
from functions.invites.segments import count_segments
from functions.services import utcnow
from functions.store import Case, Visit
from functions.texts import one_line
from functions.web.admin.core import Refused, bp, member, page, services, signed_in

ORDER = {"new": 0, "contacted": 1, "resolved": 2}
NOT_SENT = {OPTED_OUT: "пациент отказался от SMS: позвоните ему", EMPTY: "текст пустой",
            TOO_LONG: f"текст длиннее {REPLY_LIMIT} знаков", ALREADY: "по этому обращению SMS уже отправлено"}


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
    query = " ".join(request.args.get("q", "").split())[:100]
    every = services().store.list_cases(clinic_id)
    shown = [c for c in every if status in (None, c.status)]
    visits = services().store.get_visits(clinic_id, [c.visit_id for c in shown])  # one read for the names
    found = [c for c in shown if matches(query, c, visits.get(c.visit_id))]
    found.sort(key=lambda c: (ORDER.get(c.status, 3), -c.created_at.timestamp()))
    return page("cases.html", clinic=clinic, role=role, cases=found, visits=visits, shown=status, query=query,
                now=utcnow(), excerpt=excerpt, undelivered=undelivered(every), alert_problem=alert_problem)


def matches(query: str, case: Case, visit: Visit | None) -> bool:
    """Every word of the search in the patient's name, phone, doctor, branch or words (case and ё aside)."""
    if not query:
        return True
    where = [case.text, *((visit.patient_name, visit.phone, visit.doctor, visit.branch) if visit else ())]
    haystack = " ".join(where).casefold().replace("ё", "е")
    digits = "".join(ch for ch in haystack if ch.isdigit())
    for word in query.casefold().replace("ё", "е").split():
        number = "".join(ch for ch in word if ch.isdigit())
        if word not in haystack and not (len(number) >= 4 and number in digits):
            return False
    return True


def excerpt(text: str, limit: int = 140) -> str:
    """The words cut at a word's end, never mid-word."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:—-")
    return cut + "…"


def _case_page(clinic_id: str, case_id: str, text: str | None = None) -> Response:
    clinic, role, case = _case(clinic_id, case_id)
    store = services().store
    visit = store.get_visit(clinic_id, case.visit_id)
    contact = store.contacts(clinic_id, [visit.phone]).get(visit.phone) if visit else None
    reply = text if text is not None else case_reply(clinic, case, visit)
    return page("case.html", clinic=clinic, role=role, case=case, visit=visit, kinds=KINDS, reply=reply,
                segments=count_segments(one_line(reply)), kind_names=kind_names("ru"), contact=contact,
                zone=clinic.zone, done=request.args.get("done", ""), events=store.case_events(clinic_id, case_id),
                gender=read_name(visit.patient_name).gender if visit else "", alert_problem=alert_problem, now=utcnow())


@bp.get("/c/<clinic_id>/cases/<case_id>")
def case_page(clinic_id: str, case_id: str) -> Response:
    return _case_page(clinic_id, case_id)


@bp.post("/c/<clinic_id>/cases/<case_id>/<action>")
def case_action(clinic_id: str, case_id: str, action: str) -> Response:
    clinic, role, case = _case(clinic_id, case_id)
    who, now, store = signed_in(), utcnow(), services().store
    done = action
    if action == "kind":
        kind = request.form.get("kind", "")
        if kind not in KINDS:
            raise Refused(400, "Нет такого вида обращения.")
        reclassify(services(), case, kind, who)
    elif action == "contacted":
        if not mark_contacted(services(), case, who, now):
            raise Refused(409, "Обращение уже не новое.")
    elif action == "reopen":
        if not reopen(services(), case, who, now):
            raise Refused(409, "Обращение не закрыто.")
    elif action == "resolve":
        outcome = request.form.get("outcome", "")
        if outcome not in ("returned", "not_returned"):
            raise Refused(400, "Укажите, вернулся ли пациент.")
        if not resolve(services(), case, who, outcome == "returned", now):
            raise Refused(409, "Обращение уже закрыто.")
    elif action == "reply":
        visit = store.get_visit(clinic_id, case.visit_id)
        if visit is None:
            raise Refused(410, "Визит уже удалён вместе с номером: позвоните пациенту.")
        text = one_line(request.form.get("text", ""))
        if request.form.get("edit"):
            return _case_page(clinic_id, case_id, text)
        if not request.form.get("confirm"):
            # Before anything goes: the text as the patient will get it, what it costs, and a confirm.
            return page("case_reply.html", clinic=clinic, role=role, case=case, visit=visit, text=text,
                        segments=count_segments(text), limit=REPLY_LIMIT,
                        sender=clinic.sender_id or services().settings.sms_sender_id,
                        channel=reply_route(services(), clinic, visit).channel)
        outcome = reply_by_sms(services(), clinic, case, visit, text or None, now, who)
        if outcome != SENT:
            reason = NOT_SENT.get(outcome, outcome.replace("failed:", "ошибка отправки:"))
            raise Refused(409, f"SMS не отправлено: {reason}")
    else:
        raise Refused(404, "Нет такого действия.")
    return redirect(f"/admin/c/{clinic_id}/cases/{case_id}?done={done}", code=303)
