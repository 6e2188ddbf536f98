"""The embedded HTTP server: Werkzeug's threaded server with request lines that carry no tokens."""

from __future__ import annotations

import logging

from werkzeug.serving import WSGIRequestHandler, run_simple

from functions.logs import redact
from functions.services import Services

log = logging.getLogger("functions.server")


class RedactingHandler(WSGIRequestHandler):
    """Werkzeug logs every request line, and invite paths carry the token: mask it."""

    def log(self, type: str, message: str, *args: object) -> None:  # noqa: A002
        log.info("%s %s", self.address_string(), redact(message % args))


def run(services: Services, host: str, port: int) -> None:
    from functions.app import create_app

    app = create_app(services.settings, services=services)
    log.info("serving on http://%s:%d", host, port)
    run_simple(host, port, app, threaded=True, request_handler=RedactingHandler, use_reloader=False)
