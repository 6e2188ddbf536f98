"""Invite links: random tokens, short URLs and the SMS text."""

from __future__ import annotations

import re
import secrets

from functions.clinics import Clinic
from functions.texts import money, one_line, render

# 9 random bytes: 72 bits in 12 URL-safe characters, so https://<12-char host>/<token> is 33 characters.
TOKEN_BYTES = 9
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{12}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(text: str) -> bool:
    return bool(TOKEN_PATTERN.match(text))


def invite_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{token}"


def invite_text(clinic: Clinic, link: str) -> str:
    """The invite SMS: no diagnosis, service or doctor; one line, so no stray segments."""
    text = render(f"sms/{clinic.locale}/invite.txt", clinic=clinic.name, link=link,
                  reward=money(clinic.reward_minor, clinic.currency, clinic.locale))
    return one_line(text)
