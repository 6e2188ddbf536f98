"""Signing in and out, and the list of the member's clinics."""

from __future__ import annotations

from flask import Response, redirect, request, session

from functions.dashboard.signin import end_sessions, normal_email, read_link, request_link, use_link
from functions.services import utcnow
from functions.texts import TEMPLATES
from functions.web.admin.core import bp, page, services, signed_in, start_session

ASSETS = {"admin.css": "text/css; charset=utf-8", "admin.js": "text/javascript; charset=utf-8"}


@bp.get("/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("", status=404)
    response = Response((TEMPLATES / "admin" / name).read_bytes(), mimetype=ASSETS[name].split(";")[0])
    response.headers["Content-Type"] = ASSETS[name]
    return response


@bp.get("/")
def home() -> Response:
    email = signed_in()
    clinics = services().store.memberships(email)
    if len(clinics) == 1:
        return redirect(f"/admin/c/{next(iter(clinics))}/", code=303)
    named = [(cid, role, services().clinic(cid)) for cid, role in clinics.items()]
    return page("home.html", clinics=[(cid, role, c.name if c else cid) for cid, role, c in named])


@bp.get("/signin")
def signin_form() -> Response:
    return page("signin.html")


@bp.post("/signin")
def signin_request() -> Response:
    email = normal_email(request.form.get("email", ""))
    if email is None:
        return page("signin.html", 400, problem="Проверьте адрес: он выглядит неверным.",
                    email=request.form.get("email", "")[:254])
    outcome = request_link(services(), email, request.remote_addr or "", utcnow())
    if outcome == "limited":
        return page("signin.html", 429, problem="Слишком много запросов. Попробуйте через 15 минут.", email=email)
    if outcome == "failed":
        return page("signin.html", 503, problem="Письмо не ушло. Попробуйте ещё раз чуть позже.", email=email)
    return page("message.html", title="Проверьте почту",
                text=f"Если у адреса {email} есть доступ, ссылка для входа уже в пути. Она действует 15 минут.")


@bp.get("/signin/<token>")
def signin_confirm(token: str) -> Response:
    # A GET only asks: mail scanners that open links must not use up the one-time link.
    if read_link(services(), token) is None:
        return page("message.html", 400, title="Ссылка не подходит",
                    text="Ссылка устарела или неверна. Запросите новую на странице входа.")
    return page("confirm.html", token=token)


@bp.post("/signin/<token>")
def signin_use(token: str) -> Response:
    email = use_link(services(), token, utcnow())
    if email is None:
        return page("message.html", 400, title="Ссылка не подходит",
                    text="Ссылка уже использована, устарела или неверна. Запросите новую на странице входа.")
    return redirect(start_session(email), code=303)


@bp.post("/signout")
def signout() -> Response:
    """End the member's sessions in the store, not only this browser's cookie (on every device)."""
    email = session.get("email")
    if isinstance(email, str) and email:
        end_sessions(services(), email)
    session.clear()
    return redirect("/admin/signin", code=303)
