"""Logging that carries no phone numbers, no invite tokens, no sign-in links, no API keys and no channel secrets.

On Lambda every record is one JSON line with the invocation's request id (CloudWatch Logs Insights
reads the fields as they are); elsewhere a plain line. Both go through ``redact``, and so does
whatever other code prints, Zappa's own request lines and its ``print`` calls included.
"""

from __future__ import annotations

import io
import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

PHONE_LIKE = re.compile(r"(?<!_)\+?\d[\d\s()-]{8,}\d")  # not inside an id such as otk_<id>_
# Invite links and API paths carry the token as a path segment.
TOKEN_PATH = re.compile(r"/(api/v1/invites/|r/)?[A-Za-z0-9_-]{12}(?=[/\s?\"']|$)")
# A dashboard sign-in link is as good as a password for 15 minutes.
SIGNIN_PATH = re.compile(r"/admin/signin/[A-Za-z0-9_.-]+")
# A visits API key (otk_<id>_<secret>) keeps its id, which says which key it was, and loses its secret.
API_KEY = re.compile(r"\b(otk_[0-9a-f]{12}_)[A-Za-z0-9_-]+")
# Credentials in headers or query strings, however they got into a message.
CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
SECRET_FIELD = re.compile(
    r"(?i)([\"']?(?:authorization|api[_-]?key|password|secret|x-twilio-signature|cookie|token)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"'&,;}]+")

# The Lambda invocation being served, so every line of it can be found together.
request_id: ContextVar[str] = ContextVar("request_id", default="")


# The channels' secrets, should a library ever log one: a bot token is in every Bot API URL (urllib3 logs
# request lines at DEBUG), a Meta access token or any bearer credential in a header, the webhook's verify
# token in the handshake's query, a one-time Telegram link's code in its URL.
BOT_TOKEN = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")
META_TOKEN = re.compile(r"\bEAA[A-Za-z0-9]{20,}")
BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)
QUERY_SECRET = re.compile(r"((?:hub\.verify_token|start)=)[^&\s\"']+")


def redact(text: str) -> str:
    """Mask phones, tokens, sign-in links, API keys and credentials in any text about to be logged."""
    text = BOT_TOKEN.sub("<bot-token>", text)
    text = META_TOKEN.sub("<access-token>", text)
    text = BEARER.sub(r"\1<token>", text)
    text = QUERY_SECRET.sub(r"\1<secret>", text)
    text = SIGNIN_PATH.sub("/admin/signin/<link>", text)
    text = API_KEY.sub(r"\1<secret>", text)
    text = CREDENTIAL.sub(lambda m: f"{m.group(1)} <secret>", text)
    text = SECRET_FIELD.sub(r"\1<secret>", text)
    text = TOKEN_PATH.sub(lambda m: "/" + (m.group(1) or "") + "<token>", text)
    return PHONE_LIKE.sub(_mask_phone, text)


def _mask_phone(match: re.Match) -> str:
    """Mask what reads as a phone number (+7 916 ..., 8 (916) ..., 79161234567), not dates or counts."""
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    looks_like_phone = found.startswith("+") or "(" in found or found.isdigit() or found[0] in "78"
    return "<phone>" if 10 <= digits <= 15 and looks_like_phone else found


class RedactingFilter(logging.Filter):
    """Rewrites the record itself, so every handler and formatter after it sees the masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the traceback's text is kept (masked) in exc_text
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        # The Lambda runtime's own filter puts the id on records too; ours is set by ``functions.jobs``.
        current = request_id.get() or getattr(record, "aws_request_id", "")
        if current:
            entry["request_id"] = current
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


PLAIN = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure(level: str | None, *, structured: bool = False) -> None:
    """Every handler on the root logger (the Lambda runtime's, Zappa's ``basicConfig`` one, or ours on
    stderr) masks secrets; ``structured`` makes each record one JSON line. ``None`` keeps the level."""
    root = logging.getLogger()
    if level:
        root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
        if structured:
            handler.setFormatter(JsonLines())
        elif not isinstance(handler.formatter, JsonLines):
            handler.setFormatter(PLAIN)


class PrintedLines(io.TextIOBase):
    """A stand-in for ``sys.stdout`` that turns each printed line into a log record (masked, and one
    JSON line on Lambda), so a library's ``print`` cannot put a phone number in the log."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self.logger.info("%s", line)
        return len(text)

    def flush(self) -> None:
        if self.pending.strip():
            self.logger.info("%s", self.pending)
        self.pending = ""
