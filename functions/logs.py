"""Logging that carries no phone numbers, no invite tokens, no sign-in links and no channel secrets."""

from __future__ import annotations

import logging
import re

PHONE_LIKE = re.compile(r"\+?\d[\d\s()-]{8,}\d")
# Invite links and API paths carry the token as a path segment.
TOKEN_PATH = re.compile(r"/(api/v1/invites/|r/)?[A-Za-z0-9_-]{12}(?=[/\s?\"']|$)")
# A dashboard sign-in link is as good as a password for 15 minutes.
SIGNIN_PATH = re.compile(r"/admin/signin/[A-Za-z0-9_.-]+")


# The channels' secrets, should a library ever log one: a bot token is in every Bot API URL (urllib3 logs
# request lines at DEBUG), a Meta access token or any bearer credential in a header, the webhook's verify
# token in the handshake's query, a one-time Telegram link's code in its URL.
BOT_TOKEN = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")
META_TOKEN = re.compile(r"\bEAA[A-Za-z0-9]{20,}")
BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)
QUERY_SECRET = re.compile(r"((?:hub\.verify_token|start)=)[^&\s\"']+")


def redact(text: str) -> str:
    text = BOT_TOKEN.sub("<bot-token>", text)
    text = META_TOKEN.sub("<access-token>", text)
    text = BEARER.sub(r"\1<token>", text)
    text = QUERY_SECRET.sub(r"\1<secret>", text)
    text = SIGNIN_PATH.sub("/admin/signin/<link>", text)
    text = TOKEN_PATH.sub(lambda m: "/" + (m.group(1) or "") + "<token>", text)
    return PHONE_LIKE.sub(_mask_phone, text)


def _mask_phone(match: re.Match) -> str:
    """Mask what reads as a phone number (+7 916 ..., 8 (916) ..., 79161234567), not dates or counts."""
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    looks_like_phone = found.startswith("+") or "(" in found or found.isdigit() or found[0] in "78"
    return "<phone>" if 10 <= digits <= 15 and looks_like_phone else found


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def configure(level: str) -> None:
    """Log to stderr through the redacting filter (Lambda ships stderr to CloudWatch)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
