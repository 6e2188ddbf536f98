"""The writers of one process take turns on a lock of their own before SQLite's: one writes at a time, the next
goes the moment it commits, an effect held for the commit runs after the turn is handed on (it may write again),
and a failed write hands the turn on too."""

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
