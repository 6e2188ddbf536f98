"""``/u/<token>``: a campaign letter's unsubscribe link. A GET only asks (mail scanners open links), the button (or
a mail client's one-click POST, RFC 8058) unsubscribes: at once and for good, for this clinic's advertising.

The page is the app's own (on AWS the CDN sends ``/u/*`` to the API, as it does ``/r/*``); its few lines of style
are inline, allowed by their hash in this response's Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

from flask import Blueprint, Response, current_app, request

from functions.patients.unsubscribe import letter_of, unsubscribe
from functions.services import Services, utcnow
from functions.texts import TEMPLATES, render

bp = Blueprint("unsubscribe", __name__)
STYLE = ("body{margin:0;font:18px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1c1c1c;"
         "background:#fafafa}main{max-width:480px;margin:0 auto;padding:24px 16px}h1{font-size:24px}"
         "button{width:100%;min-height:52px;font:inherit;font-weight:600;border:0;border-radius:12px;"
         "background:#2f6fdb;color:#fff;cursor:pointer}.muted{color:#666;font-size:15px}")


@cache
def _words(locale: str) -> dict:
    return json.loads((TEMPLATES / "patients" / locale / "unsubscribe.json").read_text(encoding="utf-8"))


def _page(state: str, clinic: str, locale: str, status: int = 200) -> Response:
    html = render("patients/unsubscribe.html", t=_words(locale), lang=locale, state=state, clinic=clinic,
                  style=STYLE)
    response = Response(html, status=status, mimetype="text/html")
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    response.headers["Content-Security-Policy"] = (f"default-src 'none'; style-src 'sha256-{digest}'; "
                                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/u/<token>", methods=["GET", "POST"])
def unsubscribe_page(token: str) -> Response:
    services: Services = current_app.extensions["otklik"]
    found = letter_of(services.store, services.secret_key, token)
    clinic = services.clinic(found[0]) if found else None
    if found is None or clinic is None:
        locale = request.accept_languages.best_match(("ru", "en")) or "ru"
        return _page("unknown", "", locale, 404)
    if request.method == "POST":
        unsubscribe(services.store, services.secret_key, token, utcnow())
        return _page("done", clinic.name, clinic.locale)
    return _page("ask", clinic.name, clinic.locale)
