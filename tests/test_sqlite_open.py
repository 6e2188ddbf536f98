"""Several server processes open one SQLite file at once, an older one among them: none trips over another's
migration (two workers adding the same later column failed to boot)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from functions.store.sqlite import SqliteStore


def test_workers_opening_an_older_database_at_once_all_start(tmp_path: Path) -> None:
    path = str(tmp_path / "otklik.sqlite3")
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:  # as a database from before the later columns
        db.execute("ALTER TABLE cases DROP COLUMN tg_until")
        db.execute("ALTER TABLE rewards DROP COLUMN promised_until")
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        try:
            start.wait()
            SqliteStore(path).close()
        except BaseException as err:
            failures.append(err)

    workers = [threading.Thread(target=open_one) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    with sqlite3.connect(path) as db:
        assert "tg_until" in {row[1] for row in db.execute("PRAGMA table_info(cases)")}
