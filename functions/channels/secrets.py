"""A clinic's own channel secrets, kept encrypted in its settings (``enc:<Fernet token>``).

Fernet (``cryptography``: AES-128-CBC with HMAC-SHA256, the token timestamped) rather than anything written
here: the key is ``FUNNEL_SETTINGS_KEY`` (embedded mode keeps one under var/), and a comma-separated list of keys
lets an operator rotate it — the first encrypts, every one decrypts. Imported only when a clinic has such a
secret, so the Lambda's cold start never pays for it.
"""

from __future__ import annotations

from functools import lru_cache

from functions.channels.settings import ENCRYPTED


class SecretError(ValueError):
    """The value cannot be read with these keys (another deployment's, or damaged)."""


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@lru_cache(maxsize=8)
def _fernet(keys: str):
    from cryptography.fernet import Fernet, MultiFernet

    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    except ValueError:
        raise SecretError("FUNNEL_SETTINGS_KEY is not a Fernet key (make one: python -m functions channels key)") \
            from None


def encrypt(keys: str, value: str) -> str:
    return ENCRYPTED + _fernet(keys).encrypt(value.encode()).decode()


@lru_cache(maxsize=64)
def decrypt(keys: str, stored: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(keys).decrypt(stored.removeprefix(ENCRYPTED).encode()).decode()
    except (InvalidToken, ValueError):
        raise SecretError("an encrypted setting cannot be read with FUNNEL_SETTINGS_KEY") from None
