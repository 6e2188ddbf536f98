"""Fakes at the outermost seam for dispatch tests: they record what would leave, or fail as told."""

from __future__ import annotations

import threading

from functions.transports import Sms, TransportError


class RecordingSms:
    def __init__(self, fail: TransportError | None = None) -> None:
        self.sent: list[Sms] = []
        self.fail = fail
        self._lock = threading.Lock()

    def send(self, sms: Sms) -> str:
        if self.fail:
            raise self.fail
        with self._lock:
            self.sent.append(sms)
            return f"m-{len(self.sent)}"
