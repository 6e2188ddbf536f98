"""Serving under load, side by side in one run: gunicorn (gthread) and waitress serving the same app on
127.0.0.1, both up at once and driven in turn by wrk (2 threads, 32 connections, 5 s per workload, 5 s
timeout: bounded), so the comparison between them is made of runs one right after the other.

Each workload is compared with a static asset served by the same server just before it, in three rounds
(the median ratio: other work on the machine moves both sides of a ratio alike); goals: rating page >= 0.7x,
POST rating >= 0.5x, 0 errors. The SQLite WAL is sampled during and measured after each server's run
(goal <= 32 MB). Requests carry ``Accept-Encoding: gzip`` as browsers do. A first rating's SQL (statements
and separate commits) is counted in-process, and its time under the write lock measured there.
``--layouts 2x8 4x4 …`` instead compares gunicorn's processes x threads on first taps (how the default was
chosen). Needs Debian's wrk (``apt-get install wrk``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.clinics.clinic import save_clinic
from functions.config import Settings
from functions.demo import DEMO_CLINIC
from functions.invites.links import new_token
from functions.store import Invite, Reward, Visit
from functions.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
DURATION, CONNECTIONS, THREADS, ROUNDS = 5, 32, 2, 3
INVITES = 30_000  # more than the first-tap runs can use up, so every POST there is a first rating
WORKERS, SERVER_THREADS = Settings().workers, Settings().threads  # gunicorn: what `make serve` runs
WAITRESS_THREADS = 8  # one process
NOW = datetime.now(UTC)

DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "status": %d, "socket": %d, "p50_us": %d, '
    .. '"p99_us": %d}\\n', summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
# Every request a first tap on another invite: each wrk thread walks the token list from its own offset.
FIRST_TAPS = """
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
function init(args)
  tokens = {}
  for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
  n = offset
