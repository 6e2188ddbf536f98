"""The first AWS deploy, played against moto's server: ``make package`` (offline), ``init --stage dev`` (table,
TTL, imports bucket, SES sender), Zappa's own S3 event source code, then the zip unpacked and run as Lambda runs
it, one fresh process per event: the visits API, the scheduled dispatch and its per-clinic task, the answers,
the director's email (waiting while the sender is unverified), the dashboard under the stage prefix, S3 drops
and the sweep. The log the function wrote must hold no phone, token or key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import boto3
import pytest

from functions.store.base import iso
from tests.aws_lambda import (
    ACCOUNT,
    REGION,
    InvokeRecorder,
    Lambda,
    allowed,
    api_event,
    notified,
    resource_arn,
    runtime_dir,
    s3_event,
)
from tests.test_deploy import ROOT, SETTINGS, lean_venv, offline_env

BUCKET = "otklik-imports-dev"
PHONES = ("+79161234567", "+79031112233")
SENDER = SETTINGS["dev"]["environment_variables"]["FUNNEL_EMAIL_FROM"]
SENDER_ADDRESS = SENDER.rsplit("<", 1)[-1].rstrip(">")


def moto_state(service: str):
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    return {"sns": sns_backends, "ses": ses_backends}[service][ACCOUNT][REGION]


def daytime_zone(now: datetime) -> str:
    """A clinic timezone where it is daytime now, so the sending window is open whenever the suite runs."""
    for zone in ("Europe/Moscow", "Asia/Vladivostok", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"):
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 20:
            return zone
    return "America/Los_Angeles"


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")  # for the test's own reads of moto's server
        yield from _aws(tmp_path_factory, ThreadedMotoServer)


def _aws(tmp_path_factory, ThreadedMotoServer):

    venv = lean_venv()
    work = tmp_path_factory.mktemp("aws")
    built = subprocess.run(["make", "-s", "package"], cwd=ROOT, env=offline_env(work, venv),
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    recorder = InvokeRecorder()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FUNNEL_"))}
    env.update({"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "HOME": str(work),
                "AWS_CONFIG_FILE": str(work / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(work / "none")})
    settings_file = work / "zappa_settings.json"
    settings_file.write_text(json.dumps(SETTINGS))
    try:
        yield {"work": work, "env": env, "settings_file": settings_file, "recorder": recorder, "venv": venv,
               "endpoint": env["AWS_ENDPOINT_URL"]}
    finally:
        recorder.close()
        server.stop()


def client(aws, service: str):
    return boto3.client(service, endpoint_url=aws["endpoint"], region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_the_zip_builds_offline_with_bytecode_and_without_what_lambda_has(aws) -> None:
    names = set(zipfile.ZipFile(ROOT / "build" / "otklik-dev.zip").namelist())
    for needed in ("functions/app.py", "functions/jobs.py", "functions/store/dynamodb.py", "handler.py",
                   "templates/sms/ru/invite.txt", "templates/emails/ru/complaint.html", "site/index.html",
                   "functions/__pycache__/app.cpython-311.pyc", "flask/__pycache__/app.cpython-311.pyc",
                   "ada_url/__init__.py",  # the platform URLs' parser, with its compiled binding
                   "apispec/__init__.py"):  # the OpenAPI document's assembler
        assert needed in names
    assert {n.split("/")[0] for n in names}.isdisjoint({"tests", "bench", "var", "boto3", "botocore", ".venv",
                                                        "deploy", "troposphere", "test-artifacts", "docs",
                                                        ".mypy_cache"})
    # phonenumbers' place names and carriers (half its size) are never read: numbers are only parsed and checked.
    assert not [n for n in names if n.startswith(("phonenumbers/geodata/", "phonenumbers/carrierdata/"))]


def test_the_first_deploy_runs_the_whole_funnel_and_logs_no_patient(aws) -> None:
    env, work = aws["env"], aws["work"]
    # 1. init: everything AWS needs before `zappa deploy`, in the stage's region.
    init = subprocess.run([sys.executable, "-m", "functions", "init", "--stage", "dev", "--settings",
                           str(aws["settings_file"])], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "table otklik-dev in eu-central-1: ready" in init.stdout
    s3, dynamodb, ses = client(aws, "s3"), client(aws, "dynamodb"), client(aws, "sesv2")
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == REGION
    assert dynamodb.describe_time_to_live(TableName="otklik-dev")["TimeToLiveDescription"]["AttributeName"] == "ttl"
    assert s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"][0]["Filter"] == {"Prefix": "imports/"}
    assert ses.get_email_identity(EmailIdentity=SENDER_ADDRESS)  # init asked SES to verify the sender

    # 2. Zappa's own code subscribes the function to the bucket, from zappa_settings.json's event source.
    [drop] = [e for e in SETTINGS["dev"]["events"] if "event_source" in e]
    subscribe = ("import json, sys, boto3\nfrom zappa.utilities import add_event_source\n"
                 "print(add_event_source(json.loads(sys.argv[1]), sys.argv[2], 'functions.jobs.import_from_s3',"
                 " boto3.Session()))")
    done = subprocess.run([str(aws["venv"] / "bin" / "python"), "-c", subscribe, json.dumps(drop["event_source"]),
                           f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:otklik-dev"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    notification = s3.get_bucket_notification_configuration(Bucket=BUCKET)

    # 3. The clinic, its owner, its visits API key (what the operator does from the command line).
    from functions.clinics.clinic import save_clinic
    from functions.config import load_deployment
    from functions.services import Services
    from functions.visits.apikeys import create_key

    deployment = load_deployment("dev", aws["settings_file"], env)
    services = Services(deployment.settings.with_overrides(dynamodb_endpoint=aws["endpoint"]))
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    doc = json.loads((ROOT / "tests" / "data" / "clinic.json").read_text())
    doc.update(timezone=zone, sending={"delay_minutes": 0, "window": "08:00-22:00"})
    clinic = save_clinic(services.store, doc, now)
    services.store.put_member(clinic.id, "owner@clinic.example", "owner", now)
    key = create_key(services.store, clinic.id, now)

    task = work / "task"
    with zipfile.ZipFile(ROOT / "build" / "otklik-dev.zip") as archive:
        archive.extractall(task)
    function = Lambda(task, runtime_dir(work / "runtime"), SETTINGS["dev"]["lambda_handler"], {
        **{k: v for k, v in env.items() if k != "HOME"}, "AWS_REGION": REGION, "AWS_LAMBDA_FUNCTION_NAME": "otklik-dev",
        "AWS_ENDPOINT_URL_LAMBDA": aws["recorder"].url, "FUNNEL_SECRET_KEY": "k" * 64,
        # moto's server copies a table mid-transaction without a lock: one send at a time keeps it whole.
        "FUNNEL_DISPATCH_WORKERS": "1", "PATH": "/usr/bin:/bin"}, work)

    # 4. The clinic's system posts today's visits to the API Gateway URL.
    at = (now.astimezone(ZoneInfo(zone)) - timedelta(minutes=30)).strftime("%d.%m.%Y %H:%M")
    visits = [{"external_id": f"v{n}", "patient_name": f"Пациент {n}", "phone": phone, "visit_at": at, "consent": "да"}
              for n, phone in enumerate(PHONES, start=1)]
    answer = function.invoke(api_event("POST", "/api/v1/visits", body=json.dumps({"visits": visits}),
                                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}))
    assert answer["statusCode"] == 200, answer

    # 5. The scheduled run starts one task per clinic; the task texts both patients through SNS.
    schedule = json.loads((ROOT / "tests" / "events" / "schedule.json").read_text())
    report = function.invoke(schedule)
    assert report == {"clinics_due": 1, "tasks_started": 1}
    [task_event] = aws["recorder"].payloads
    assert task_event["task_path"] == "functions.jobs.dispatch_one_clinic" and task_event["args"] == [clinic.id]
    function.invoke(task_event)
    texts = dict(moto_state("sns").sms_messages.values())
    assert set(texts) == set(PHONES)
    tokens = {phone: re.search(r"/([A-Za-z0-9_-]{12})/", text).group(1) for phone, text in texts.items()}
    happy, unhappy = tokens[PHONES[0]], tokens[PHONES[1]]

    # 6. The page on the API (a plain deploy serves it), its assets under the stage prefix.
    page = function.invoke(api_event("GET", f"/{happy}/"))
    assert page["statusCode"] == 200
    assert "<style>" in page["body"]  # the stylesheet is inline: the first paint needs the page alone
    script = re.search(r'src="(/dev/assets/page\.[0-9a-f]{10}\.js)"', page["body"]).group(1)
    asset = function.invoke(api_event("GET", script.removeprefix("/dev")))
    assert asset["statusCode"] == 200 and asset["headers"]["Content-Type"].startswith("text/javascript")

    # 7. A happy patient: a score, then the platform's button (a 302 to the clinic's own URL).
    rated = function.invoke(api_event("POST", f"/api/v1/invites/{happy}/rating", body=json.dumps({"score": 5}),
                                      headers={"Content-Type": "application/json"}))
    assert rated["statusCode"] == 200
    redirect = function.invoke(api_event("GET", f"/r/{happy}/yandex"))
    assert redirect["statusCode"] == 302 and redirect["headers"]["Location"].startswith("https://yandex.ru/maps/")

    # 8. An unhappy one, without JavaScript; the sender is not verified yet, so the director's email waits.
    ses.delete_email_identity(EmailIdentity=SENDER_ADDRESS)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    function.invoke(api_event("POST", f"/{unhappy}/rating", body="score=1", headers=form))
    words = "Долго ждали приёма, позвоните мне"
    sent = function.invoke(api_event("POST", f"/{unhappy}/feedback", body=urlencode({"text": words}), headers=form))
    assert sent["statusCode"] == 200
    [case] = services.store.list_cases(clinic.id)
    assert (case.email_state, case.last_error.split("]")[0]) == ("retry", "[sender_unverified")
    assert moto_state("ses").sent_messages == []
    listed = subprocess.run([sys.executable, "-m", "functions", "cases", "list", "--clinic", clinic.id], cwd=ROOT,
                            env={**env, **{f"FUNNEL_{k.upper()}": str(v) for k, v in {
                                "store": "dynamodb", "dynamodb_table": "otklik-dev", "aws_region": REGION}.items()}},
                            capture_output=True, text=True, timeout=60)
    [summary] = json.loads(listed.stdout)
    assert (summary["email"], summary["email_waiting_for"]) == ("waiting", "sender_unverified")

    # 9. The operator verifies the sender; at the retry time the sweep sends the director's email.
    ses.create_email_identity(EmailIdentity=SENDER_ADDRESS)
    later = case.claim_until - timedelta(hours=1)  # the clock moves past the backoff, and the case is due
    dynamodb.update_item(TableName="otklik-dev", Key={"pk": {"S": f"CLINIC#{clinic.id}"},
                                                      "sk": {"S": f"CASE#{case.case_id}"}},
                         UpdateExpression="SET claim_until = :t, due_at = :t, gsi1sk = :due",
                         ExpressionAttributeValues={":t": {"S": iso(later)},
                                                    ":due": {"S": f"{iso(later)}#{case.case_id}"}})
    function.invoke({**schedule, "resources": [schedule["resources"][0].replace("dispatch", "sweep")]})
    [email] = moto_state("ses").sent_messages
    assert email.destinations["ToAddresses"] == ["director@clinic.example"] and words in email.body
    link = re.search(r"https://[^/\s]+(/admin/c/[^\s\"<]+)", email.body).group(1)
    assert services.store.get_case(clinic.id, case.case_id).email_state == "sent"

    # 10. The owner signs in on the API Gateway URL: every link, redirect and cookie under /dev.
    signin = function.invoke(api_event("GET", "/admin/signin"))
    assert 'action="/dev/admin/signin"' in signin["body"]
    cookie = signin["headers"]["Set-Cookie"]
    assert "Path=/dev/admin" in cookie
    csrf = re.search(r'name="csrf" value="([^"]+)"', signin["body"]).group(1)
    session = {"Cookie": cookie.split(";")[0], **form}
    asked = function.invoke(api_event("POST", "/admin/signin", body=urlencode(
        {"csrf": csrf, "email": "owner@clinic.example"}), headers=session))
    assert asked["statusCode"] in (200, 303)
    signin_link = re.search(r"https://[^/\s]+(/admin/signin/[^\s\"<]+)", moto_state("ses").sent_messages[-1].body)
    shown = function.invoke(api_event("GET", signin_link.group(1), headers=session))
    used = function.invoke(api_event("POST", signin_link.group(1), headers={**session, "Cookie": (
        shown["headers"].get("Set-Cookie") or session["Cookie"]).split(";")[0]}, body=urlencode({"csrf": re.search(
        r'name="csrf" value="([^"]+)"', shown["body"]).group(1)})))
    assert used["statusCode"] == 303 and used["headers"]["Location"].startswith("/dev/admin/")
    signed = {"Cookie": used["headers"]["Set-Cookie"].split(";")[0]}
    case_page = function.invoke(api_event("GET", link, headers=signed))
    assert case_page["statusCode"] == 200 and words in case_page["body"]
    assert 'href="/dev/admin/c/' in case_page["body"] and "отправлено" in case_page["body"]

    # 11. S3 drops: a clinic's CSV is imported and reported; anything else never reaches the function.
    csv_key, note_key = f"imports/{clinic.id}/export.csv", f"imports/{clinic.id}/readme.txt"
    s3.put_object(Bucket=BUCKET, Key=csv_key, Body=f"Пациент;Телефон;Дата приёма\nИванов;{PHONES[0]};{at}\n".encode())
    s3.put_object(Bucket=BUCKET, Key=note_key, Body=b"notes")
    for key_name in (csv_key, note_key, f"{csv_key}.report.json"):
        if notified(notification, key_name):
            function.invoke(s3_event(BUCKET, key_name))
    assert notified(notification, csv_key) and not notified(notification, note_key)
    report = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{csv_key}.report.json")["Body"].read())
    assert report["clinic_id"] == clinic.id and report["imported"] + report["updated"] == 1
    assert not notified(notification, f"{csv_key}.report.json")  # the report does not set the function off again
    assert function.invoke(s3_event(BUCKET, note_key)) == []  # and were it delivered, it would change nothing
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{note_key}.report")

    # 12. The log: one JSON line per record with the invocation's id, and nothing a patient would mind.
    lines = [json.loads(line) for line in function.log]
    assert all(entry.get("request_id") in function.request_ids for entry in lines)
    text = "\n".join(function.log)
    secrets = [*PHONES, *(p[1:] for p in PHONES), *tokens.values(), key, key.split("_")[-1],
               signin_link.group(1).rsplit("/", 1)[-1], signed["Cookie"].split("=", 1)[1]]
    assert [s for s in secrets if s in text] == []
    assert any('"POST /api/v1/invites/<token>/rating' in entry["message"] for entry in lines)

    # 13. The role Zappa creates (its policy plus extra_permissions) allows every call the function made.
    policy = json.loads((aws["venv"] / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" /
                         "site-packages" / "zappa" / "policies" / "attach_policy.json").read_text())
    policy["Statement"].extend(SETTINGS["dev"]["extra_permissions"])
    refused = {resource_arn(*call) for call in function.calls} - {
        (a, r) for a, r in {resource_arn(*call) for call in function.calls} if allowed(policy, a, r)}
    assert refused == set()
    assert {"ses:SendEmail", "sns:Publish", "lambda:InvokeFunction"} <= {resource_arn(*c)[0] for c in function.calls}
