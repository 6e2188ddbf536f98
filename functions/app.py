"""The Flask app: patient API, the page and its no-JavaScript answers, platform redirects, visits API,
provider webhooks, the dashboard and (embedded) the outbox.

``create_app`` builds it; the module-level ``app`` exists because Zappa's ``app_function`` needs one. It is
built on the first HTTP request: the scheduled jobs and S3 drops that share the Lambda never need it, so
they do not pay for it on a cold start.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from functions import logs
from functions.config import Settings, load_settings

if TYPE_CHECKING:
    from functions.services import Services

SECURITY_HEADERS = {
    # The token is in our URLs: no page or redirect of ours may hand it on in a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# Root-relative addresses in our HTML (links, forms, assets, the dashboard's preview URL, the page's API base).
ROOTED = re.compile(r'(\s(?:href|action|src|data-[a-z-]+)=")/(?!/)')
EMPTY_API = ' data-api=""'


def create_app(config: Settings | dict | None = None, services: Services | None = None) -> Flask:
    from functions.services import Services

    settings = config if isinstance(config, Settings) else load_settings().with_overrides(**(config or {}))
    logs.configure(settings.log_level, structured=settings.on_lambda)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["otklik"] = services or Services(settings)
    app.wsgi_app = PublicPrefix(app.wsgi_app)  # type: ignore[method-assign]

    from functions.web import admin, channel_hooks, errors, forms, hooks, invites, openapi, pages, unsubscribe, visits

    errors.register(app)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(invites.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(hooks.bp)
    app.register_blueprint(channel_hooks.bp)
    app.register_blueprint(forms.bp)
    app.register_blueprint(unsubscribe.bp)
    admin.configure(app, https=settings.hooks_base.startswith("https://"))
    # The page and its assets are served everywhere: on AWS straight from the API (a plain deploy is a whole
    # funnel) and, behind a CDN, for the no-JavaScript answers the CDN sends here.
    app.register_blueprint(pages.bp)
    if settings.embedded:
        app.register_blueprint(pages.outbox_bp)

    from functions.answers.page import style_source

    # The rating page's stylesheet is inline: the CSP allows it by its hash, and no other inline style.
    csp = (f"default-src 'self'; style-src 'self' {style_source()}; img-src 'self' data:; frame-ancestors 'none'; "
           "base-uri 'none'; form-action 'self'")
    if settings.api_url:
        csp = csp.replace("default-src 'self'", f"default-src 'self'; connect-src 'self' {settings.api_url}")

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Content-Security-Policy", csp)
        return under_prefix(response, request.script_root)

    return app


class PublicPrefix:
    """Where the browser sees this app. Zappa sets ``SCRIPT_NAME`` to the API Gateway stage (``/dev``) for
    requests to the ``execute-api`` address, which is right there; behind CloudFront the CDN's behaviours
    map the public paths onto the stage one to one (the origin path carries the stage), so the public
    prefix is empty. CloudFront marks every request it forwards with ``X-Amz-Cf-Id``."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_CF_ID"):
            environ["SCRIPT_NAME"] = ""
        return self.wsgi_app(environ, start_response)


def under_prefix(response: Response, root: str) -> Response:
    """Put the public prefix in front of our root-relative links and redirects (the templates write
    ``/admin/…``, ``/assets/…``), so the dashboard and the page work under an API Gateway stage."""
    if not root:
        return response
    location = response.headers.get("Location", "")
    if location.startswith("/") and not location.startswith("//"):
        response.headers["Location"] = root + location
    if response.mimetype == "text/html" and not response.direct_passthrough:
        html = ROOTED.sub(lambda m: f"{m.group(1)}{root}/", response.get_data(as_text=True))
        response.set_data(html.replace(EMPTY_API, f' data-api="{root}"'))
    return response


class LazyApp:
    """A WSGI callable that builds the Flask app on its first request (once, even with threads)."""

    def __init__(self) -> None:
        self._app: Flask | None = None
        self._lock = threading.Lock()

    def get(self) -> Flask:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = create_app()
        return self._app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.get()(environ, start_response)


app = LazyApp()
