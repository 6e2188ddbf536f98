"""A clinic's WhatsApp and Telegram settings, from its JSON document.

Secrets never stand in the document as they are: a field holds ``enc:…`` (made by ``python -m functions
channels encrypt``) or is left out, and the deployment's environment value is used (``FUNNEL_WHATSAPP_TOKEN``…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What each message's template may fill its {{1}}, {{2}}… with, in the order the clinic lists them.
TEMPLATE_VALUES = {
    "invite": ("clinic", "link", "reward", "doctor", "service"),
    "invite_plain": ("clinic", "link", "doctor", "service"),  # when no reward is promised
    "reminder": ("clinic", "link", "reward"),
    "reply": ("clinic", "text", "director", "phone"),
    "care": ("clinic", "link", "text"),
    "test": ("clinic",),
}
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
PHONE_NUMBER_ID = re.compile(r"^\d{5,20}$")
BOT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,30}[Bb][Oo][Tt]$")
ENCRYPTED = "enc:"


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    params: tuple[str, ...] = ()
    button: bool = False  # the template has a URL button whose dynamic end is the link's path

    def to_doc(self) -> dict:
        return {"name": self.name, "language": self.language, "params": list(self.params), "button": self.button}


@dataclass(frozen=True)
class WhatsAppSettings:
    phone_number_id: str
    templates: dict = field(default_factory=dict, compare=False)  # message kind -> Template
    access_token: str = ""  # "enc:…", or "" for FUNNEL_WHATSAPP_TOKEN
    app_secret: str = ""  # checks X-Hub-Signature-256; "" for FUNNEL_WHATSAPP_APP_SECRET
    verify_token: str = ""  # the webhook's handshake; "" for FUNNEL_WHATSAPP_VERIFY_TOKEN

    def to_doc(self) -> dict:
        doc: dict = {"phone_number_id": self.phone_number_id,
                     "templates": {k: t.to_doc() for k, t in self.templates.items()}}
        doc.update({k: v for k, v in (("access_token", self.access_token), ("app_secret", self.app_secret),
                                      ("verify_token", self.verify_token)) if v})
        return doc


@dataclass(frozen=True)
class TelegramSettings:
    bot: str = ""  # the bot's username; "" for FUNNEL_TELEGRAM_BOT
    token: str = ""  # "enc:…", or "" for FUNNEL_TELEGRAM_TOKEN
    webhook_secret: str = ""  # "enc:…", or "" for FUNNEL_TELEGRAM_WEBHOOK_SECRET

    def to_doc(self) -> dict:
        return {k: v for k, v in (("bot", self.bot), ("token", self.token), ("webhook_secret", self.webhook_secret))
                if v}


def _secret(section: dict, key: str, where: str, problems: list[str]) -> str:
    value = section.get(key, "")
    if value in ("", None):
        return ""
    if not isinstance(value, str) or not value.startswith(ENCRYPTED) or len(value) < 40:
        # The value itself is never repeated: this message may reach a terminal, a log or an audit row.
        problems.append(f"{where}.{key}: an encrypted value from 'python -m functions channels encrypt' "
                        "(never the secret itself), or leave it out to use the deployment's")
        return ""
    return value


def _template(kind: str, value: object, problems: list[str]) -> Template | None:
    where = f"whatsapp.templates.{kind}"
    if kind not in TEMPLATE_VALUES:
        problems.append(f"{where}: unknown message; one of {', '.join(TEMPLATE_VALUES)}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{where}: {{name, language, params}}")
        return None
    name, language = value.get("name"), value.get("language", "ru")
    params = value.get("params", [])
    if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
        problems.append(f"{where}.name: the approved template's name (lowercase letters, digits, _)")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        problems.append(f"{where}.language: a language code such as ru or en_US")
    allowed = TEMPLATE_VALUES[kind]
    if not isinstance(params, list) or not all(isinstance(p, str) and p in allowed for p in params):
        problems.append(f"{where}.params: a list of {', '.join(allowed)}")
        params = []
    button = value.get("button", False)
    if not isinstance(button, bool) or (button and "link" not in TEMPLATE_VALUES[kind]):
        problems.append(f"{where}.button: true only for a message with a link")
        button = False
    return Template(str(name), str(language), tuple(params), button)


def parse_whatsapp(value: object, problems: list[str]) -> WhatsAppSettings | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append("whatsapp: {phone_number_id, templates, …}")
        return None
    number = str(value.get("phone_number_id", ""))
    if not PHONE_NUMBER_ID.match(number):
        problems.append("whatsapp.phone_number_id: the Phone number ID from WhatsApp Manager (digits)")
    raw = value.get("templates", {})
    templates: dict[str, Template] = {}
    if not isinstance(raw, dict):
        problems.append("whatsapp.templates: {message: {name, language, params}}")
        raw = {}
    for kind, spec in raw.items():
        found = _template(str(kind), spec, problems)
        if found is not None:
            templates[str(kind)] = found
    return WhatsAppSettings(number, templates, _secret(value, "access_token", "whatsapp", problems),
                            _secret(value, "app_secret", "whatsapp", problems),
                            _secret(value, "verify_token", "whatsapp", problems))


def parse_telegram(value: object, problems: list[str]) -> TelegramSettings | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append("telegram: {bot, token, webhook_secret} or {} for the deployment's bot")
        return None
    bot = value.get("bot", "")
    if bot and (not isinstance(bot, str) or not BOT.match(bot)):
        problems.append("telegram.bot: the bot's username, ending in bot")
        bot = ""
    return TelegramSettings(str(bot), _secret(value, "token", "telegram", problems),
                            _secret(value, "webhook_secret", "telegram", problems))
