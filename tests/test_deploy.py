"""Deployment: zappa_settings.json is coherent, and ``zappa package dev`` builds offline without AWS credentials."""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_VENV = ROOT / ".venv-deploy"
SETTINGS = json.loads((ROOT / "zappa_settings.json").read_text())


def test_stages_app_function_and_schedules() -> None:
    assert set(SETTINGS) == {"dev", "prod"}
    dev = SETTINGS["dev"]
    assert dev["app_function"] == "functions.app.app"
    assert SETTINGS["prod"]["extends"] == "dev"
    scheduled = {e["function"] for e in dev["events"]}
    assert "functions.jobs.dispatch" in scheduled
    for name in scheduled:
        module, function = name.rsplit(".", 1)
        target = getattr(importlib.import_module(module), function)
        assert list(inspect.signature(target).parameters) == ["event", "context"]
    [drop] = [e for e in dev["events"] if e["function"] == "functions.jobs.import_from_s3"]
    # Zappa 0.63 reads only ``prefix`` and ``suffix`` (test_deploy_aws checks the notification it makes).
    assert drop["event_source"]["events"] == ["s3:ObjectCreated:*"]
    assert (drop["event_source"]["prefix"], drop["event_source"]["suffix"]) == ("imports/", ".csv")
    for excluded in ("tests", "bench", "var", "boto3", "botocore", "deploy"):
        assert excluded in dev["exclude"]
    # Zappa's defaults (debug, DEBUG) log every raw event: API keys, tokens, patients' names and phones.
    assert (dev["debug"], dev["log_level"]) == (False, "INFO")
    assert dev["lambda_handler"] == "functions.jobs.lambda_handler"
    assert dev["callbacks"] == {"zip": "deploy.bytecode.add_bytecode"}


def lean_venv() -> Path:
    zappa = DEPLOY_VENV / "bin" / "zappa"
    if not zappa.exists():
        if os.environ.get("CI"):
            pytest.fail("the deploy venv is missing: 'make test' builds .venv-deploy")
        pytest.skip("no .venv-deploy (run 'make test' to build it)")
    return DEPLOY_VENV


def offline_env(tmp_path: Path, venv: Path) -> dict[str, str]:
    """No AWS credentials, no config files: what a fresh machine without an AWS account has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FUNNEL_"))}
    env.update({"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}", "HOME": str(tmp_path),
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    return env


def test_lean_runtime_imports_the_app_and_zappa_routes_the_clinic_task(tmp_path: Path) -> None:
    venv = lean_venv()
    check = ("import functions.app, functions.jobs\n"
             "from zappa.asynchronous import import_and_get_task\n"
             "from functions.invites.fanout import CLINIC_TASK\n"
             "assert import_and_get_task(CLINIC_TASK) is functions.jobs.dispatch_one_clinic\n")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", check],
                          cwd=ROOT, env=offline_env(tmp_path, venv), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def cloudfront_behaviours() -> list[str]:
    """The path patterns README's deploy section sends to the API origin, in its words."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("Behaviours, in\n  this order, to the API origin:", 1)[1].split("everything else", 1)[0]
    return re.findall(r"`(/[^`]+)`", listed)


STATIC = {"/", "/<token>/", "/<token>", "/assets/<path:name>"}  # the bucket has these (hashed assets)


def _sample(placeholder: re.Match) -> str:
    """A value a URL rule's placeholder takes: a token, each ``any(…)`` rule's first choice, else "x"."""
    converter, arguments, name = placeholder.groups()
    if converter == "any":
        return arguments.split(",")[0].strip()
    return "AbCdEfGhIjKl" if name == "token" else "x"


def test_cloudfront_sends_every_api_route_to_the_api_and_leaves_the_page_to_the_bucket() -> None:
    from functions.app import create_app

    app = create_app({"store": "dynamodb", "dynamodb_table": "unused"})
    patterns = cloudfront_behaviours()
    assert {"/api/*", "/r/*", "/admin/*", "/hooks/*", "/*/rating", "/*/feedback", "/*/optout"} <= set(patterns)
    for rule in app.url_map.iter_rules():
        sample = re.sub(r"<(?:([a-z]+)(?:\(([^)]*)\))?:)?([a-z_]+)>", _sample, rule.rule)
        to_api = any(fnmatch.fnmatchcase(sample, pattern) for pattern in patterns)
        assert to_api != (rule.rule in STATIC), rule.rule


def test_no_secret_is_kept_in_zappa_settings() -> None:
    """Tokens and secrets go into the function's environment, never into this file (it is in the repository)."""
    secrets = ("TOKEN", "SECRET", "PASSWORD", "KEY", "CLIENT_ID", "API_ID", "AUTH")
    for stage, settings in SETTINGS.items():
        named = [name for name in settings.get("environment_variables", {}) if any(s in name for s in secrets)]
        assert named == [], (stage, named)
