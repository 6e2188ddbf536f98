"""The SQLite connection: one per thread, kept for the thread's life; write transactions and units of
work on it; and the write-ahead log kept bounded.

A server's worker threads live as long as the process, so each opens its connection once. Under
constant reads the WAL never reaches a moment without readers, so SQLite's own checkpoints cannot
restart it and it grows without end (116 MB against a 188 KB database in one load run). The keeper
(``keep_wal_small``, run four times a second by the server) checkpoints and truncates it past 4 MB; when
writers crowd the keeper out, the write that finds the WAL past 16 MB checkpoints it first itself, so
writes wait a moment rather than the file growing on. A long reader (a backup) pins the log whatever
anyone does: after a truncation that could not finish, none is tried at that bound for a second.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not on Windows: there the processes queue at SQLite's lock alone
    fcntl = None  # type: ignore[assignment]

from functions.store.unit import PendingEffects, run_all

# After a checkpoint resets the WAL, SQLite cuts the file back to this size instead of keeping its peak.
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
# Past this the keeper checkpoints at once; the bound we promise (32 MB) leaves room for a busy second.
CHECKPOINT_OVER = 4 * 1024 * 1024
# How long the keeper waits for the lock and for readers to move on; new writers queue behind it meanwhile.
CHECKPOINT_WAIT_MS = 200
# Past this a write transaction checkpoints before it begins, waiting as long as it takes within reason:
# every writer of the process queues behind it, so the lock comes free and the bound holds.
WRITERS_CHECKPOINT_OVER = 16 * 1024 * 1024
WRITERS_WAIT_MS = 5000
# After a truncation that did not finish, none is tried at that bound for this long: a long reader (a
# backup, an export) pins the log whatever anyone does, and writers must not wait on it again and again.
TRUNCATE_PAUSE_SECONDS = 1.0
BUSY_TIMEOUT_MS = 30_000


class SqliteDb:
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._pending = PendingEffects()
        self._opened = 0
        self._opened_lock = threading.Lock()
        self._checkpointing = threading.Lock()  # one thread of a process checkpoints; the others wait for it
        # Writers queue here, handed the turn the moment the last one commits, rather than at SQLite's lock,
        # whose busy handler sleeps between tries (1, 2, 5 … 100 ms): under load most of a write's wait was
        # that sleep, not the other writers' work. The threads of a process queue on a lock; the processes of
        # a server (gunicorn's workers) on an advisory lock of a file beside the database, which the kernel
        # hands over at once.
        self._writers = threading.Lock()
        self._turn_file: int | None = None
        self._turn_pid = 0
        self._paused_until: dict[int, float] = {}  # per bound: no truncation tried before this moment

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                 check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; a power cut may lose the last commits
            db.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            self._local.db = db
            with self._opened_lock:
                self._opened += 1
        return db

    @property
    def connections_opened(self) -> int:
        """How many connections this store has opened so far (one per thread that used it)."""
        return self._opened

    def _one(self, sql: str, *args: object) -> sqlite3.Row | None:
        return self._db.execute(sql, args).fetchone()

    def _changed(self, sql: str, *args: object) -> bool:
        return self._db.execute(sql, args).rowcount > 0

    def _found_before_writing(self, sql: str, *args: object) -> bool | None:
        """Whether ``sql`` finds a row, read before a conditional write so that a repeat stays a read (even an
        UPDATE that matches nothing takes the write lock); None inside a unit of work, which holds the lock
        already and leaves the decision to the write itself."""
        return None if self._db.in_transaction else self._one(sql, *args) is not None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock first, so a check and its write cannot interleave with another.

        Inside an open transaction this joins it as a savepoint: the outermost one commits, and a failed
        inner part rolls back only itself.
        """
        db = self._db
        outermost = not db.in_transaction
        if not outermost:
            with self._part(db):
                yield db
            return
        self._make_room()
        with self._writers, self._process_turn():
            db.execute("BEGIN IMMEDIATE")
            self._pending.enter()
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                self._pending.leave(succeeded=False)
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            effects = self._pending.leave(succeeded=True)
        run_all(effects)  # after the turn is handed on: an effect may write again

    @contextmanager
    def _process_turn(self) -> Iterator[None]:
        """This process's turn among the processes writing the same file (held with ``_writers``)."""
        fd = self._turn_fd()
        if fd is None:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _turn_fd(self) -> int | None:
        if fcntl is None or self.path == ":memory:" or self.path.startswith("file:"):
            return None
        if self._turn_file is None or self._turn_pid != os.getpid():  # after a fork: the process's own
            self._turn_file = os.open(f"{self.path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
            self._turn_pid = os.getpid()
        return self._turn_file

    @contextmanager
    def _part(self, db: sqlite3.Connection) -> Iterator[None]:
        """A savepoint inside the open transaction: a failed part rolls back only itself."""
        db.execute("SAVEPOINT part")
        self._pending.enter()
        try:
            yield
            db.execute("RELEASE part")
        except BaseException:
            self._pending.leave(succeeded=False)
            db.execute("ROLLBACK TO part")
            db.execute("RELEASE part")
            raise
        run_all(self._pending.leave(succeeded=True))

    def _make_room(self) -> None:
        """Before a write transaction: past the hard bound, checkpoint first."""
        if self.wal_bytes() > WRITERS_CHECKPOINT_OVER:
            self.keep_wal_small(WRITERS_CHECKPOINT_OVER, wait_ms=WRITERS_WAIT_MS)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._transaction():
            yield

    def after_commit(self, callback: Callable[[], object]) -> None:
        if not self._pending.hold(callback):
            callback()

    def wal_bytes(self) -> int:
        try:
            return os.stat(f"{self.path}-wal").st_size
        except FileNotFoundError:
            return 0

    def keep_wal_small(self, over: int = CHECKPOINT_OVER, wait_ms: int = CHECKPOINT_WAIT_MS) -> bool:
        """Past ``over`` bytes, copy the WAL into the database and truncate it; True when that happened.

        A passive checkpoint first copies what it can and blocks no one; then truncating waits up to
        ``wait_ms`` for the lock and for readers to move on, holding new writers back meanwhile. When it
        could not finish, nothing changed, and none is tried at this bound for a second.
        """
        db = self._db
        if db.in_transaction or self.wal_bytes() <= over or time.monotonic() < self._paused_until.get(over, 0.0):
            return False
        with self._checkpointing:
            if self.wal_bytes() <= over:
                return False  # another thread just did it
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            db.execute(f"PRAGMA busy_timeout={wait_ms}")
            try:
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.OperationalError:
                busy = 1
            finally:
                db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if busy:
                self._paused_until[over] = time.monotonic() + TRUNCATE_PAUSE_SECONDS
        return busy == 0

    def close(self) -> None:
        """Close this thread's connection (a process closes its own before it forks workers)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        if self._turn_file is not None and self._turn_pid == os.getpid():
            with self._writers:
                os.close(self._turn_file)
                self._turn_file = None
