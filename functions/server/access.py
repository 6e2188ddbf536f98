"""Gunicorn's log lines through the app's logging (one format, one redacting filter), and its request
lines without tokens: invite paths and sign-in links carry them."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

from functions.logs import redact

log = logging.getLogger("functions.server")


class RequestLog(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # Gunicorn gave its loggers handlers of their own; hand them to the root's instead.
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                if getattr(handler, "_gunicorn", False):
                    logger.removeHandler(handler)
            logger.propagate = True

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        status = str(resp.status).split(None, 1)[0]
        line = f"{environ.get('REQUEST_METHOD', '-')} {environ.get('RAW_URI') or environ.get('PATH_INFO', '')}"
        millis = request_time.total_seconds() * 1000
        log.info('%s "%s" %s %s %.1f ms', environ.get("REMOTE_ADDR", "-"), redact(line), status,
                 getattr(resp, "sent", None) or "-", millis)
