"""What one process needs to run the funnel: settings, the store and the transports, made lazily."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from functions.clinics.clinic import Clinic, parse_clinic
from functions.config import ConfigError, Settings
from functions.store import Store, open_store
from functions.transports import (
    EmailTransport,
    RewardProvider,
    SmsTransport,
    email_transport,
    reward_provider,
    sms_transport,
)

# Bounded exponential backoff for failed sends: 1, 2, 4 ... minutes, never more than an hour.
BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# Parsed clinics kept per process; past this many the cache starts over (a process serves a few clinics).
CLINICS_CACHED = 1000


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_START * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Services:
    def __init__(self, settings: Settings, *, store: Store | None = None,
                 sms: SmsTransport | None = None, email: EmailTransport | None = None,
                 rewards: RewardProvider | None = None) -> None:
        self.settings = settings
        self._clinics: dict[str, tuple[int, Clinic]] = {}  # id -> (version, parsed clinic)
        if rewards is not None:
            self.rewards = rewards
        if store is not None:
            self.store = store
        if sms is not None:
            self.sms = sms
        if email is not None:
            self.email = email

    @cached_property
    def store(self) -> Store:
        return open_store(self.settings)

    @cached_property
    def sms(self) -> SmsTransport:
        return sms_transport(self.settings)

    @cached_property
    def email(self) -> EmailTransport:
        return email_transport(self.settings)

    @cached_property
    def rewards(self) -> RewardProvider | None:
        """The automatic reward payer; None when a person pays (``manual``)."""
        return reward_provider(self.settings)

    @cached_property
    def secret_key(self) -> str:
        """Signs dashboard sessions and sign-in links. Embedded mode makes one and keeps it beside the database."""
        if self.settings.secret_key:
            return self.settings.secret_key
        if not self.settings.embedded:
            raise ConfigError("FUNNEL_SECRET_KEY is required for the dashboard outside the embedded mode")
        path = Path(self.settings.sqlite_path).with_name("secret_key")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # made earlier, or by another process just now
        return path.read_text().strip()

    def clinic(self, clinic_id: str) -> Clinic | None:
        """The clinic, parsed once per change: a call asks the store only whether its version moved, so an
        edit made by any process (the dashboard, the command line) is seen by the next request everywhere."""
        cached = self._clinics.get(clinic_id)
        found = self.store.get_clinic_since(clinic_id, cached[0] if cached else -1)
        if found is None:
            self._clinics.pop(clinic_id, None)
            return None
        version, doc = found
        if doc is None and cached is not None:
            return cached[1]
        clinic = parse_clinic(doc)
        if len(self._clinics) >= CLINICS_CACHED:
            self._clinics.clear()
        self._clinics[clinic_id] = (version, clinic)
        return clinic

    def claim_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.claim_seconds)
