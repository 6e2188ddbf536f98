"""Per-clinic API keys for the visits API: shown once, stored as a hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from functions.store import ApiKey
from functions.visits.store import VisitStore

PREFIX = "otk"


def _hash(secret: str) -> str:
    # The secret has 256 random bits, so a fast hash is enough; a slow KDF would only cost latency.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(store: VisitStore, clinic_id: str, now: datetime) -> str:
    """Make a key ``otk_<id>_<secret>``; the caller shows it once, only its hash is kept."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.put_api_key(ApiKey(key_id=key_id, clinic_id=clinic_id, secret_hash=_hash(secret), created_at=now))
    return f"{PREFIX}_{key_id}_{secret}"


def verify_key(store: VisitStore, presented: str) -> ApiKey | None:
    """The live key the caller holds, or None for anything else (malformed, unknown, revoked)."""
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 12 or not secret or len(presented) > 200:
        return None
    key = store.get_api_key(key_id)
    if key is None or key.revoked_at is not None:
        return None
    return key if hmac.compare_digest(key.secret_hash, _hash(secret)) else None
