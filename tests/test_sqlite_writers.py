"""Writers take turns before SQLite's lock (threads on a lock, processes on a file lock): one writes at a time,
the next goes the moment it commits, an effect held for the commit runs after the turn is handed on (it may write
again), and a failed write hands the turn on too."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from functions.store.sqlite import SqliteStore


def test_one_writer_of_a_process_at_a_time_and_every_write_lands(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "otklik.sqlite3"))
    inside, most, guard = [0], [0], threading.Lock()

    def write(n: int) -> None:
        for k in range(25):
            with store.atomic():
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                store._db.execute("INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)",
                                  (f"w{n}-{k}", "t", "2026-11-23"))
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store._db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 200
    assert most[0] == 1


def test_effects_run_after_the_turn_is_handed_on_and_a_failure_frees_it(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "otklik.sqlite3"))
    seen: list[bool] = []
    with store.atomic():
        store.after_commit(lambda: seen.append(store._writers.locked()))
        assert store._writers.locked()
    assert seen == [False]
    with pytest.raises(RuntimeError), store.atomic():
        raise RuntimeError("a bug mid-write")
    assert not store._writers.locked() and not store._db.in_transaction


def test_another_process_waits_for_the_turn_at_the_kernel_not_in_sqlites_sleeps(tmp_path: Path) -> None:
    """Gunicorn's workers: while one writes, the others' turn file lock is taken (a second open of the file is
    another process's view of it); it is free again the moment the write commits."""
    fcntl = pytest.importorskip("fcntl")
    import os

    path = tmp_path / "otklik.sqlite3"
    store = SqliteStore(str(path))
    other = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT)
    try:
        with store.atomic(), pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free after the commit
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
        store.close()
