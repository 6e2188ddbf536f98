"""The schedules in the self-hosted process: one runner at a time through the store's lease, each job once
per slot however many workers run, a dead runner's lease passing on, and never on Lambda."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from functions.server.schedule import LEASE_NAME, Job, Runner, funnel_jobs
from functions.store import Store
from functions.store.sqlite import SqliteStore
from tests.conftest import NOW

LATER = NOW + timedelta(seconds=30)


def test_a_lease_has_one_holder_until_it_runs_out(store: Store) -> None:
    assert store.take_lease(LEASE_NAME, "a", NOW, NOW + timedelta(seconds=60)) is True
    assert store.take_lease(LEASE_NAME, "b", LATER, LATER + timedelta(seconds=60)) is False
    assert store.take_lease(LEASE_NAME, "a", LATER, LATER + timedelta(seconds=60)) is True  # renewed
    gone = LATER + timedelta(seconds=61)  # a dies and stops renewing
    assert store.take_lease(LEASE_NAME, "b", gone, gone + timedelta(seconds=60)) is True
    assert store.take_lease(LEASE_NAME, "a", gone, gone + timedelta(seconds=60)) is False
    assert store.take_lease("another", "a", gone, gone + timedelta(seconds=60)) is True  # leases are by name


def test_a_released_lease_passes_on_at_once(store: Store) -> None:
    assert store.take_lease(LEASE_NAME, "a", NOW, NOW + timedelta(seconds=60))
    assert store.release_lease(LEASE_NAME, "b") is False  # only the holder gives it back
    assert store.release_lease(LEASE_NAME, "a") is True
    assert store.take_lease(LEASE_NAME, "b", NOW, NOW + timedelta(seconds=60)) is True


class Ticks:
    """A job that fires every second in every worker and notes who ran it, for which second."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def job(self, name: str) -> Job:
        from apscheduler.triggers.cron import CronTrigger

        def run(now: datetime) -> dict:
            with self._lock:
                self.runs.append((name, int(now.timestamp())))
            return {"ran": name}

        return Job("tick", CronTrigger(second="*", timezone=UTC), run)


def worker(settings, ticks: Ticks, name: str, lease: timedelta) -> Runner:
    """One worker process: its own store on the shared file, its own scheduler."""
    runner = Runner(SqliteStore(settings.sqlite_path), [ticks.job(name)], lease=lease)
    runner.start()
    return runner


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_each_job_runs_once_with_two_workers_and_passes_on_when_its_runner_dies(settings, caplog) -> None:
    caplog.set_level("INFO", logger="functions.server.schedule")
    ticks = Ticks()
    lease = timedelta(seconds=1.5)
    one, two = worker(settings, ticks, "one", lease), worker(settings, ticks, "two", lease)
    try:
        time.sleep(3.5)
        both_alive = list(ticks.runs)
        assert len(both_alive) >= 2
        assert len({who for who, _ in both_alive}) == 1  # one runner, though both workers' triggers fired
        seconds = [second for _, second in both_alive]
        assert len(seconds) == len(set(seconds))  # never twice for one slot
        leader, follower = (one, two) if both_alive[0][0] == "one" else (two, one)
        leader._scheduler.shutdown(wait=False)  # the leader's process dies: no release, its lease runs out
        wait_for(lambda: any(who != both_alive[0][0] for who, _ in ticks.runs), 6)
        taken_over = [who for who, _ in ticks.runs[len(both_alive):]]
        assert taken_over and taken_over[-1] != both_alive[0][0]
        assert follower.leading
    finally:
        two.stop()
        one._scheduler = None
    ran = [r for r in caplog.records if "tick at" in r.getMessage()]
    assert len(ran) == len(ticks.runs)  # every run is in the log with its report
    first = ran[0].getMessage()
    assert json.loads(first[first.index("{"):]) in ({"ran": "one"}, {"ran": "two"})
    assert any("runs them now" in r.getMessage() for r in caplog.records)


def test_a_runner_that_stops_gives_the_lease_back(settings) -> None:
    store = SqliteStore(settings.sqlite_path)
    runner = Runner(store, [], lease=timedelta(seconds=60))
    runner.start()
    wait_for(lambda: runner.leading, 3)
    assert runner.leading
    now = datetime.now(UTC)
    assert store.take_lease(LEASE_NAME, "someone else", now, now + timedelta(seconds=60)) is False
    runner.stop()
    assert store.take_lease(LEASE_NAME, "someone else", now, now + timedelta(seconds=60)) is True


