"""The schedules in the self-hosted process: dispatch every 15 minutes, the sweep every 5, campaign letters every 15
(five minutes after dispatch), the weekly digest on Mondays at 05:00 UTC — what EventBridge runs on AWS
(``zappa_settings.json``), never started there — and a nightly purge of expired invites (DynamoDB's TTL does that on
AWS).

Every worker process runs an APScheduler, but only the holder of the store's lease runs the clinic's jobs:
each worker tries to take or renew it (a conditional write with an expiry) every third of its length and
right before each job, and a dead holder's lease runs out, so another worker takes over within a minute.
A lease renewed from a frozen process could overlap its successor for a moment; the jobs claim every side
effect with a conditional write anyway, so nothing is sent or paid twice even then.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.server.store import ScheduleStore
from functions.services import Services, utcnow

log = logging.getLogger(__name__)

LEASE_NAME = "schedules"
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Job:
    name: str
    trigger: Any  # an APScheduler trigger
    run: Callable[[datetime], object]
    only_leader: bool = True  # False: every process runs it (its own housekeeping)


def funnel_jobs(services: Services, speed: float = 1.0) -> list[Job]:
    """Dispatch, sweep, campaigns, digest and purge on their real schedules; ``speed`` > 1 runs them as a
    time-lapse (the demo)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from functions.cases.digest import send_digests
    from functions.invites.dispatch import send_due_invites
    from functions.jobs import sweep_all
    from functions.patients.campaigns import send_due_campaigns

    if speed == 1:
        triggers = {"dispatch": CronTrigger(minute="*/15", timezone=UTC),
                    "sweep": CronTrigger(minute="*/5", timezone=UTC),
                    "campaigns": CronTrigger(minute="5/15", timezone=UTC),
                    "weekly_digest": CronTrigger(day_of_week="mon", hour=5, minute=0, timezone=UTC),
                    "purge": CronTrigger(hour=2, minute=30, timezone=UTC)}
    else:
        triggers = {name: IntervalTrigger(seconds=minutes * 60 / speed, timezone=UTC) for name, minutes in (
            ("dispatch", 15), ("sweep", 5), ("campaigns", 15), ("weekly_digest", 7 * 24 * 60), ("purge", 24 * 60))}
    return [Job("dispatch", triggers["dispatch"], lambda now: send_due_invites(services, now).as_dict()),
            Job("sweep", triggers["sweep"], lambda now: sweep_all(services, now)),
            Job("campaigns", triggers["campaigns"], lambda now: send_due_campaigns(services, now)),
            Job("weekly_digest", triggers["weekly_digest"], lambda now: send_digests(services, now)),
            # Phone numbers leave with their expired invites: DynamoDB's TTL does it on AWS, this job here.
            Job("purge", triggers["purge"], lambda now: {"purged": services.store.purge_expired(now)})]


def wal_keeper(store: object, every_seconds: float = 0.25) -> list[Job]:
    """SQLite only: each process keeps the write-ahead log bounded (see ``store/sqlite_db.py``)."""
    keep = getattr(store, "keep_wal_small", None)
    if keep is None:
        return []
    from apscheduler.triggers.interval import IntervalTrigger

    return [Job("wal", IntervalTrigger(seconds=every_seconds, timezone=UTC), lambda now: keep(), only_leader=False)]


class Runner:
    """Runs ``jobs`` on a background APScheduler; the leader-only ones while this process holds the lease."""

    def __init__(self, store: ScheduleStore, jobs: list[Job], *, clock: Callable[[], datetime] = utcnow,
                 lease: timedelta = LEASE) -> None:
        self.store = store
        self.jobs = jobs
        self.clock = clock
        self.lease = lease
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.leading = False
        self._lock = threading.Lock()
        self._scheduler: Any = None

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what ran
        scheduler = BackgroundScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
        scheduler.add_job(self.hold_lease, IntervalTrigger(seconds=self.lease.total_seconds() / 3, timezone=UTC),
                          id="lease", next_run_time=datetime.now(UTC))
        for job in self.jobs:
            scheduler.add_job(self.run, job.trigger, args=[job], id=job.name, name=job.name)
        scheduler.start()
        self._scheduler = scheduler
        log.info("schedules: pid %d is ready to run %s, one process at a time", os.getpid(),
                 ", ".join(j.name for j in self.jobs if j.only_leader))

    def hold_lease(self) -> bool:
        """Take or renew the lease; log when this process starts or stops running the schedules."""
        now = datetime.now(UTC)
        try:
            held = self.store.take_lease(LEASE_NAME, self.holder, now, now + self.lease)
        except Exception:
            log.exception("schedules: pid %d could not reach the store for the lease", os.getpid())
            held = False
        with self._lock:
            changed, self.leading = held != self.leading, held
        if changed:
            log.info("schedules: pid %d %s", os.getpid(),
                     "runs them now" if held else "no longer runs them (another process holds the lease)")
        return held

    def run(self, job: Job) -> object:
        """Run one job now (if this process may); its report goes to the log."""
        if job.only_leader and not self.hold_lease():
            return None
        now = self.clock()
        try:
            report = job.run(now)
        except Exception:
            log.exception("schedules: %s failed in pid %d", job.name, os.getpid())
            return None
        if job.only_leader:
            log.info("schedules: %s at %s by pid %d: %s", job.name, now.isoformat(timespec="seconds"), os.getpid(),
                     json.dumps(report, ensure_ascii=False, default=str))
        return report

    def stop(self) -> None:
        """Let a running job finish, then give the lease back so another process takes over at once."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self.leading:
            self.store.release_lease(LEASE_NAME, self.holder)
            self.leading = False
            log.info("schedules: pid %d stopped and gave the lease back", os.getpid())
