"""The self-hosted server: gunicorn with threaded workers, gzip for text, and the schedules in-process.

Why gunicorn (gthread) over waitress: on a 2-core box one waitress process holds one GIL, so the app's
Python (templates, JSON, SQLite calls) never uses the second core; gunicorn runs a process per core,
each with a pool of threads whose SQLite connections live as long as the threads. ``bench/serve.py``
measures both side by side (README, "Benchmarks").
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from functions.config import ConfigError, Settings
from functions.server.schedule import Job, Runner, funnel_jobs, wal_keeper
from functions.services import Services, utcnow

log = logging.getLogger(__name__)

# What is worth compressing: words and data. Images and archives are compressed already.
TEXT_TYPES = ["text/html", "text/css", "text/javascript", "text/plain", "text/csv", "application/json",
              "application/javascript", "image/svg+xml"]
KEEPALIVE_SECONDS = 5  # a patient's next tap (or the proxy's next request) reuses the connection
GRACEFUL_SECONDS = 30  # on SIGTERM: answers under way and a running job get this long to finish


def serving_app(settings: Settings) -> Flask:
    """The app as the self-hosted server runs it: text over 1 KB gzipped (on AWS, API Gateway and
    CloudFront compress; the Lambda never imports this)."""
    from flask_compress import Compress

    from functions.app import create_app

    app = create_app(settings)
    app.config.update(COMPRESS_ALGORITHM=["gzip"], COMPRESS_ALGORITHM_STREAMING=["gzip"], COMPRESS_MIN_SIZE=1024,
                      COMPRESS_MIMETYPES=TEXT_TYPES)
    Compress(app)
    return app


JobsFor = Callable[[Services], list[Job]]


class Server(BaseApplication):
    """Gunicorn, configured here rather than from a file: ``python -m functions serve`` is the whole command."""

    def __init__(self, settings: Settings, host: str, port: int, *, jobs_for: JobsFor = funnel_jobs,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.bind = f"{host}:{port}"
        self.jobs_for = jobs_for
        self.clock = clock
        super().__init__()

    def options(self) -> dict[str, Any]:
        return {
            "bind": self.bind, "workers": self.settings.workers, "threads": self.settings.threads,
            "worker_class": "gthread", "keepalive": KEEPALIVE_SECONDS, "graceful_timeout": GRACEFUL_SECONDS,
            "accesslog": "-", "logger_class": "functions.server.access.RequestLog", "proc_name": "otklik",
            # Gunicorn's runtime control socket is one fixed path per user: two servers on a box would fight over it.
            "control_socket_disable": True,
            "post_worker_init": self._start_schedules, "worker_exit": self._stop_schedules,
        }

    def load_config(self) -> None:
        for key, value in self.options().items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # In each worker, after the fork: its own store and connections, never the master's.
        return serving_app(self.settings)

    def _start_schedules(self, worker: Any) -> None:
        services: Services = worker.wsgi.extensions["otklik"]
        runner = Runner(services.store, [*self.jobs_for(services), *wal_keeper(services.store)], clock=self.clock)
        runner.start()
        worker.otklik_runner = runner

    def _stop_schedules(self, arbiter: Any, worker: Any) -> None:
        runner = getattr(worker, "otklik_runner", None)
        if runner is not None and worker.pid == os.getpid():  # the master also calls this for a worker gone missing
            # Ctrl-C reaches the worker and then the master's quit signal does: let neither cut the hand-over short.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGQUIT, signal.SIGTERM})
            runner.stop()


def run(settings: Settings, host: str, port: int, *, jobs_for: JobsFor = funnel_jobs,
        clock: Callable[[], datetime] = utcnow) -> None:
    """Serve until SIGTERM (graceful: answers under way finish) or SIGINT; the schedules run in a worker."""
    if settings.lambda_function:
        raise ConfigError("serve is for one's own server: on Lambda, EventBridge runs the schedules")
    log.info("serving on http://%s:%d with %d workers x %d threads", host, port, settings.workers, settings.threads)
    Server(settings, host, port, jobs_for=jobs_for, clock=clock).run()
