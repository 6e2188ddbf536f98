"""A unit of work: the writes of one patient request stand or fall together, and side effects wait for them.

SQLite: one ``BEGIN IMMEDIATE … COMMIT`` on the thread's connection; a nested unit joins it (as a
savepoint, so a failed inner part undoes only itself) and the outermost one commits. DynamoDB cannot
hold conditional writes whose answers are needed at once in one transaction, so there every write
stands alone as before; a unit only merges the counter increments of each visit day into one write,
made when it ends. On both, ``after_commit`` callbacks run once the outermost unit has succeeded: a
transport call never runs while SQLite's write lock is held, nor for writes that were rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol


class UnitOfWork(Protocol):
    # Everything inside is one transaction (SQLite) or one request's writes with merged counters (DynamoDB).
    def atomic(self) -> AbstractContextManager[None]: ...
    # Run ``callback`` after the outermost unit commits; at once outside any unit; never after a failure.
    def after_commit(self, callback: Callable[[], object]) -> None: ...


class PendingEffects:
    """The callbacks each open unit of this thread is holding, one list per nesting level."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _stack(self) -> list[list[Callable[[], object]]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    @property
    def depth(self) -> int:
        return len(self._stack())

    def enter(self) -> None:
        self._stack().append([])

    def leave(self, succeeded: bool) -> list[Callable[[], object]]:
        """Close the innermost level; return what must run now (only when the outermost one succeeded)."""
        stack = self._stack()
        held = stack.pop()
        if not succeeded:
            return []
        if stack:
            stack[-1].extend(held)  # the enclosing unit decides
            return []
        return held

    def hold(self, callback: Callable[[], object]) -> bool:
        """Keep ``callback`` for the open unit; False when none is open (the caller runs it now)."""
        stack = self._stack()
        if not stack:
            return False
        stack[-1].append(callback)
        return True


def run_all(callbacks: list[Callable[[], object]]) -> None:
    for callback in callbacks:
        callback()
