"""The rating page (the static ``site/`` rendered per locale) and, in embedded mode, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, send_from_directory

from functions.answers.page import IMMUTABLE, hashed_assets, render_page
from functions.invites.links import is_token
from functions.services import Services, utcnow
from functions.texts import SITE, TEMPLATES, render

bp = Blueprint("pages", __name__)
outbox_bp = Blueprint("outbox", __name__)

LOCALES = ("ru", "en")


def page_locale() -> str:
    wanted = request.args.get("lang", "")
    if wanted in LOCALES:
        return wanted
    return request.accept_languages.best_match(LOCALES) or "ru"


def _page() -> Response:
    services: Services = current_app.extensions["otklik"]
    html = render_page(page_locale(), services.settings.api_url)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    return response


@bp.get("/")
def home() -> Response:
    return _page()


@bp.get("/<token>/")
def rating_page(token: str) -> Response:
    if not is_token(token):
        abort(404)
    return _page()


@bp.get("/<token>")
def rating_page_without_slash(token: str) -> Response:
    """Links always end in a slash (the forms' relative actions need it); mend one typed without."""
    if not is_token(token):
        abort(404)
    return redirect(f"/{token}/", code=308)


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    """The page's CSS and JavaScript: under their hashed names (what the page links, cached for good) or
    their plain ones."""
    for plain, (hashed, data) in hashed_assets().items():
        if name == hashed:
            response = Response(data, mimetype="text/css" if plain.endswith(".css") else "text/javascript")
            response.headers["Cache-Control"] = IMMUTABLE
            return response
    return send_from_directory(SITE, name, max_age=3600)


@outbox_bp.get("/outbox.css")
def outbox_css() -> Response:
    # A file, not an inline <style>: the CSP allows only our own origin's stylesheets.
    return send_from_directory(TEMPLATES, "outbox.css", max_age=3600)


@outbox_bp.get("/outbox")
def outbox() -> Response:
    from functions.invites.upcoming import upcoming
    from functions.transports.outbox import Outbox

    services: Services = current_app.extensions["otklik"]
    messages = Outbox(services.settings.outbox_path).messages()
    if request.args.get("format") == "json":
        return jsonify({"messages": messages})
    now = utcnow()
    clinics = [c for c in (services.clinic(cid) for cid in services.store.list_clinic_ids()) if c is not None]
    # Times as the clinic reads them when every clinic shares one zone (the demo, a one-city deployment), else UTC.
    zones = {c.timezone for c in clinics}
    zone = ZoneInfo(zones.pop()) if len(zones) == 1 else UTC
    waiting = [(c, upcoming(services.store, c, now)) for c in clinics]
    html = render("outbox.html", messages=messages, base=services.settings.link_base, zone=zone,
                  local=lambda at: _local(at, zone), waiting=[(c, u) for c, u in waiting if u.when or u.too_late])
    response = Response(html, mimetype="text/html")
    # Emails are shown as they render, in sandboxed frames (no script, no same origin): their inline styles
    # need 'unsafe-inline' here, on this embedded-only page, and nowhere else.
    response.headers["Content-Security-Policy"] = ("default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                   "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
    return response


def _local(at: str, zone: ZoneInfo | timezone) -> str:
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return str(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")
