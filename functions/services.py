"""What one process needs to run the funnel: settings, the store and the transports, made lazily."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from functions.clinics.clinic import Clinic, parse_clinic
from functions.config import ConfigError, Settings
from functions.store import Store, open_store
from functions.transports import (
    EmailTransport,
    RewardProvider,
    SmsTransport,
    TelegramTransport,
    WhatsAppTransport,
    email_transport,
    reward_provider,
    sms_transport,
    telegram_transport,
    whatsapp_transport,
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
                 rewards: RewardProvider | None = None, whatsapp: WhatsAppTransport | None = None,
                 telegram: TelegramTransport | None = None) -> None:
        self.settings = settings
        self._clinics: dict[str, tuple[int, Clinic]] = {}  # id -> (version, parsed clinic)
        # Given ones (tests, the demo) serve every clinic; otherwise each clinic gets its own, made on first use.
        self._whatsapp = whatsapp
        self._telegram = telegram
        self._channels: dict[tuple[str, ...], object] = {}
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
        """Signs dashboard sessions, sign-in links and the Telegram buttons. Embedded mode keeps one beside the
        database."""
        return self.settings.secret_key or self._kept_key("FUNNEL_SECRET_KEY", "secret_key",
                                                          lambda: secrets.token_hex(32))

    @cached_property
    def settings_key(self) -> str:
        """Decrypts the clinics' own channel secrets (``enc:…``). Embedded mode keeps one beside the database."""
        from functions.channels.secrets import new_key

        return self.settings.settings_key or self._kept_key("FUNNEL_SETTINGS_KEY", "settings_key", new_key)

    def _kept_key(self, variable: str, name: str, make) -> str:
        if not self.settings.embedded:
            raise ConfigError(f"{variable} is required outside the embedded mode")
        path = Path(self.settings.sqlite_path).with_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(make())
        except FileExistsError:
            pass  # made earlier, or by another process just now
        return path.read_text().strip()

    def secret(self, stored: str, default: str) -> str:
        """A clinic's own secret (decrypted), else the deployment's; raises ``SecretError`` if it cannot be read."""
        if not stored:
            return default
        from functions.channels.secrets import SecretError, decrypt

        try:
            key = self.settings_key
        except ConfigError as err:
            raise SecretError(str(err)) from None
        return decrypt(key, stored)

    def whatsapp_for(self, clinic: Clinic) -> WhatsAppTransport | None:
        """The clinic's WhatsApp number, or None when the clinic has none (then nothing ever tries it)."""
        if clinic.whatsapp is None:
            return None
        if self._whatsapp is not None:
            return self._whatsapp
        number, token = clinic.whatsapp.phone_number_id, clinic.whatsapp.access_token
        return self._channel(("whatsapp", number, token), lambda: whatsapp_transport(
            self.settings, number, self.secret(token, self.settings.whatsapp_token)))

    def telegram_for(self, clinic: Clinic) -> TelegramTransport | None:
        """The clinic's bot (its own or the deployment's), or None when the clinic has no Telegram."""
        if clinic.telegram is None:
            return None
        if self._telegram is not None:
            return self._telegram
        bot, token = self.bot_name(clinic), clinic.telegram.token
        return self._channel(("telegram", bot, token), lambda: telegram_transport(
            self.settings, bot, self.secret(token, self.settings.telegram_token)))

    def _channel(self, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        """One transport per clinic's credentials, made on first use (a secret is decrypted once)."""
        if key not in self._channels:
            self._channels[key] = make()
        return self._channels[key]

    def bot_name(self, clinic: Clinic) -> str:
        return (clinic.telegram.bot if clinic.telegram else "") or self.settings.telegram_bot

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
