"""The S3 drop: a CSV under imports/<clinic_id>/ is imported and its report written beside it."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from functions import jobs
from functions.clinics.clinic import save_clinic
from tests.conftest import NOW

EVENTS = Path(__file__).parent / "events"
DATA = Path(__file__).parent / "data"
BUCKET = "otklik-imports-dev"


@pytest.fixture
def dropped(aws_env, store, clinic_doc, settings, monkeypatch):
    """A bucket with the clinic's export in it, and the job pointed at the same store."""
    from functions.services import Services

    save_clinic(store, clinic_doc, NOW)
    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    monkeypatch.setattr(jobs, "_services", lambda: Services(settings, store=store))
    return s3


def put_and_run(s3, key: str, body: bytes) -> list[dict]:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    event = json.loads((EVENTS / "s3_put.json").read_text())
    event["Records"][0]["s3"]["object"]["key"] = key.replace(" ", "+")
    return jobs.import_from_s3(event, None)


def test_dropped_file_is_imported_and_reported_beside_it(dropped, store) -> None:
    key = "imports/c1/export 23.11.2026.csv"
    [result] = put_and_run(dropped, key, (DATA / "visits_cp1251.csv").read_bytes())
    assert (result["imported"], result["rejected"], result["clinic_id"]) == (5, 4, "c1")
    report = json.loads(dropped.get_object(Bucket=BUCKET, Key=f"{key}.report.json")["Body"].read())
    assert report == result
    assert [e["line"] for e in report["errors"]] == [4, 5, 6, 7]
    assert store.get_visit("c1", "10231").phone == "+79161234501"


def test_a_second_delivery_of_the_event_updates_in_place(dropped) -> None:
    body = (DATA / "visits_cp1251.csv").read_bytes()
    put_and_run(dropped, "imports/c1/a.csv", body)
    [again] = put_and_run(dropped, "imports/c1/a.csv", body)
    assert (again["imported"], again["updated"]) == (0, 5)


def test_unknown_clinic_gets_a_report_and_nothing_is_imported(dropped, store) -> None:
    [result] = put_and_run(dropped, "imports/nobody/a.csv", (DATA / "visits_cp1251.csv").read_bytes())
    assert (result["code"], result["error"]) == ("no_clinic", "нет клиники «nobody»: ничего не импортировано")
    assert json.loads(dropped.get_object(Bucket=BUCKET, Key="imports/nobody/a.csv.report.json")["Body"].read())
    assert store.visits_on("c1", "2026-11-23") == []


def test_other_keys_are_left_alone(dropped) -> None:
    assert put_and_run(dropped, "imports/c1/a.csv.report.json", b"{}") == []
    assert put_and_run(dropped, "elsewhere/c1/a.csv", b"x") == []
