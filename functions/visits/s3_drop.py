"""Visits dropped into a bucket: ``imports/<clinic_id>/<name>.csv`` is imported on arrival and
``<name>.csv.report.json`` is written beside it with the same report the CLI prints."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from functions.services import Services, utcnow
from functions.visits.csv_files import import_csv
from functions.visits.intake import Report
from functions.visits.reasons import reason

log = logging.getLogger(__name__)

KEY = re.compile(r"^imports/(?P<clinic>[a-z0-9][a-z0-9-]{0,39})/[^/]+\.csv$", re.IGNORECASE)
# The file streams through, so memory is no limit; a Lambda's 15 minutes are. A clinic's daily export
# is far below this.
MAX_BYTES = 50 * 1024 * 1024


def objects_in(event: dict) -> list[tuple[str, str]]:
    """(bucket, key) for each created object in an S3 event notification."""
    found = []
    for record in event.get("Records", []):
        s3 = record.get("s3", {})
        bucket, key = s3.get("bucket", {}).get("name"), s3.get("object", {}).get("key")
        if bucket and key:
            found.append((bucket, unquote_plus(key)))
    return found


def import_object(services: Services, s3: Any, bucket: str, key: str) -> dict | None:
    """Import one dropped file and write its report; None for keys that are not visit files."""
    match = KEY.match(key)
    if not match:
        return None
    clinic_id = match.group("clinic")
    clinic = services.clinic(clinic_id)
    head = s3.head_object(Bucket=bucket, Key=key)
    if clinic is None:
        result = {"code": "no_clinic", "error": reason("no_clinic", "ru", clinic=clinic_id)}
    elif head["ContentLength"] > MAX_BYTES:
        result = {"code": "file_too_large",
                  "error": reason("file_too_large", clinic.locale, limit=MAX_BYTES // (1024 * 1024))}
    else:
        # The body streams through the importer: memory stays flat whatever the file's size.
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        report: Report = import_csv(services.store, clinic, body, services.settings.token_days, now=utcnow())
        result = report.as_dict()
    result = {"file": key, "clinic_id": clinic_id, **result}
    s3.put_object(Bucket=bucket, Key=f"{key}.report.json", ContentType="application/json; charset=utf-8",
                  Body=json.dumps(result, ensure_ascii=False, indent=2).encode())
    counts = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
    log.info("imported s3://%s/%s: %s", bucket, key, counts)
    return result
