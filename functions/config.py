"""Settings: read the environment once into a frozen, typed object.

Nothing else in the package touches ``os.environ``; everything takes a ``Settings``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

PREFIX = "FUNNEL_"
TELEGRAM_BOT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,30}[Bb][Oo][Tt]$")
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """A configuration value is missing or malformed; raised at start-up, never later."""


@dataclass(frozen=True)
class Settings:
    store: str = "sqlite"
    sqlite_path: str = "var/otklik.sqlite3"
    dynamodb_table: str = "otklik"
    dynamodb_endpoint: str = ""
    aws_region: str = ""
    sms_transport: str = "outbox"
    sms_sender_id: str = "Otklik"
    sns_endpoint: str = ""
    smsru_api_id: str = ""
    smsru_test: bool = False
    smsru_callback_secret: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    email_transport: str = "outbox"
    email_from: str = "Otklik <noreply@otklik.local>"
    ses_endpoint: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    s3_endpoint: str = ""
    reward_provider: str = "manual"
    reloadly_client_id: str = ""
    reloadly_client_secret: str = ""
    reloadly_sandbox: bool = True
    # WhatsApp Cloud API and the Telegram bot: the deployment's defaults; a clinic may bring its own (encrypted).
    whatsapp_transport: str = "outbox"
    whatsapp_token: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_api_version: str = "v23.0"
    telegram_transport: str = "outbox"
    telegram_bot: str = ""
    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    settings_key: str = ""  # Fernet key(s) for the clinics' encrypted settings; embedded mode keeps one under var/
    outbox_path: str = "var/outbox.jsonl"
    secret_key: str = ""  # signs dashboard sessions and sign-in links; embedded mode keeps one under var/
    public_url: str = "http://127.0.0.1:8000"
    api_url: str = ""
    token_days: int = 14
    claim_seconds: int = 300
    dispatch_workers: int = 10
    fanout: str = "inline"
    lambda_function: str = ""
    log_level: str = "INFO"
    port: int = 8000
    # The self-hosted server: gunicorn's processes and each one's threads. Four small processes beat two
    # large ones on a 2-core box: a first tap's write waits less behind other threads' Python (bench/serve.py).
    workers: int = 4
    threads: int = 4

    @property
    def embedded(self) -> bool:
        """The one-machine mode: SQLite store, and /outbox is served."""
        return self.store == "sqlite"

    @property
    def on_lambda(self) -> bool:
        """Running inside AWS Lambda (it names the function in the environment)."""
        return bool(self.lambda_function)

    @property
    def link_base(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def hooks_base(self) -> str:
        """Where providers call back: the API's own address (the page may live on static hosting)."""
        return (self.api_url or self.public_url).rstrip("/")

    def with_overrides(self, **values: object) -> Settings:
        merged = {**{f.name: getattr(self, f.name) for f in fields(self)}, **values}
        return _validated(Settings(**merged))  # type: ignore[arg-type]


