"""Error handlers and the one JSON body reader: every failure the client caused is JSON with a 4xx
status and words in the caller's language, never a 5xx."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from functions.errors import FunnelError
from functions.texts import catalog

log = logging.getLogger(__name__)

LOCALES = ("ru", "en")
# A patient's answer is a few hundred bytes; the visits API sets its own, larger limit.
BODY_LIMIT = 64 * 1024
# Deeper than any body of ours; json.loads recurses once per level, so 5,000 would end in RecursionError.
DEPTH_LIMIT = 32


def use_locale(locale: str) -> None:
    """Speak ``locale`` from here on in this request (a view that knows the clinic says so)."""
    g.locale = locale


def request_locale() -> str:
    """The clinic's language where the view knows it; else ``?lang=``, else Accept-Language; Russian first."""
    chosen = g.get("locale")
    if chosen in LOCALES:
        return chosen
    wanted = request.args.get("lang", "")
    if wanted in LOCALES:
        return wanted
    return request.accept_languages.best_match(LOCALES) or "ru"


def error_response(status: int, code: str, message: str, **params: object) -> tuple[Response, int]:
    words = catalog("errors", request_locale()).get(code)
    try:
        text = words.format_map(params) if words else message
    except (KeyError, IndexError, ValueError):
        text = message  # the catalog's sentence wants a value this raiser did not give
    return jsonify({"error": {"code": code, "message": text}}), status


def _deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit``; iterative, so no input can exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return False


def json_body(limit: int = BODY_LIMIT) -> dict:
    """The request's JSON object, or a 400/413 that says what is wrong with it. Every JSON endpoint reads
    its body here."""
    too_large = FunnelError(413, "body_too_large", f"The request body is larger than {limit // 1024} KB.",
                            limit=limit // 1024)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = request.get_data(parse_form_data=False)  # without a length, Flask's own limit stops the read
    if len(raw) > limit:
        raise too_large
    if not raw.strip():
        raise FunnelError(400, "empty_body", "Send a JSON object in the request body.")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise FunnelError(400, "too_deep", f"The JSON is nested deeper than {DEPTH_LIMIT} levels.",
                          depth=DEPTH_LIMIT) from None
    except (UnicodeDecodeError, ValueError):
        raise FunnelError(400, "invalid_json", "The request body is not valid JSON.") from None
    if _deeper_than(body, DEPTH_LIMIT):
        raise FunnelError(400, "too_deep", f"The JSON is nested deeper than {DEPTH_LIMIT} levels.",
                          depth=DEPTH_LIMIT)
    if not isinstance(body, dict):
        raise FunnelError(400, "not_an_object", "The request body must be a JSON object.")
    return body


def register(app: Flask) -> None:
    @app.errorhandler(FunnelError)
    def funnel_error(err: FunnelError):
        return error_response(err.status, err.code, err.message, **err.params)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(err.code or 400, code, err.description or err.name)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url_rule or "(no route)")
        return error_response(500, "internal", "Something went wrong on our side; nothing was lost, try again.")