end
function request()
  n = n + %(threads)d
  local body = '{"score": ' .. ((n %% 5) + 1) .. '}'
  return wrk.format("POST", "/api/v1/invites/" .. tokens[(n %% #tokens) + 1] .. "/rating",
    {["Content-Type"] = "application/json", ["Accept-Encoding"] = "gzip"}, body)
end
"""
REPEAT_TAP = """
wrk.method = "POST"
wrk.body = '{"score": 5}'
wrk.headers["Content-Type"] = "application/json"
"""


def seed(path: Path, count: int) -> tuple[list[Path], str]:
    """The demo clinic with ``count`` texted visits, each invite with its reward promised as dispatch makes it;
    returns one file of their tokens per round (each first tap on an invite of its own) and one opened token."""
    store = SqliteStore(str(path))
    clinic = save_clinic(store, DEMO_CLINIC, NOW)
    tokens = [new_token() for _ in range(count + 1)]
    with store.atomic():
        store.save_visits([Visit(clinic_id=clinic.id, visit_id=f"b{n}", patient_name="Пациент", phone=f"+7916{n:07d}",
                                 visit_at=NOW - timedelta(hours=3), local_date=clinic.local_date(NOW),
                                 expires_at=NOW + timedelta(days=15), doctor=f"Врач {n % 7}", invite_state="sent",
                                 invite_token=token) for n, token in enumerate(tokens)])
        for n, token in enumerate(tokens):
            store.put_invite_promising(
                Invite(token=token, clinic_id=clinic.id, visit_id=f"b{n}", created_at=NOW,
                       expires_at=NOW + timedelta(days=14)),
                Reward(clinic_id=clinic.id, reward_id=f"{clinic.local_date(NOW)[:7]}/b{n}", visit_id=f"b{n}",
                       phone=f"+7916{n:07d}", amount_minor=clinic.reward.amount_minor, currency="RUB",
                       created_at=NOW, status="promised", promised_until=NOW + timedelta(days=14, hours=1)),
                0, None)
    opened = tokens.pop()
    store.mark_opened(opened, NOW)
    store.close()
    share = len(tokens) // ROUNDS
    listings = []
    for n in range(ROUNDS):
        listing = path.with_suffix(f".tokens{n}")
        listing.write_text("\n".join(tokens[n * share:(n + 1) * share]) + "\n")
        listings.append(listing)
    return listings, opened


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(kind: str, port: int, folder: Path, layout: tuple[int, int] = (WORKERS, SERVER_THREADS)) -> subprocess.Popen:
    env = {**os.environ, "FUNNEL_SQLITE_PATH": str(folder / "db.sqlite3"), "FUNNEL_OUTBOX_PATH": str(folder / "outbox"),
           "FUNNEL_SECRET_KEY": "b" * 32, "FUNNEL_LOG_LEVEL": "INFO"}
    if kind == "gunicorn":
        command = [sys.executable, "-m", "functions", "serve", "--port", str(port), "--workers", str(layout[0]),
                   "--threads", str(layout[1])]
    else:
        command = [sys.executable, __file__, "--waitress", str(port)]
    log = (folder / f"{kind}.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /assets/page.js HTTP/1.0\r\n\r\n")
                if probe.recv(64).split(b"\r\n")[0].endswith(b" 200 OK"):
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{kind} did not start: see {folder / f'{kind}.log'}")


def serve_with_waitress(port: int) -> None:
    """The child process of the waitress run: the same app, the same WAL keeper, one process."""
    import waitress

    from functions.config import load_settings
    from functions.server.schedule import Runner, wal_keeper
    from functions.server.serving import serving_app

    app = serving_app(load_settings())
    store = app.extensions["otklik"].store
    Runner(store, wal_keeper(store)).start()
    waitress.serve(app, host="127.0.0.1", port=port, threads=WAITRESS_THREADS, connection_limit=200,
                   channel_timeout=30, _quiet=True)


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants so far: what a request costs the server,
    whatever else the shared machine is doing."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        pid = int(stat.parent.name)
        parents[pid], ticks[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, script: str, folder: Path, seconds: int = DURATION, server: int = 0) -> dict:
    lua = folder / "load.lua"
    lua.write_text(script + DONE)
    cpu_before = cpu_seconds(server) if server else 0.0
    done = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
                           "-H", "Accept-Encoding: gzip", "-s", str(lua), url],
                          capture_output=True, text=True, timeout=seconds + 30, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if server:
        cpu = cpu_seconds(server) - cpu_before
        result["cpu_us"] = cpu / max(result["requests"], 1) * 1e6
        result["cores"] = cpu / (result["duration_us"] / 1e6)
    return result


class WalWatch:
    """The WAL's size, sampled every 100 ms while the load runs: its peak, not only what is left after."""

    def __init__(self, path: Path) -> None:
        self.path, self.peak, self._stop = path, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self.size())

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.size()


def summary(runs: list[dict], static: list[dict]) -> dict:
    """Medians over the rounds; the ratio pairs each run with the static run just before it; the worst p99."""
    return {"rps": statistics.median(r["rps"] for r in runs),
            "ratio": statistics.median(r["rps"] / s["rps"] for r, s in zip(runs, static, strict=True)),
            "p50_us": statistics.median(r["p50_us"] for r in runs), "p99_us": max(r["p99_us"] for r in runs),
            "errors": sum(r["status"] + r["socket"] for r in runs), "requests": sum(r["requests"] for r in runs),
            "cpu_us": statistics.median(r["cpu_us"] for r in runs), "cores": max(r["cores"] for r in runs)}


class Served:
    """One server under test: its own database, port and process, and the WAL it leaves."""

    def __init__(self, kind: str, folder: Path, layout: tuple[int, int] = (WORKERS, SERVER_THREADS)) -> None:
        folder.mkdir()
        self.kind, self.folder = kind, folder
        self.token_files, self.opened = seed(folder / "db.sqlite3", INVITES)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = start(kind, port, folder, layout)
        self.watch = WalWatch(folder / "db.sqlite3-wal")
        self.runs: dict[str, list[dict]] = {}

    def workloads(self, round_number: int) -> dict[str, tuple[str, str]]:
        tokens = self.token_files[round_number]
        return {
            "static asset": (f"{self.base}/assets/page.js", ""),
            "rating page": (f"{self.base}/{self.opened}/", ""),
            "API GET (opened)": (f"{self.base}/api/v1/invites/{self.opened}", ""),
            "POST rating, first tap": (self.base, FIRST_TAPS % {"tokens": tokens, "threads": THREADS}),
            "POST rating, repeat": (f"{self.base}/api/v1/invites/{self.opened}/rating", REPEAT_TAP),
        }

    def load(self, name: str, round_number: int) -> None:
        url, script = self.workloads(round_number)[name]
        self.runs.setdefault(name, []).append(wrk(url, script, self.folder, server=self.process.pid))

    def stop(self) -> dict:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        wal_after = self.watch.stop()
        rated = SqliteStore(str(self.folder / "db.sqlite3"))._one(
            "SELECT count(*) FROM invites WHERE score IS NOT NULL")[0]
        results = {name: summary(done, self.runs["static asset"]) for name, done in self.runs.items()}
        return {"results": results, "runs": self.runs, "wal_peak": self.watch.peak, "wal_after": wal_after,
                "first_ratings": rated}


def measure(folder: Path, kinds: tuple[str, ...]) -> dict[str, dict]:
    """Both servers up at once, loaded in turn: each workload on one, then at once on the other, round after
    round, so whatever else the machine does falls on both alike."""
    served: list[Served] = []
    try:
        for kind in kinds:
            served.append(Served(kind, folder / kind))
        for server in served:
            wrk(f"{server.base}/assets/page.js", "", server.folder, seconds=2)  # warm up; not counted
        for round_number in range(ROUNDS):
            for name in served[0].workloads(round_number):
                for server in served:
                    server.load(name, round_number)
    finally:
        done = {server.kind: server.stop() for server in served}
    return done


def first_rating_sql(folder: Path) -> tuple[int, int, float, float]:
    """Statements and separate commits of one first rating through the app (the same thread's connection);
    then, over 500 more first ratings (scores 1 to 5 in turn, no page read first, as in the load), the
    milliseconds each spends inside its unit of work (under the write lock) and in the whole request."""
    from functions.app import create_app
    from functions.services import Services

    folder.mkdir()
    token_files, _ = seed(folder / "db.sqlite3", 500 * ROUNDS)
    token = token_files[0].read_text().split()[0]
    settings = Settings().with_overrides(sqlite_path=str(folder / "db.sqlite3"), outbox_path=str(folder / "outbox"))
    services = Services(settings)
    client = create_app(settings, services=services).test_client()
    client.get(f"/api/v1/invites/{token}")  # the page's read first, as a patient's phone does
    seen: list[str] = []
    services.store._db.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    assert client.post(f"/api/v1/invites/{token}/rating", json={"score": 5}).status_code == 200
    commits, in_transaction = 0, False
    for statement in seen:
        word = statement.split(None, 1)[0].upper()
        if word == "BEGIN":
            in_transaction = True
        elif word in ("COMMIT", "ROLLBACK"):
            in_transaction, commits = False, commits + 1
        elif word in ("INSERT", "UPDATE", "DELETE", "REPLACE") and not in_transaction:
            commits += 1
    services.store._db.set_trace_callback(None)  # type: ignore[attr-defined]
    held, whole = timed_first_ratings(services.store, client, token_files[1].read_text().split())
    return len(seen), commits, held, whole


def timed_first_ratings(store: SqliteStore, client: object, tokens: list[str]) -> tuple[float, float]:
    atomic, inside = store.atomic, [0.0]

    @contextmanager
    def timed() -> Iterator[None]:
        started = time.perf_counter()
        with atomic():
            yield
        inside[0] += time.perf_counter() - started

    store.atomic = timed  # type: ignore[method-assign]
    started = time.perf_counter()
    for n, token in enumerate(tokens):
        client.post(f"/api/v1/invites/{token}/rating", json={"score": n % 5 + 1})  # type: ignore[attr-defined]
    whole = time.perf_counter() - started
    return inside[0] / len(tokens) * 1000, whole / len(tokens) * 1000


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        statements, commits, held_ms, whole_ms = first_rating_sql(Path(tmp) / "sql")
        runs = measure(Path(tmp), ("gunicorn", "waitress"))
    load_after = os.getloadavg()
    print(f"serving: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s x {ROUNDS} rounds on 127.0.0.1, gzip accepted; "
          f"gunicorn gthread "
          f"{WORKERS} workers x {SERVER_THREADS} threads, waitress {WAITRESS_THREADS} threads; {os.cpu_count()} cores; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"a first rating (SQLite): {statements} SQL statements, {commits} separate commits; in-process, one "
          f"thread: {held_ms:.2f} ms in its unit of work (the write lock), {whole_ms:.2f} ms the whole request "
          "(Flask's test client)")
    for kind, run in runs.items():
        print(f"\n{kind} (medians of {ROUNDS} rounds; p99 the worst round):")
        for name, r in run["results"].items():
            print(f"  {name:<24} {r['rps']:6.0f} req/s {r['ratio']:5.2f}x static  p50 {r['p50_us'] / 1000:5.1f} ms  "
                  f"p99 {r['p99_us'] / 1000:6.1f} ms  errors {r['errors']}  CPU {r['cpu_us']:5.0f} us/req  "
                  f"{r['cores']:.2f} cores at most")
        taps = run["results"]["POST rating, first tap"]["requests"]
        print(f"  first taps sent {taps}, first ratings stored {run['first_ratings'] - 1}; "
              f"WAL peak {run['wal_peak'] / 2**20:.1f} MB, "
              f"after {run['wal_after'] / 2**20:.1f} MB (goal <= 32 MB)")
    g, w = runs["gunicorn"], runs["waitress"]
    pairs = {name: statistics.median(a["rps"] / b["rps"] for a, b in zip(g["runs"][name], w["runs"][name], strict=True))
             for name in g["runs"]}
    print("\ngunicorn / waitress, req/s (median over the rounds of runs made one right after the other): "
          + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in pairs.items()))
    print("gunicorn / waitress, CPU per request: " + ", ".join(
        f"{name} {g['results'][name]['cpu_us'] / w['results'][name]['cpu_us']:.2f}x" for name in pairs))
    print("goals: rating page >= 0.7x and POST rating >= 0.5x the static asset on the same server, 0 errors")


