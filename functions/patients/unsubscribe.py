"""The unsubscribe link of a campaign letter: its own signed token, never an invite's.

The token is 12 URL-safe characters (so the link fits an SMS and logs mask it like any token): 6 random bytes
naming the letter (the store's key of whose letter it was: the phone never travels in the link) and 3 bytes of
HMAC-SHA256 over them with the deployment's secret, so a made-up token is refused before any lookup (48 random
bits and a 24-bit signature: a guess must hit both). A link works for as long as the letter is kept; the
unsubscribe itself is for good: the clinic's advertising stops, its visit SMS do not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime

from functions.patients.reactivation import ads_scope
from functions.patients.store import PatientStore

ID_BYTES, SIGNATURE_BYTES = 6, 3


def new_unsub_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(ID_BYTES)).decode()


def _signature(secret: str, raw: bytes) -> bytes:
    return hmac.new(secret.encode(), b"unsubscribe:" + raw, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def unsubscribe_token(secret: str, unsub_id: str) -> str:
    raw = base64.urlsafe_b64decode(unsub_id)
    return base64.urlsafe_b64encode(raw + _signature(secret, raw)).decode()


def read_token(secret: str, token: str) -> str | None:
    """The letter's key, or None for a token this deployment did not sign."""
    try:
        raw = base64.urlsafe_b64decode(token.encode()) if len(token) == 12 else b""
    except (binascii.Error, ValueError):
        return None
    if len(raw) != ID_BYTES + SIGNATURE_BYTES:
        return None
    if not hmac.compare_digest(raw[ID_BYTES:], _signature(secret, raw[:ID_BYTES])):
        return None
    return base64.urlsafe_b64encode(raw[:ID_BYTES]).decode()


def unsubscribe_link(base_url: str, secret: str, unsub_id: str) -> str:
    return f"{base_url.rstrip('/')}/u/{unsubscribe_token(secret, unsub_id)}"


def letter_of(store: PatientStore, secret: str, token: str) -> tuple[str, str, str] | None:
    """(clinic, phone, campaign) of the letter this link came with, or None."""
    unsub_id = read_token(secret, token)
    return None if unsub_id is None else store.find_unsubscribe(unsub_id)


def unsubscribe(store: PatientStore, secret: str, token: str, now: datetime) -> str | None:
    """Stop the clinic's advertising to this number (at once, for good); answers the clinic's id, or None."""
    found = letter_of(store, secret, token)
    if found is None:
        return None
    clinic_id, phone, _ = found
    store.add_optout(ads_scope(clinic_id), phone, now)
    return clinic_id
