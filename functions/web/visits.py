"""``POST /api/v1/visits``: the clinic's CRM pushes a batch of visits with its API key."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from functions.errors import FunnelError
from functions.services import Services, utcnow
from functions.visits.apikeys import verify_key
from functions.visits.intake import FIELDS, Rejected, import_rows
from functions.web.errors import json_body, use_locale

bp = Blueprint("visits", __name__)

BATCH_LIMIT = 1000
# A thousand visits with long names, doctors and services fit in well under this.
BODY_LIMIT = 1024 * 1024


@bp.post("/api/v1/visits")
def post_visits():
    services: Services = current_app.extensions["otklik"]
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    key = verify_key(services.store, presented.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise FunnelError(401, "unauthorized", "Send a valid API key as 'Authorization: Bearer <key>'.")
    clinic = services.clinic(key.clinic_id)
    if clinic is None:
        raise FunnelError(403, "clinic_gone", "This API key's clinic no longer exists.")
    use_locale(clinic.locale)
    body = json_body(BODY_LIMIT)
    if body.get("clinic_id", key.clinic_id) != key.clinic_id:
        raise FunnelError(403, "forbidden", "This API key belongs to another clinic.")
    visits = body.get("visits")
    if not isinstance(visits, list) or not visits:
        raise FunnelError(400, "no_visits", "Send {\"visits\": [...]} with at least one visit.")
    if len(visits) > BATCH_LIMIT:
        raise FunnelError(413, "batch_too_large", f"Send at most {BATCH_LIMIT} visits per request; split the batch.",
                          limit=BATCH_LIMIT)
    # Each item is one row: one that is not an object is that item's error, never the batch's.
    rows = [(index, item if isinstance(item, dict) else Rejected("not_an_object")) for index, item in enumerate(visits)]
    # Errors name the JSON field the caller sent, not a spreadsheet's column.
    report = import_rows(services.store, clinic, rows, services.settings.token_days, {f: f for f in FIELDS},
                         now=utcnow(), same_code="same_item")
    result = report.as_dict()
    for entry in result["errors"] + result["warnings"]:
        entry["index"] = entry.pop("line")  # the API's rows are the batch's items, counted from 0
    return jsonify(result)