def compare_layouts(layouts: list[str]) -> None:
    """``--layouts 2x8 4x4``: gunicorn's processes x threads side by side, all up at once and loaded in turn
    (the static asset, then first taps, round after round): how the default was chosen."""
    chosen = [tuple(int(n) for n in layout.split("x")) for layout in layouts]
    with tempfile.TemporaryDirectory() as tmp:
        served = [Served("gunicorn", Path(tmp) / f"{w}x{t}", (w, t)) for w, t in chosen]
        try:
            for server in served:
                wrk(f"{server.base}/assets/page.js", "", server.folder, seconds=2)  # warm up; not counted
            for round_number in range(ROUNDS):
                for server in served:
                    server.load("static asset", round_number)
                    server.load("POST rating, first tap", round_number)
        finally:
            done = [server.stop() for server in served]
    print(f"gunicorn layouts, first taps against the static asset (medians of {ROUNDS} rounds), "
          f"load average {os.getloadavg()[0]:.2f} after:")
    for layout, run in zip(layouts, done, strict=True):
        tap, static = run["results"]["POST rating, first tap"], run["results"]["static asset"]
        print(f"  {layout:<5} first tap {tap['rps']:5.0f} req/s {tap['ratio']:5.2f}x static ({static['rps']:5.0f} "
              f"req/s)  p99 {tap['p99_us'] / 1000:6.1f} ms  errors {tap['errors']}  CPU {tap['cpu_us']:5.0f} us/req  "
              f"{tap['cores']:.2f} cores at most")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--waitress":
        serve_with_waitress(int(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--layouts":
        compare_layouts(sys.argv[2:])
    else:
        main()
