"""The one error type the edges turn into ``{"error": {"code", "message"}}`` with a 4xx status."""

from __future__ import annotations


class FunnelError(Exception):
    """``code`` finds the words in ``templates/errors/<locale>.json`` (``params`` fill them in);
    ``message`` is said where the catalog has none."""

    def __init__(self, status: int, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params
