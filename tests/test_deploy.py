"""Deployment: zappa_settings.json is coherent, and ``zappa package dev`` builds offline without AWS credentials."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import zipfile
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
    assert drop["event_source"]["events"] == ["s3:ObjectCreated:*"]
    assert {(f["type"], f["value"]) for f in drop["event_source"]["key_filters"]} == {
        ("prefix", "imports/"), ("suffix", ".csv")}
    for excluded in ("tests", "bench", "var", "boto3", "botocore"):
        assert excluded in dev["exclude"]


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


def test_zappa_package_builds_without_credentials(tmp_path: Path) -> None:
    venv = lean_venv()
    target = tmp_path / "otklik-dev.zip"
    done = subprocess.run([str(venv / "bin" / "zappa"), "package", "dev", "-o", str(target)], cwd=ROOT,
                          env=offline_env(tmp_path, venv), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    names = set(zipfile.ZipFile(target).namelist())
    tops = {n.split("/")[0] for n in names}
    for needed in ("functions/app.py", "functions/jobs.py", "functions/store/dynamodb.py",
                   "templates/sms/ru/invite.txt", "templates/emails/ru/complaint.html", "handler.py",
                   "site/index.html"):  # the no-JavaScript answers render the page on the API
        assert needed in names
    assert tops.isdisjoint({"tests", "bench", "var", "boto3", "botocore", ".venv"})


def test_no_secret_is_kept_in_zappa_settings() -> None:
    """Tokens and secrets go into the function's environment, never into this file (it is in the repository)."""
    secrets = ("TOKEN", "SECRET", "PASSWORD", "KEY", "CLIENT_ID", "API_ID", "AUTH")
    for stage, settings in SETTINGS.items():
        named = [name for name in settings.get("environment_variables", {}) if any(s in name for s in secrets)]
        assert named == [], (stage, named)
