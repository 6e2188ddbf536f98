"""Error handlers: every failure the client caused is JSON with a 4xx status, never a 5xx."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from functions.errors import FunnelError

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    raw = request.get_data(parse_form_data=False)
    if not raw.strip():
        raise FunnelError(400, "empty_body", "Send a JSON object in the request body.")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise FunnelError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise FunnelError(400, "invalid_json", "The request body must be a JSON object.")
    return body


def register(app: Flask) -> None:
    @app.errorhandler(FunnelError)
    def funnel_error(err: FunnelError):
        return error_response(err.status, err.code, err.message)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(err.code or 400, code, err.description or err.name)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side; nothing was lost, try again.")
