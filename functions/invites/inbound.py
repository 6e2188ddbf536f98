"""What providers tell us: delivery statuses and STOP replies, each checked as the provider documents."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

# Replies that mean "never text me again" (Twilio's standard keywords, and Russian ones).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА"}
# Twilio's final message statuses; the ones before them (queued, sent…) change nothing we keep.
FINAL_STATUSES = {"delivered", "undelivered", "failed"}


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 over the full URL followed by every POST parameter,
    sorted by name, as name + value; base64."""
    data = url + "".join(name + value for name, value in sorted(params, key=lambda p: p[0]))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_twilio_request(auth_token: str, url: str, params: list[tuple[str, str]], signature: str) -> bool:
    if not auth_token or not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def is_stop(body: str) -> bool:
    return " ".join(body.split()).upper().strip(".!") in STOP_WORDS


def parse_reference(reference: str) -> tuple[str, str] | None:
    clinic_id, _, visit_id = reference.partition("/")
    return (clinic_id, visit_id) if clinic_id and visit_id else None