_CHOICES = {
    "store": ("sqlite", "dynamodb"),
    "sms_transport": ("outbox", "sns", "smsru", "twilio"),
    "email_transport": ("outbox", "ses", "smtp"),
    "smtp_security": ("starttls", "ssl", "none"),
    "reward_provider": ("manual", "reloadly"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
    "fanout": ("inline", "lambda"),
    "whatsapp_transport": ("outbox", "cloud"),
    "telegram_transport": ("outbox", "bot"),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``FUNNEL_*`` variables (and ``PORT``), failing loudly on a bad value."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in fields(Settings):
        raw = env.get(PREFIX + field.name.upper())
        if field.name == "port":
            raw = env.get("PORT", raw)
        if field.name == "lambda_function":
            raw = env.get("AWS_LAMBDA_FUNCTION_NAME", raw)  # set by Lambda itself
        if raw is None or raw == "":
            continue
        if field.type == "bool":
            if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ConfigError(f"{PREFIX}{field.name.upper()} must be true or false, got {raw!r}")
            values[field.name] = raw.strip().lower() in ("1", "true", "yes")
        elif field.type == "int":
            try:
                values[field.name] = int(raw)
            except ValueError:
                raise ConfigError(f"{PREFIX}{field.name.upper()} must be a whole number, got {raw!r}") from None
        else:
            values[field.name] = raw.strip()
    return _validated(replace(Settings(), **values))


def _validated(settings: Settings) -> Settings:
    for name, allowed in _CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed:
            raise ConfigError(f"{PREFIX}{name.upper()} must be one of {', '.join(allowed)}, got {value!r}")
    if not settings.public_url.startswith(("https://", "http://")):
        raise ConfigError(f"{PREFIX}PUBLIC_URL must be an http(s) URL, got {settings.public_url!r}")
    needed = {"smsru": ("smsru_api_id",), "twilio": ("twilio_account_sid", "twilio_auth_token", "twilio_from")}
    for name in needed.get(settings.sms_transport, ()):
        if not getattr(settings, name):
            raise ConfigError(f"{PREFIX}{name.upper()} is required with {PREFIX}SMS_TRANSPORT={settings.sms_transport}")
    for name in ("reloadly_client_id", "reloadly_client_secret") if settings.reward_provider == "reloadly" else ():
        if not getattr(settings, name):
            raise ConfigError(f"{PREFIX}{name.upper()} is required with {PREFIX}REWARD_PROVIDER=reloadly")
    if settings.email_transport == "smtp" and not settings.smtp_host:
        raise ConfigError(f"{PREFIX}SMTP_HOST is required with {PREFIX}EMAIL_TRANSPORT=smtp")
    if settings.fanout == "lambda" and not settings.lambda_function:
        raise ConfigError(f"{PREFIX}FANOUT=lambda needs the function's name (AWS_LAMBDA_FUNCTION_NAME)")
    if settings.telegram_bot and not TELEGRAM_BOT.match(settings.telegram_bot):
        raise ConfigError(f"{PREFIX}TELEGRAM_BOT must be the bot's username (…bot), got {settings.telegram_bot!r}")
    if settings.telegram_webhook_secret and not WEBHOOK_SECRET.match(settings.telegram_webhook_secret):
        raise ConfigError(f"{PREFIX}TELEGRAM_WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    if not 1 <= settings.token_days <= 90:
        raise ConfigError(f"{PREFIX}TOKEN_DAYS must be between 1 and 90, got {settings.token_days}")
    if not 30 <= settings.claim_seconds <= 3600:
        raise ConfigError(f"{PREFIX}CLAIM_SECONDS must be between 30 and 3600, got {settings.claim_seconds}")
    if not 1 <= settings.dispatch_workers <= 64:
        raise ConfigError(f"{PREFIX}DISPATCH_WORKERS must be between 1 and 64, got {settings.dispatch_workers}")
    if not 1 <= settings.workers <= 32:
        raise ConfigError(f"{PREFIX}WORKERS must be between 1 and 32, got {settings.workers}")
    if not 1 <= settings.threads <= 64:
        raise ConfigError(f"{PREFIX}THREADS must be between 1 and 64, got {settings.threads}")
    if not 1 <= settings.port <= 65535:
        raise ConfigError(f"PORT must be a TCP port, got {settings.port}")
    return settings


@dataclass(frozen=True)
class Deployment:
    """One stage of ``zappa_settings.json``, as ``init`` prepares it: the function's settings, its region and
    the imports bucket its S3 event names. The file is the one place a clinic fills in."""

    stage: str
    region: str
    function: str
    imports_bucket: str
    settings: Settings


def load_deployment(stage: str, path: Path = Path("zappa_settings.json"),
                    environ: Mapping[str, str] | None = None) -> Deployment:
    """The stage's settings (``extends`` followed) over the environment, in the stage's region."""
    try:
        every = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from None
    config: dict = {}
    name, seen = stage, set()
    while name:
        if name not in every or name in seen:
            raise ConfigError(f"{path} has no stage {name!r} (it has {', '.join(sorted(every))})")
        seen.add(name)
        config = {**every[name], **config}
        name = every[name].get("extends", "")
    config.pop("extends", None)
    region = config.get("aws_region", "")
    if not region:
        raise ConfigError(f"{path}: stage {stage!r} names no aws_region")
    # Zappa names the function <project>-<stage>; the scheduled run starts tasks on it by that name.
    function = re.sub(r"[^A-Za-z0-9-]+", "-", f"{config.get('project_name', 'otklik')}-{stage}")
    buckets = [e["event_source"]["arn"].split(":::")[-1] for e in config.get("events", [])
               if e.get("event_source", {}).get("arn", "").startswith("arn:aws:s3:::")]
    env = {**(os.environ if environ is None else environ), **config.get("environment_variables", {}),
           "FUNNEL_AWS_REGION": region, "FUNNEL_LAMBDA_FUNCTION": function}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    return Deployment(stage=stage, region=region, function=function, imports_bucket=buckets[0] if buckets else "",
                      settings=load_settings(env))
