"""The embedded store under a server: one connection per thread for the thread's life, repeat reads that
take no write lock, and a write-ahead log that stays bounded."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from functions.store import Invite
from functions.store.sqlite import SqliteStore
from tests.conftest import NOW


def invite(token: str) -> Invite:
    return Invite(token=token, clinic_id="c1", visit_id="v1", created_at=NOW, expires_at=NOW + timedelta(days=14))


def test_each_thread_keeps_one_connection_across_requests(settings) -> None:
    store = SqliteStore(settings.sqlite_path)  # its own thread made the schema: one connection
    store.put_invite(invite("tok1"))
    threads = set()

    def request(_: int) -> None:
        threads.add(threading.get_ident())
        store.get_invite("tok1")

    with ThreadPoolExecutor(max_workers=4) as pool:  # a server's worker threads
        list(pool.map(request, range(50)))
    assert store.connections_opened == 1 + len(threads) <= 1 + 4  # 50 requests, one connection per thread


def under_someone_elses_write_lock(path: str, call) -> list:
    """Run ``call`` in a thread while another connection holds the write lock; what it returned within 3 s."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import, a long dispatch
    answered: list = []
    try:
        reader = threading.Thread(target=lambda: answered.append(call()))
        reader.start()
        reader.join(timeout=3)
        return answered
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_opening_an_opened_invite_again_takes_no_write_lock(settings, services) -> None:
    services.store.put_invite(invite("AbCdEfGhIjKl"))
    assert services.store.mark_opened("AbCdEfGhIjKl", NOW) is True
    answered = under_someone_elses_write_lock(settings.sqlite_path,
                                              lambda: services.store.mark_opened("AbCdEfGhIjKl", NOW))
    assert answered == [False], "a repeat open waited for the write lock"


def test_a_repeat_tap_takes_no_write_lock(settings, services) -> None:
    from functions.store import Reward

    reward = Reward(clinic_id="c1", reward_id="2026-11/v1", visit_id="v1", phone="+79161234501", amount_minor=10000,
                    currency="RUB", created_at=NOW)
    services.store.put_invite(invite("AbCdEfGhIjKl"))
    assert services.store.record_rating("AbCdEfGhIjKl", 5, NOW) is True
    assert services.store.grant_reward(reward, 0, None) == "granted"

    def tap_again() -> tuple:
        return services.store.record_rating("AbCdEfGhIjKl", 5, NOW), services.store.grant_reward(reward, 0, None)

    assert under_someone_elses_write_lock(settings.sqlite_path, tap_again) == [(False, "exists")]


def test_the_write_ahead_log_is_cut_back_past_its_bound(settings) -> None:
    store = SqliteStore(settings.sqlite_path)
    reader = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM invites").fetchone()  # a reader on an old snapshot pins the log
    for n in range(25):  # about 10 MB: past the keeper's bound, short of the writers'
        with store.atomic():
            store._db.executemany("INSERT INTO audit VALUES ('c1', ?, 'now', 'w', 'x', ?, '')",
                                  [(f"{n}-{i}", "x" * 4000) for i in range(100)])
    assert store.wal_bytes() > 4 * 1024 * 1024  # SQLite's own checkpoints could not reset it
    started = time.monotonic()
    assert store.keep_wal_small() is False  # the reader still needs it: nothing changes, and writers never wait
    assert time.monotonic() - started < 0.5
    reader.execute("COMMIT")
    reader.close()
    time.sleep(1.1)  # after a truncation a reader kept from finishing, none is tried for a second
    assert store.keep_wal_small() is True
    assert store.wal_bytes() == 0
    assert store.keep_wal_small() is False  # small again: nothing to do


def test_a_write_that_finds_the_log_past_its_hard_bound_checkpoints_it_first(settings, monkeypatch) -> None:
    import functions.store.sqlite_db as sqlite_db

    monkeypatch.setattr(sqlite_db, "WRITERS_WAIT_MS", 100)  # the reader below never leaves: do not wait 5 s on it
    store = SqliteStore(settings.sqlite_path)
    reader = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM invites").fetchone()
    for n in range(60):
        with store.atomic():
            store._db.executemany("INSERT INTO audit VALUES ('c1', ?, 'now', 'w', 'x', ?, '')",
                                  [(f"{n}-{i}", "x" * 4000) for i in range(100)])
    reader.execute("COMMIT")
    reader.close()
    assert store.wal_bytes() > 16 * 1024 * 1024  # the keeper never ran (crowded out, or no server at all)
    time.sleep(1.1)  # a writer found the reader still there: no truncation is tried for a second
    store.bump_stats("c1", "2026-11-23", {"all": {"answered": 1}})  # the next write
    assert store.wal_bytes() < 1024 * 1024
    assert store.read_stats("c1", "2026-11-23", "2026-11-23") == {("2026-11-23", "all"): {"answered": 1}}
