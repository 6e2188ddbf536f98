"""The self-hosted server as a clinic runs it (``python -m functions serve`` / ``demo``): gunicorn on a free
127.0.0.1 port, keep-alive, gzip for text over 1 KB, request lines without tokens, a graceful stop, and the
schedules run once however many workers there are."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "AbCdEfGhIjKl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Running:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.log_path = tmp_path / "server.log"
        self.outbox = tmp_path / "outbox.jsonl"
        env = {**os.environ, "FUNNEL_SQLITE_PATH": str(tmp_path / "db.sqlite3"), "FUNNEL_OUTBOX_PATH": str(self.outbox),
               "FUNNEL_SECRET_KEY": "x" * 32}
        env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "functions", *args, "--port", str(self.port), "--workers", "2", "--threads", "4"],
            cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        # The listening socket takes connections before the workers have loaded the app: wait for both.
        while self.log().count("is ready to run") < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()  # never leave it running behind a failed test
                raise AssertionError(f"the server did not start:\n{self.log()}")
            time.sleep(0.1)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=40)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log_file.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("server"), "serve")
    yield running
    running.stop()


@pytest.fixture
def stopping_server(tmp_path):
    running = Running(tmp_path, "serve")
    yield running
    running.stop()


def test_one_connection_carries_many_requests(server) -> None:
    conn = server.connection()
    sockets = set()
    for path in (f"/{TOKEN}/", "/assets/page.js", f"/{TOKEN}/", "/outbox?format=json"):
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        sockets.add(id(conn.sock))
    assert len(sockets) == 1  # never closed between requests


def test_text_over_a_kilobyte_is_gzipped_and_small_answers_are_not(server) -> None:
    conn = server.connection()
    conn.request("GET", f"/{TOKEN}/", headers={"Accept-Encoding": "gzip"})
    page = conn.getresponse()
    body = page.read()
    assert page.getheader("Content-Encoding") == "gzip" and "Accept-Encoding" in page.getheader("Vary")
    html = gzip.decompress(body).decode()
    assert "<style>" in html and len(body) < len(html.encode()) / 2
    conn.request("GET", f"/api/v1/invites/{TOKEN}", headers={"Accept-Encoding": "gzip"})
    small = conn.getresponse()
    assert small.status == 404 and small.getheader("Content-Encoding") is None
    assert json.loads(small.read())["error"]["code"] == "unknown_invite"
    conn.request("GET", "/assets/page.js", headers={"Accept-Encoding": "gzip"})
    script = conn.getresponse()
    assert script.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(script.read()) == (ROOT / "site" / "page.js").read_bytes()


def test_request_lines_carry_no_tokens(server) -> None:
    conn = server.connection()
    for method, path in (("GET", f"/{TOKEN}/"), ("GET", f"/api/v1/invites/{TOKEN}"), ("GET", f"/r/{TOKEN}/yandex"),
                         ("GET", "/admin/signin/eyJhbGciOi.secret-link")):
        conn.request(method, path)
        conn.getresponse().read()
    time.sleep(0.3)
    log = server.log()
    assert 'GET /<token>/" 200' in log and 'GET /api/v1/invites/<token>" 404' in log
    assert TOKEN not in log and "secret-link" not in log


def test_sigterm_lets_an_answer_under_way_finish_then_stops(stopping_server) -> None:
    server = stopping_server
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    body = b'{"score": 5}'
    conn.sendall(f"POST /api/v1/invites/{TOKEN}/rating HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    conn.sendall(body[5:])  # the patient's request was still arriving when the stop began
    answer = http.client.HTTPResponse(conn)
    answer.begin()
    assert answer.status == 404 and json.loads(answer.read())["error"]["code"] == "unknown_invite"
    conn.close()
    assert server.stop() == 0
    log = server.log()
    assert "Handling signal: term" in log and "gave the lease back" in log


def test_the_schedules_run_once_with_two_workers(tmp_path) -> None:
    demo = Running(tmp_path, "demo", "--speed", "600")  # a demo hour every 6 s: dispatch every 1.5 s
    try:
        time.sleep(8)
    finally:
        assert demo.stop() == 0
    log = demo.log()
    booted = set(re.findall(r"Booting worker with pid: (\d+)", log))
    assert len(booted) == 2
    runs = re.findall(r"schedules: (dispatch|sweep) at (\S+) by pid (\d+)", log)
    assert {pid for _, _, pid in runs} <= booted and len({pid for _, _, pid in runs}) == 1  # one runner
    per_job = Counter(job for job, _, _ in runs)
    assert 3 <= per_job["dispatch"] <= 7 and per_job["sweep"] >= per_job["dispatch"]  # the sweep every 0.5 s
    for job in ("dispatch", "sweep"):
        slots = [at for name, at, _ in runs if name == job]
        assert len(slots) == len(set(slots))  # each run once, never by both workers
    texts = [json.loads(line) for line in demo.outbox.read_text(encoding="utf-8").splitlines()]
    invites = Counter(m["to"] for m in texts if m["kind"] == "sms" and "напоминаем" not in m["text"])
    assert len(invites) >= 4 and set(invites.values()) == {1}  # more invites went out as the day went on, once each
    assert any("напоминаем" in m.get("text", "") for m in texts)  # and a reminder an hour (6 s) after the first
