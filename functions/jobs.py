"""Scheduled entry points for Zappa's ``events``: each takes ``(event, context)``.

Each builds its services from the environment per invocation, so nothing is made at import.
"""

from __future__ import annotations

import logging
from typing import Any

from functions import logs
from functions.config import load_settings
from functions.services import Services, utcnow

log = logging.getLogger(__name__)


def _services() -> Services:
    settings = load_settings()
    logs.configure(settings.log_level)
    return Services(settings)


def dispatch(event: Any, context: Any) -> dict:
    """Every 15 minutes: text the eligible visits of each clinic's local today."""
    from functions.dispatch import send_due_invites

    report = send_due_invites(_services(), utcnow()).as_dict()
    log.info("dispatch: %s", report)
    return report


def sweep(event: Any, context: Any) -> dict:
    """Every 5 minutes: retry director emails whose send failed for a passing reason."""
    from functions.sweep import sweep_cases

    report = sweep_cases(_services(), utcnow())
    log.info("sweep: %s", report)
    return report


def import_from_s3(event: Any, context: Any) -> list[dict]:
    """On an S3 drop under ``imports/<clinic_id>/``: import each CSV and write its report beside it."""
    from functions.aws import client
    from functions.s3_drop import import_object, objects_in

    services = _services()
    s3 = client("s3", services.settings)
    results = []
    for bucket, key in objects_in(event):
        result = import_object(services, s3, bucket, key)
        if result is not None:
            results.append(result)
    return results
