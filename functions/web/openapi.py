"""``GET /api/v1/openapi.json``: the OpenAPI 3 document of the public API, built from the app's own routes.

apispec assembles it: each route of a public endpoint gives its path (``<token>`` as ``{token}``),
its methods and its path parameters; ``api_doc.py`` gives what each operation takes and answers.
Built once per app on first request, so nothing of it costs a cold start.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from functions.web.api_doc import OPERATIONS, SCHEMAS

bp = Blueprint("openapi", __name__)
FLASK_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    return FLASK_ARGUMENT.sub(r"{\1}", rule)


def build_document(app: Flask, base: str = "/") -> dict[str, Any]:
    from apispec import APISpec

    spec = APISpec(
        title="Otklik public API", version="1", openapi_version="3.0.3",
        info={"description": "The patient's answers, visits from the clinic's system, providers' webhooks. "
                             "Errors are {\"error\": {\"code\", \"message\"}} with a 4xx status; the message is "
                             "in the clinic's language where it is known, else the caller's (Accept-Language)."},
        servers=[{"url": base}])
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer",
                                               "description": "the clinic's key: python -m functions clinic key"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, copy.deepcopy(schema))
    paths: dict[str, tuple[dict, list]] = {}  # one path may be two endpoints (a GET and a POST apart)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operations = OPERATIONS.get(rule.endpoint)
        if operations is None:
            continue
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
                      for name in sorted(rule.arguments)]
        path = openapi_path(rule.rule)
        paths.setdefault(path, ({}, parameters))[0].update(copy.deepcopy(operations))
    for path, (operations, parameters) in paths.items():
        spec.path(path=path, operations=operations, parameters=parameters)
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
def document():
    base = request.script_root or "/"
    cache = current_app.extensions.setdefault("otklik_openapi", {})
    if base not in cache:
        cache[base] = build_document(current_app, base)
    return jsonify(cache[base])
