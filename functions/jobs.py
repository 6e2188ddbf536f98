"""Lambda's entry points: ``lambda_handler`` (what the function runs: Zappa's handler, inside the log's
request id and masking) and the scheduled jobs of Zappa's ``events``, each taking ``(event, context)``.

Each builds its services from the environment per invocation, so nothing is made at import. Each runs at the
real now, whatever the event says: replaying a moment (``--at``) is for the command line only.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from functions import logs
from functions.config import load_settings
from functions.services import Services, utcnow

log = logging.getLogger(__name__)


class InvocationFailed(Exception):
    """What Lambda is told when a job fails: the error's type and masked message, nothing else, so its
    own error report cannot carry a phone number. Lambda still sees a failure and retries async events."""


def lambda_handler(event: Any, context: Any) -> Any:
    """The function's handler (``lambda_handler`` in zappa_settings.json): Zappa's own, with every log
    line of the invocation carrying its request id and everything printed turned into masked log lines."""
    try:
        from handler import lambda_handler as zappa_handler  # the copy Zappa puts at the package's root
    except ImportError:
        from zappa.handler import lambda_handler as zappa_handler
    logs.configure(None, structured=True)  # before Zappa's first line: the settings' level comes with the app
    token = logs.request_id.set(getattr(context, "aws_request_id", "") or "")
    printed = logs.PrintedLines(logging.getLogger("print"))
    try:
        with contextlib.redirect_stdout(printed):
            return zappa_handler(event, context)
    except Exception as err:
        log.exception("invocation failed")
        raise InvocationFailed(f"{type(err).__name__}: {logs.redact(str(err))}") from None
    finally:
        printed.flush()
        logs.request_id.reset(token)


def _services() -> Services:
    settings = load_settings()
    logs.configure(settings.log_level, structured=settings.on_lambda)
    return Services(settings)


def dispatch(event: Any, context: Any) -> dict:
    """Every 15 minutes: find the clinics inside their sending window and dispatch each one,
    in its own Lambda invocation (FUNNEL_FANOUT=lambda) or here, one after another."""
    from functions.invites.dispatch import send_due_invites
    from functions.invites.fanout import due_clinics, start_clinic_tasks

    services = _services()
    now = utcnow()
    if services.settings.fanout == "lambda":
        due = due_clinics(services.store, now)
        report = {"clinics_due": len(due), "tasks_started": start_clinic_tasks(services.settings, due)}
    else:
        report = send_due_invites(services, now).as_dict()
    log.info("dispatch: %s", report)
    return report


def dispatch_one_clinic(clinic_id: str) -> dict:
    """The fanned-out task: one clinic's dispatch, in its own invocation."""
    from functions.invites.dispatch import dispatch_clinic

    services = _services()
    clinic = services.clinic(clinic_id)
    if clinic is None:
        return {"error": f"no clinic {clinic_id}"}
    report = dispatch_clinic(services, clinic, utcnow()).as_dict()
    log.info("dispatch %s: %s", clinic_id, report)
    return report


def sweep_all(services: Services, now: datetime) -> dict:
    """One scheduled pass: director emails and reminders, then reward payments."""
    from functions.cases.sweep import sweep_cases
    from functions.rewards.grants import release_expired_promises
    from functions.rewards.payouts import pay_due_rewards

    return {**sweep_cases(services, now), "rewards": pay_due_rewards(services, now),
            "promises_released": release_expired_promises(services, now)}


def sweep(event: Any, context: Any) -> dict:
    """Every 5 minutes: retry director emails whose send failed for a passing reason; pay rewards owed."""
    report = sweep_all(_services(), utcnow())
    log.info("sweep: %s", report)
    return report


def send_campaigns(event: Any, context: Any) -> dict:
    """Every 15 minutes: campaign letters started on the dashboard go out, each once, inside the clinic's window."""
    from functions.patients.campaigns import send_due_campaigns

    report = send_due_campaigns(_services(), utcnow())
    log.info("campaigns: %s", report)
    return report


def weekly_digest(event: Any, context: Any) -> dict:
    """Mondays: each clinic's owners get last week's funnel and the open cases, once."""
    from functions.cases.digest import send_digests

    report = send_digests(_services(), utcnow())
    log.info("digest: %s", report)
    return report


def import_from_s3(event: Any, context: Any) -> list[dict]:
    """On an S3 drop under ``imports/<clinic_id>/``: import each CSV and write its report beside it."""
    from functions.transports.aws import client
    from functions.visits.s3_drop import import_object, objects_in

    services = _services()
    s3 = client("s3", services.settings)
    results = []
    for bucket, key in objects_in(event):
        result = import_object(services, s3, bucket, key)
        if result is not None:
            results.append(result)
    return results
