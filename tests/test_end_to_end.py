"""The whole patient journey on one machine, over real HTTP against the real server process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def funnel(tmp_path: Path):
    """Start ``python -m functions serve`` on a free port; give a CLI runner with the same environment."""
    port = free_port()
    env = {**os.environ, "FUNNEL_SQLITE_PATH": str(tmp_path / "otklik.sqlite3"),
           "FUNNEL_OUTBOX_PATH": str(tmp_path / "outbox.jsonl"), "FUNNEL_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "PORT": str(port)}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "functions", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("init")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "functions", "serve"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                requests.get(base + "/outbox", timeout=2)
                break
            except requests.RequestException:  # refused, or taken by the master while a worker still boots
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield base, cli, tmp_path
    finally:
        server.terminate()  # SIGTERM: the graceful stop
        server.wait(timeout=40)
        log.close()


def midday_zone() -> str:
    """A zone where it is about noon right now, so the real sending window applies whenever the test runs."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12  # -12..+11 hours from UTC
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/ names carry the sign inverted


def test_visit_to_invite_to_answer_to_reward(funnel, clinic_doc) -> None:
    base, cli, tmp = funnel
    clinic_doc = {**clinic_doc, "timezone": midday_zone(), "sending": {"delay_minutes": 0}}
    (tmp / "clinic.json").write_text(json.dumps(clinic_doc, ensure_ascii=False), encoding="utf-8")
    cli("clinic", "create", str(tmp / "clinic.json"))
    key = cli("clinic", "key", "c1").strip()

    # Visits that happened a few minutes ago, pushed by the clinic's system.
    now = datetime.now(ZoneInfo(clinic_doc["timezone"]))
    at = now - timedelta(minutes=5)
    visits = [{"external_id": f"e2e-{n}", "patient_name": f"Пациент {n}", "phone": f"+7916555000{n}",
               "visit_at": at.strftime("%Y-%m-%dT%H:%M:%S"), "consent": True} for n in (1, 2)]
    answer = requests.post(base + "/api/v1/visits", json={"visits": visits},
                           headers={"Authorization": f"Bearer {key}"}, timeout=5)
    assert answer.json()["imported"] == 2

    assert json.loads(cli("dispatch"))["sent"] == 2
    assert json.loads(cli("dispatch"))["sent"] == 0

    sms = requests.get(base + "/outbox?format=json", timeout=5).json()["messages"]
    links = {m["to"]: next(w for w in m["text"].split() if w.startswith(base)) for m in sms if m["kind"] == "sms"}
    assert set(links) == {"+79165550001", "+79165550002"}
    happy, unhappy = (links[phone].rstrip("/").rsplit("/", 1)[1] for phone in ("+79165550001", "+79165550002"))

    page = requests.get(links["+79165550001"], timeout=5)
    assert page.status_code == 200 and 'class="score"' in page.text

    rated = requests.post(f"{base}/api/v1/invites/{happy}/rating", json={"score": 5}, timeout=5).json()
    assert rated["route"] == "public"
    hop = requests.get(base + rated["platforms"][0]["href"], allow_redirects=False, timeout=5)
    assert hop.status_code == 302 and hop.headers["Location"] == clinic_doc["platforms"][0]["url"]

    low = requests.post(f"{base}/api/v1/invites/{unhappy}/rating", json={"score": 2}, timeout=5).json()
    assert low["route"] == "private"
    complaint = "Врач опоздал на час, никто не извинился"
    requests.post(f"{base}/api/v1/invites/{unhappy}/feedback", json={"text": complaint}, timeout=5)
    # A double tap of the score does not pay twice.
    requests.post(f"{base}/api/v1/invites/{unhappy}/rating", json={"score": 2}, timeout=5)

    emails = [m for m in requests.get(base + "/outbox?format=json", timeout=5).json()["messages"]
              if m["kind"] == "email"]
    assert len(emails) == 1
    assert emails[0]["to"] == clinic_doc["directors"] and complaint in emails[0]["text"]

    ledger = json.loads(cli("rewards", "list", "--clinic", "c1"))
    assert sorted((r["visit_id"], r["phone"], r["amount_minor"]) for r in ledger) == [
        ("e2e-1", "+79165550001", 10000), ("e2e-2", "+79165550002", 10000)]

    server_log = (tmp / "server.log").read_text()
    assert happy not in server_log and unhappy not in server_log and "+7916555" not in server_log
