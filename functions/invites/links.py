"""Invite links: random tokens and the short URL a patient opens."""

from __future__ import annotations

import re
import secrets

# 9 random bytes: 72 bits in 12 URL-safe characters, so https://<12-char host>/<token>/ is 34 characters.
TOKEN_BYTES = 9
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{12}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(text: str) -> bool:
    return bool(TOKEN_PATTERN.match(text))


def invite_link(base_url: str, token: str) -> str:
    """``https://host/<token>/``: the trailing slash lets the page's forms post to relative ``rating``,
    ``feedback`` and ``optout``, which resolve to ``/<token>/…`` — so the page works without JavaScript
    on pure static hosting, with the CDN sending those three paths to the API."""
    return f"{base_url.rstrip('/')}/{token}/"
