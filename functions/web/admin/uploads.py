"""Visits import from the dashboard (owner only): upload a CSV, read the row-level report. And the audit."""

from __future__ import annotations

from flask import Response, request

from functions.dashboard.audit import readable
from functions.invites.upcoming import upcoming
from functions.services import utcnow
from functions.visits.csv_files import import_csv
from functions.web.admin.core import OWNER, Refused, bp, member, page, services

UPLOAD_LIMIT = 1024 * 1024  # the app's request limit; larger exports go through the S3 drop or the CLI


@bp.get("/c/<clinic_id>/import")
def import_page(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    return page("import.html", clinic=clinic, role=OWNER, report=None,
                upcoming=upcoming(services().store, clinic, utcnow()))


@bp.post("/c/<clinic_id>/import")
def import_upload(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    upload = request.files.get("file")
    data = upload.read(UPLOAD_LIMIT + 1) if upload else b""
    if not data:
        raise Refused(400, "Выберите CSV-файл с визитами.")
    if len(data) > UPLOAD_LIMIT:
        raise Refused(413, "Файл больше 1 МБ: загрузите его через папку импорта (S3) или командой visits import.")
    # The report speaks the dashboard's language, whatever language the clinic's patients read.
    report = import_csv(services().store, clinic, data, services().settings.token_days, now=utcnow(), locale="ru")
    status = 400 if report.rejected and not (report.imported or report.updated) else 200
    return page("import.html", status, clinic=clinic, role=OWNER, report=report.as_dict(),
                filename=(upload.filename or "")[:120], upcoming=upcoming(services().store, clinic, utcnow()))


@bp.get("/c/<clinic_id>/audit")
def audit_page(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    entries = [(e, *readable(e.what, e.before, e.after)) for e in services().store.list_audit(clinic_id, 100)]
    return page("audit.html", clinic=clinic, role=OWNER, entries=entries, zone=clinic.zone)
