"""Scale: the scheduled run finds the clinics inside their window and fans out one task per clinic."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from functions import jobs
from functions.clinics.clinic import save_clinic
from functions.config import Settings
from functions.invites.fanout import CLINIC_TASK, ZAPPA_TASK, due_clinics
from functions.services import Services

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Moscow 12:00, Vladivostok 19:00, New York 04:00


def three_clinics(store, clinic_doc) -> None:
    for clinic_id, zone in (("msk", "Europe/Moscow"), ("vvo", "Asia/Vladivostok"), ("nyc", "America/New_York")):
        save_clinic(store, {**clinic_doc, "id": clinic_id, "timezone": zone}, NOW)


def test_only_clinics_inside_their_window_are_due(store, clinic_doc) -> None:
    three_clinics(store, clinic_doc)
    assert sorted(due_clinics(store, NOW)) == ["msk", "vvo"]
    save_clinic(store, {**clinic_doc, "id": "vvo", "timezone": "Asia/Vladivostok",
                        "sending": {"window": "10:00-18:00"}}, NOW)
    assert due_clinics(store, NOW) == ["msk"]


def test_the_scheduled_run_starts_one_async_invocation_per_due_clinic(store, clinic_doc, settings,
                                                                      monkeypatch) -> None:
    three_clinics(store, clinic_doc)
    lambda_client = boto3.client("lambda", region_name="eu-central-1", aws_access_key_id="x",
                                 aws_secret_access_key="x")
    lambda_settings = settings.with_overrides(fanout="lambda", lambda_function="otklik-dev")
    monkeypatch.setattr(jobs, "_services", lambda: Services(lambda_settings, store=store))
    monkeypatch.setattr(jobs, "utcnow", lambda: NOW)
    monkeypatch.setattr("functions.transports.aws.client", lambda service, _settings: lambda_client)
    with Stubber(lambda_client) as stub:
        for clinic_id in sorted(due_clinics(store, NOW)):
            message = {"command": ZAPPA_TASK, "task_path": CLINIC_TASK, "capture_response": False,
                       "response_id": None, "args": [clinic_id], "kwargs": {}}
            stub.add_response("invoke", {"StatusCode": 202}, {
                "FunctionName": "otklik-dev", "InvocationType": "Event", "Payload": json.dumps(message).encode()})
        assert jobs.dispatch({}, None) == {"clinics_due": 2, "tasks_started": 2}
        stub.assert_no_pending_responses()


def test_a_failed_start_does_not_stop_the_others(store, clinic_doc, settings, monkeypatch) -> None:
    from functions.invites.fanout import start_clinic_tasks

    lambda_client = boto3.client("lambda", region_name="eu-central-1", aws_access_key_id="x",
                                 aws_secret_access_key="x")
    monkeypatch.setattr("functions.transports.aws.client", lambda service, _settings: lambda_client)
    with Stubber(lambda_client) as stub:
        stub.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        stub.add_response("invoke", {"StatusCode": 202})
        started = start_clinic_tasks(settings.with_overrides(fanout="lambda", lambda_function="f"), ["a", "b"])
    assert started == 1


def test_the_clinic_task_dispatches_that_clinic(store, clinic_doc, settings, monkeypatch) -> None:
    from functions.visits.intake import import_rows
    from tests.conftest import visit_row
    from tests.dispatch_helpers import RecordingSms

    three_clinics(store, clinic_doc)
    sms = RecordingSms()
    monkeypatch.setattr(jobs, "_services", lambda: Services(settings, store=store, sms=sms))
    monkeypatch.setattr(jobs, "utcnow", lambda: NOW)
    clinic = Services(settings, store=store).clinic("msk")
    import_rows(store, clinic, [(2, visit_row(1))], 14)
    assert jobs.dispatch_one_clinic("msk")["sent"] == 1
    assert jobs.dispatch_one_clinic("gone") == {"error": "no clinic gone"}
    assert [m.to for m in sms.sent] == ["+79161234501"]


def test_lambda_fanout_needs_the_function_name() -> None:
    import pytest

    from functions.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="AWS_LAMBDA_FUNCTION_NAME"):
        load_settings({"FUNNEL_FANOUT": "lambda"})
    assert load_settings({"FUNNEL_FANOUT": "lambda", "AWS_LAMBDA_FUNCTION_NAME": "otklik-dev"}).lambda_function == (
        "otklik-dev")
    assert Settings().fanout == "inline"
