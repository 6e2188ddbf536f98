"""The one error type the edges turn into ``{"error": {"code", "message"}}`` with a 4xx status."""

from __future__ import annotations


class FunnelError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
