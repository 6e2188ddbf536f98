"""What the deploy test needs to play AWS around the real package: Lambda's runtime (a fresh process whose path
holds only the unzipped package and boto3), API Gateway's proxy events, S3's notifications, and Lambda's
Invoke API as a recorder of the asynchronous tasks the scheduled run starts."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REGION = "eu-central-1"
ACCOUNT = "123456789012"
API_HOST = f"abc123defg.execute-api.{REGION}.amazonaws.com"
# Lambda's Python runtime: boto3 and what it needs, nothing else.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")

# Runs inside the fresh process: one event through the function's handler, as Lambda would call it. It also
# notes every AWS call (service, operation, resource) so the test can check the role allows each.
RUNTIME = """
import importlib, json, sys
import boto3
calls = []
boto3.setup_default_session()
def note(model, params, **_):
    calls.append([model.service_model.signing_name, model.name,
                  params.get("TableName") or params.get("Bucket") or params.get("FunctionName") or "*"])
boto3.DEFAULT_SESSION.events.register("before-call", note)
class Context:
    aws_request_id = sys.argv[1]
    function_name = "otklik-dev"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:otklik-dev"
    def get_remaining_time_in_millis(self):
        return 30000
module, name = sys.argv[2].rsplit(".", 1)
handler = getattr(importlib.import_module(module), name)
with open(sys.argv[3]) as f:
    event = json.load(f)
try:
    result, error = handler(event, Context()), None
except Exception as err:
    result, error = None, f"{type(err).__name__}: {err}"
with open(sys.argv[4], "w") as f:
    json.dump({"result": result, "error": error, "calls": calls}, f, default=str)
"""


def runtime_dir(target: Path) -> Path:
    """A folder with boto3 and its dependencies linked from this interpreter's site-packages."""
    import boto3

    site = Path(boto3.__file__).resolve().parent.parent
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        (target / name).symlink_to(site / name)
    return target


class Lambda:
    """The function as Lambda runs it: each event in a fresh process (a cold start), the log kept."""

    def __init__(self, task: Path, runtime: Path, handler: str, env: dict[str, str], work: Path) -> None:
        self.task, self.runtime, self.handler, self.env, self.work = task, runtime, handler, env, work
        self.log: list[str] = []
        self.calls: list[tuple[str, str, str]] = []
        self.request_ids: list[str] = []

    def invoke(self, event: dict) -> Any:
        request_id = str(uuid.uuid4())
        event_file, out_file = self.work / f"{request_id}.event.json", self.work / f"{request_id}.out.json"
        event_file.write_text(json.dumps(event))
        env = {**self.env, "PYTHONPATH": f"{self.task}:{self.runtime}", "PYTHONDONTWRITEBYTECODE": "1",
               "LAMBDA_TASK_ROOT": str(self.task)}
        done = subprocess.run([sys.executable, "-S", "-c", RUNTIME, request_id, self.handler, str(event_file),
                               str(out_file)], cwd=self.task, env=env, capture_output=True, text=True, timeout=120)
        self.log.extend(line for line in (done.stdout + done.stderr).splitlines() if line.strip())
        assert done.returncode == 0, done.stderr[-3000:]
        answer = json.loads(out_file.read_text())
        assert answer["error"] is None, answer["error"]
        self.calls.extend(tuple(c) for c in answer["calls"])
        self.request_ids.append(request_id)
        return answer["result"]


def api_event(method: str, path: str, *, body: str | None = None, headers: dict | None = None,
              query: dict | None = None) -> dict:
    """An API Gateway (REST, proxy integration) event for a request to the stage's execute-api address."""
    sent = {"Host": API_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443",
            "X-Forwarded-For": "203.0.113.7", "User-Agent": "Mozilla/5.0", **(headers or {})}
    return {"resource": "/{proxy+}", "path": path, "httpMethod": method, "headers": sent,
            "queryStringParameters": query, "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
            "requestContext": {"stage": "dev", "requestId": str(uuid.uuid4()), "httpMethod": method,
                               "path": f"/dev{path}", "identity": {"sourceIp": "203.0.113.7"}},
            "body": body, "isBase64Encoded": False}


def s3_event(bucket: str, key: str) -> dict:
    from urllib.parse import quote_plus

    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
                         "eventName": "ObjectCreated:Put",
                         "s3": {"configurationId": "otklik-dev",
                                "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                "object": {"key": quote_plus(key), "size": 1}}}]}


def notified(configuration: dict, key: str) -> bool:
    """Would S3 invoke the function for this new key? Its prefix and suffix rules, as S3 applies them."""
    for target in configuration.get("LambdaFunctionConfigurations", []):
        rules = {r["Name"].lower(): r["Value"] for r in target.get("Filter", {}).get("Key", {}).get("FilterRules", [])}
        if key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", "")):
            return True
    return False


def allowed(policy: dict, action: str, resource: str) -> bool:
    """Does an Allow statement cover this action on this resource (IAM's wildcards; no Deny in ours)?"""
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions) \
                and any(fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


def resource_arn(service: str, operation: str, name: str) -> tuple[str, str]:
    """The IAM action and resource of one AWS call our code made."""
    action = {("s3", "HeadObject"): "GetObject", ("lambda", "Invoke"): "InvokeFunction"}.get(
        (service, operation), operation)
    resource = {
        "dynamodb": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
        "s3": f"arn:aws:s3:::{name}/imports/x.csv",
        "lambda": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "ses": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/otklik.example",
    }.get(service, "*")  # SNS straight to a phone number has no ARN: only "*" covers it
    return f"{service}:{action}", resource


class InvokeRecorder:
    """Lambda's Invoke API on 127.0.0.1: keeps each asynchronous invocation's payload, answers 202."""

    def __init__(self) -> None:
        payloads = self.payloads = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payloads.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
