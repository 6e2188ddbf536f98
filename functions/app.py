"""The Flask app: patient API, platform redirects, visits API, the page and (embedded) the outbox.

``create_app`` builds it; the module-level ``app`` exists because Zappa's ``app_function`` needs one.
"""

from __future__ import annotations

from flask import Flask, Response

from functions import logs
from functions.config import Settings, load_settings
from functions.services import Services

SECURITY_HEADERS = {
    # The token is in our URLs: no page or redirect of ours may hand it on in a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def create_app(config: Settings | dict | None = None, services: Services | None = None) -> Flask:
    settings = config if isinstance(config, Settings) else load_settings().with_overrides(**(config or {}))
    logs.configure(settings.log_level)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["otklik"] = services or Services(settings)

    from functions.web import admin, errors, forms, hooks, invites, pages, unsubscribe, visits

    errors.register(app)
    app.register_blueprint(invites.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(hooks.bp)
    app.register_blueprint(forms.bp)
    app.register_blueprint(unsubscribe.bp)
    admin.configure(app, https=settings.hooks_base.startswith("https://"))
    if settings.embedded:
        # On AWS the page is served from S3/CloudFront; here the app serves it, and the outbox.
        app.register_blueprint(pages.outbox_bp)
        app.register_blueprint(pages.bp)

    csp = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    if settings.api_url:
        csp = csp.replace("default-src 'self'", f"default-src 'self'; connect-src 'self' {settings.api_url}")

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Content-Security-Policy", csp)
        return response

    return app


app = create_app()
