"""The dashboard's blueprint and what every page of it shares: sessions, membership checks, CSRF.

Signed in by an email link (``signin.py``); the session is Flask's signed cookie, and it counts only
while it carries the member's session version from the store: signing out or being removed moves the
version on, so a copied cookie stops working at once instead of living out its 12 hours. Every route
that names a clinic checks the member's role for that clinic first (a clinic they are not a member of
is a 404, a page their role may not see a 403), and every POST carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, Request, Response, current_app, g, redirect, request, session
from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface

from functions.clinics.clinic import Clinic
from functions.config import ConfigError
from functions.dashboard import formats
from functions.services import Services
from functions.texts import render

bp = Blueprint("admin", __name__, url_prefix="/admin")
SESSION_HOURS = 12
OWNER, DIRECTOR = "owner", "director"


class Refused(Exception):
    """A request the dashboard answers with a page saying why: 400, 403, 404, 429."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInFirst(Exception):
    pass


def services() -> Services:
    return current_app.extensions["otklik"]


def page(name: str, status: int = 200, **context: object) -> Response:
    html = render(f"admin/{name}", csrf=session.get("csrf", ""), me=session.get("email", ""), fmt=formats, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def signed_in() -> str:
    if "signed_in" in g:
        return g.signed_in  # checked once per request
    email = session.get("email")
    if not isinstance(email, str) or not email:
        raise SignInFirst()
    if session.get("v") != services().store.session_version(email):
        session.clear()  # ended by a sign-out or a removal, perhaps on another device
        raise SignInFirst()
    g.signed_in = email
    return email


def member(clinic_id: str, *roles: str) -> tuple[Clinic, str]:
    """The clinic and the signed-in member's role in it; 404 for a clinic they do not belong to."""
    role = services().store.memberships(signed_in()).get(clinic_id)
    clinic = services().clinic(clinic_id) if role else None
    if clinic is None or role is None:
        raise Refused(404, "Такой клиники нет в вашем кабинете.")
    if roles and role not in roles:
        raise Refused(403, "Эта страница доступна только владельцу клиники.")
    return clinic, role


def start_session(email: str) -> str:
    """A fresh session for ``email``; answers where to go: the page that asked for a sign-in, or home."""
    wanted = session.get("next", "")
    session.clear()
    session.permanent = True
    session["email"] = email
    session["v"] = services().store.session_version(email)
    session["csrf"] = secrets.token_urlsafe(24)
    return wanted if isinstance(wanted, str) and wanted.startswith("/admin/c/") else "/admin/"


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the key taken from the services when first needed (the patient
    API never needs it, so a deployment without a dashboard key still serves patients)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith("/admin"):
            # Only the dashboard has a session (its cookie's path is /admin): a patient's request skips the
            # signing machinery, a tenth of a first tap's CPU.
            return self.session_class()
        if not app.secret_key:
            try:
                app.secret_key = app.extensions["otklik"].secret_key
            except ConfigError:
                return None
        return super().open_session(app, request)

    def get_cookie_path(self, app: Flask) -> str:
        # Under an API Gateway stage the dashboard lives at /<stage>/admin: the cookie must follow it there.
        return request.script_root + app.config["SESSION_COOKIE_PATH"]


@bp.before_request
def prepare() -> Response | None:
    if isinstance(session, NullSession):
        return Response("The dashboard needs FUNNEL_SECRET_KEY.", status=503, mimetype="text/plain")
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
            return page("message.html", 403, title="Форма устарела",
                        text="Обновите страницу и отправьте форму ещё раз.")
    return None


@bp.errorhandler(Refused)
def refused(err: Refused) -> Response:
    return page("message.html", err.status, title="Не получилось", text=err.message)


@bp.errorhandler(SignInFirst)
def sign_in_first(_: SignInFirst) -> Response:
    if request.method == "GET" and request.path.startswith("/admin/c/"):
        session["next"] = request.path  # e.g. the case an email linked to: shown right after signing in
    return redirect("/admin/signin", code=303)


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response