def test_a_failing_job_is_logged_and_the_schedule_goes_on(settings, caplog) -> None:
    from apscheduler.triggers.cron import CronTrigger

    def broken(now: datetime) -> dict:
        raise RuntimeError("the SMS provider is down")

    runner = Runner(SqliteStore(settings.sqlite_path), [Job("dispatch", CronTrigger(second="*"), broken)])
    assert runner.run(runner.jobs[0]) is None
    assert "dispatch failed" in caplog.text and "the SMS provider is down" in caplog.text


def test_the_schedules_are_those_of_the_lambda_deployment(services) -> None:
    zappa = json.loads((Path(__file__).resolve().parent.parent / "zappa_settings.json").read_text())
    expressions = {e["function"].rsplit(".", 1)[1]: e["expression"]
                   for e in zappa["dev"]["events"] if "expression" in e}
    assert expressions == {"dispatch": "cron(0/15 * * * ? *)", "sweep": "rate(5 minutes)",
                           "send_campaigns": "cron(5/15 * * * ? *)", "weekly_digest": "cron(0 5 ? * MON *)"}
    jobs = {job.name: job.trigger for job in funnel_jobs(services)}
    monday = datetime(2026, 11, 23, 4, 59, tzinfo=UTC)
    fires = {name: trigger.get_next_fire_time(None, monday) for name, trigger in jobs.items()}
    assert fires == {"dispatch": datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
                     "sweep": datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
                     "campaigns": datetime(2026, 11, 23, 5, 5, tzinfo=UTC),
                     "weekly_digest": datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
                     "purge": datetime(2026, 11, 24, 2, 30, tzinfo=UTC)}  # SQLite's stand-in for DynamoDB's TTL
    after = datetime(2026, 11, 23, 5, 0, 1, tzinfo=UTC)
    assert jobs["dispatch"].get_next_fire_time(None, after) == datetime(2026, 11, 23, 5, 15, tzinfo=UTC)
    assert jobs["sweep"].get_next_fire_time(None, after) == datetime(2026, 11, 23, 5, 5, tzinfo=UTC)
    assert jobs["campaigns"].get_next_fire_time(None, after) == datetime(2026, 11, 23, 5, 5, tzinfo=UTC)
    assert jobs["weekly_digest"].get_next_fire_time(None, after) == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


def test_the_demo_plays_the_same_schedules_faster(services) -> None:
    jobs = {job.name: job.trigger for job in funnel_jobs(services, speed=60)}
    assert jobs["dispatch"].interval == timedelta(seconds=15) and jobs["sweep"].interval == timedelta(seconds=5)


def test_the_nightly_purge_takes_expired_invites_and_their_phones(services, clinic) -> None:
    from functions.store import Invite

    services.store.put_invite(Invite(token="old", clinic_id="c1", visit_id="v1", created_at=NOW,
                                     expires_at=NOW + timedelta(days=14)))
    purge = next(job for job in funnel_jobs(services) if job.name == "purge")
    assert purge.run(NOW) == {"purged": 0}
    assert purge.run(NOW + timedelta(days=15)) == {"purged": 1}
    assert services.store.get_invite("old") is None


def test_the_schedules_never_start_on_lambda(settings) -> None:
    from functions.config import ConfigError
    from functions.server.serving import run

    with pytest.raises(ConfigError, match="EventBridge"):
        run(settings.with_overrides(lambda_function="otklik-dev"), "127.0.0.1", 0)


def test_the_lambda_app_starts_no_scheduler(tmp_path) -> None:
    import os
    import subprocess
    import sys

    check = ("import threading, functions.app, functions.jobs\n"
             "functions.app.app.get().test_client().get('/AAAAAAAAAAAA/')\n"
             "print(sorted(t.name for t in threading.enumerate()))")
    env = {**os.environ, "FUNNEL_SQLITE_PATH": str(tmp_path / "db.sqlite3"), "AWS_LAMBDA_FUNCTION_NAME": "otklik-dev"}
    done = subprocess.run([sys.executable, "-c", check], cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['MainThread']"
