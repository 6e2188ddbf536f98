"""The bot's buttons: callback data that names a case by a short reference and is signed, so a press can be
neither forged nor pointed at another case (Telegram allows 64 bytes; ours are under 40)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from functions.services import Services

ACTIONS = ("call", "close", "ret", "lost", "back")
SALT = b"otklik-telegram-buttons"


def _key(services: Services) -> bytes:
    return hmac.new(services.secret_key.encode(), SALT, hashlib.sha256).digest()


def _mac(key: bytes, text: str, length: int) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:length]


def case_ref(services: Services, clinic_id: str, case_id: str) -> str:
    """The case's short name on buttons: the same for every alert about it, unguessable without the key."""
    return _mac(_key(services), f"ref:{clinic_id}/{case_id}", 12)


def button_data(services: Services, action: str, ref: str) -> str:
    return f"{action}:{ref}:{_mac(_key(services), f'{action}:{ref}', 16)}"


def read_data(services: Services, data: str) -> tuple[str, str] | None:
    """(action, ref) of data we signed; None for anything else."""
    action, _, rest = data.partition(":")
    ref, _, signature = rest.partition(":")
    if action not in ACTIONS or not ref or not signature:
        return None
    expected = _mac(_key(services), f"{action}:{ref}", 16)
    return (action, ref) if hmac.compare_digest(expected.encode(), signature.encode()) else None
