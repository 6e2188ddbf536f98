"""The scheduled run's fan-out: find the clinics whose sending window is open, and dispatch each
in its own Lambda invocation, so no single invocation's work grows with the customer base."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.clinics.store import ClinicStore
from functions.config import Settings
from functions.invites.timing import WINDOW

log = logging.getLogger(__name__)

# Zappa's handler runs a message with this command as an async task (zappa.asynchronous).
ZAPPA_TASK = "zappa.asynchronous.route_lambda_task"
CLINIC_TASK = "functions.jobs.dispatch_one_clinic"


def due_clinics(store: ClinicStore, now: datetime) -> list[str]:
    """Clinics whose local time is inside their sending window now; unreadable entries count as due."""
    due = []
    for clinic_id, zone, window in store.clinic_directory():
        match = WINDOW.match(window)
        try:
            local = now.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            due.append(clinic_id)
            continue
        if not match:
            due.append(clinic_id)
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h1, m1) <= (local.hour, local.minute) < (h2, m2):
            due.append(clinic_id)
    return due


def start_clinic_tasks(settings: Settings, clinic_ids: list[str]) -> int:
    """One asynchronous invocation of this same function per clinic; a failed start is retried next run."""
    from functions.transports.aws import client

    lambda_client = client("lambda", settings)
    started = 0
    for clinic_id in clinic_ids:
        message = {"command": ZAPPA_TASK, "task_path": CLINIC_TASK, "capture_response": False,
                   "response_id": None, "args": [clinic_id], "kwargs": {}}
        try:
            lambda_client.invoke(FunctionName=settings.lambda_function, InvocationType="Event",
                                 Payload=json.dumps(message).encode())
            started += 1
        except Exception:
            log.exception("could not start the dispatch task for clinic %s; the next run will", clinic_id)
    return started
