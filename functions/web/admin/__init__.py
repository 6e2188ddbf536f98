"""The owner's and director's dashboard under ``/admin/``: server-rendered pages, usable on a phone.

``core.py`` holds the blueprint and what every page shares; each other module adds the routes of one concern.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from functions.web.admin import (  # noqa: F401  (routes on ``bp``)
    auth,
    campaigns,
    cases,
    members,
    numbers,
    patients,
    rewards,
    settings,
    telegram,
    uploads,
)
from functions.web.admin.core import SESSION_HOURS, Sessions, bp


def configure(app: Flask, https: bool) -> None:
    app.session_interface = Sessions()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_SECURE=https, PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.register_blueprint(bp)
