"""Who may use the clinic's dashboard (owner only): add a director or an owner by email, change a role, remove
one (their open sessions end at once), see when each last signed in. Every change is in the audit.

A clinic always keeps an owner: the last one cannot be removed or made a director, or nobody could change its
settings or pay its rewards.
"""

from __future__ import annotations

from flask import Response, redirect, request

from functions.dashboard.audit import record
from functions.dashboard.signin import ROLES, normal_email, remove_member
from functions.services import utcnow
from functions.web.admin.core import OWNER, Refused, bp, member, page, services, signed_in


def _page(clinic_id: str, status: int = 200, problem: str = "", email: str = "") -> Response:
    clinic, _ = member(clinic_id, OWNER)
    store = services().store
    members = store.members(clinic_id)
    order = sorted(members.items(), key=lambda item: (item[1] != OWNER, item[0]))
    return page("members.html", status, clinic=clinic, role=OWNER, members=order, sign_ins=store.member_sign_ins(
        clinic_id), me_email=signed_in(), done=request.args.get("done", ""), problem=problem, email=email)


@bp.get("/c/<clinic_id>/members")
def members_page(clinic_id: str) -> Response:
    return _page(clinic_id)


def _last_owner(clinic_id: str, email: str) -> bool:
    members = services().store.members(clinic_id)
    return members.get(email) == OWNER and list(members.values()).count(OWNER) == 1


@bp.post("/c/<clinic_id>/members")
def members_change(clinic_id: str) -> Response:
    member(clinic_id, OWNER)
    store, now, who = services().store, utcnow(), signed_in()
    action, typed = request.form.get("action", ""), request.form.get("email", "")
    email = normal_email(typed)
    if email is None:
        return _page(clinic_id, 400, "Проверьте адрес почты: он выглядит неверным.", typed[:254])
    before = store.members(clinic_id).get(email)
    if action == "add":
        role = request.form.get("role", "")
        if role not in ROLES:
            raise Refused(400, "Выберите роль: владелец или директор.")
        if before == role:
            return redirect(f"/admin/c/{clinic_id}/members?done=same", code=303)
        if role != OWNER and _last_owner(clinic_id, email):
            return _page(clinic_id, 409, "Это единственный владелец клиники: сначала добавьте другого.", email)
        store.put_member(clinic_id, email, role, now)
        record(services(), clinic_id, who, "members: role" if before else "members: add",
               {"member": email, "role": before} if before else {}, {"member": email, "role": role}, now)
        return redirect(f"/admin/c/{clinic_id}/members?done={'role' if before else 'added'}", code=303)
    if action == "remove":
        if before is None:
            raise Refused(404, "У этого адреса нет доступа к клинике.")
        if _last_owner(clinic_id, email):
            return _page(clinic_id, 409, "Это единственный владелец клиники: сначала добавьте другого.", email)
        remove_member(services(), clinic_id, email)
        record(services(), clinic_id, who, "members: remove", {"member": email, "role": before}, {}, now)
        if email == who:
            return redirect("/admin/", code=303)
        return redirect(f"/admin/c/{clinic_id}/members?done=removed", code=303)
    raise Refused(400, "Нет такого действия.")
