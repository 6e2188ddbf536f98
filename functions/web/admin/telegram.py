"""The member's own Telegram page: link their phone's Telegram by a one-time deep link (15 minutes, one use),
see where the clinic's alerts go, unlink. Every member (owner or director) manages only their own link."""

from __future__ import annotations

from flask import Response, redirect

from functions.channels.telegram_links import CODE_MINUTES, new_link
from functions.services import utcnow
from functions.web.admin.core import Refused, bp, member, page, services, signed_in


def _page(clinic_id: str, link: str = "", done: str = "") -> Response:
    clinic, role = member(clinic_id)
    email = signed_in()
    store = services().store
    members = store.members(clinic_id)
    links = [x for x in store.telegram_links(clinic_id) if x.email in members]
    mine = next((x for x in links if x.email == email), None)
    return page("telegram.html", clinic=clinic, role=role, bot=services().bot_name(clinic),
                enabled=clinic.telegram is not None, mine=mine, others=[x for x in links if x.email != email],
                link=link, minutes=CODE_MINUTES, done=done, zone=clinic.zone)


@bp.get("/c/<clinic_id>/telegram")
def telegram_page(clinic_id: str) -> Response:
    return _page(clinic_id)


@bp.post("/c/<clinic_id>/telegram/<action>")
def telegram_action(clinic_id: str, action: str) -> Response:
    clinic, _ = member(clinic_id)
    email = signed_in()
    if action == "link":
        link = new_link(services(), clinic, email, utcnow())
        if link is None:
            raise Refused(409, "Telegram для клиники не подключён: попросите оператора указать бота.")
        return _page(clinic_id, link=link)
    if action == "unlink":
        services().store.unlink_telegram(clinic_id, email)
        return redirect(f"/admin/c/{clinic_id}/telegram", code=303)
    raise Refused(404, "Нет такого действия.")
