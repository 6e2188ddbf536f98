"""The outbox: a real transport that records messages instead of sending them.

Used by the embedded mode and the demo; ``/outbox`` shows what would have been sent.
One JSON object per line, appended under a file lock so two processes never interleave.
"""

from __future__ import annotations

import fcntl
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

from functions.transports.base import Button, Email, Sms, Telegram, WhatsApp


class Outbox:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def record(self, kind: str, payload: dict) -> str:
        message_id = f"outbox-{secrets.token_hex(8)}"
        entry = {"id": message_id, "kind": kind, "at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return message_id

    def messages(self, kind: str | None = None) -> list[dict]:
        """Everything recorded, newest first."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as source:
            fcntl.flock(source, fcntl.LOCK_SH)
            entries = [json.loads(line) for line in source if line.strip()]
        return [e for e in reversed(entries) if kind is None or e["kind"] == kind]


class OutboxSms:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def send(self, sms: Sms) -> str:
        return self.outbox.record("sms", {"to": sms.to, "sender_id": sms.sender_id, "text": sms.text})

    def find_sent(self, sms: Sms, since: datetime) -> str | None:
        # The text carries the invite's own link, so recipient and text identify the message.
        for entry in self.outbox.messages("sms"):
            if entry["to"] == sms.to and entry["text"] == sms.text:
                return entry["id"]
        return None


class OutboxEmail:
    def __init__(self, outbox: Outbox, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    def send(self, email: Email) -> str:
        return self.outbox.record("email", {
            "from": self.sender, "to": list(email.to), "reply_to": list(email.reply_to),
            "subject": email.subject, "text": email.text, "html": email.html,
            **({"unsubscribe": email.unsubscribe} if email.unsubscribe else {})})


class OutboxWhatsApp:
    """Records what the clinic's WhatsApp number would send: the template and its values, or the text."""

    def __init__(self, outbox: Outbox, number: str) -> None:
        self.outbox = outbox
        self.number = number

    @staticmethod
    def _payload(message: WhatsApp) -> dict:
        if message.free_form:
            return {"to": message.to, "text": message.text}
        return {"to": message.to, "template": message.template, "language": message.language,
                "params": list(message.params), "button": message.button}

    def send(self, message: WhatsApp) -> str:
        return self.outbox.record("whatsapp", {"from": self.number, **self._payload(message)})

    def find_sent(self, message: WhatsApp, since: datetime) -> str | None:
        wanted = self._payload(message)
        for entry in self.outbox.messages("whatsapp"):
            if all(entry.get(k) == v for k, v in wanted.items()):
                return entry["id"]
        return None


def _rows(buttons: tuple[tuple[Button, ...], ...]) -> list[list[dict]]:
    return [[{"text": b.text, "data": b.data, "url": b.url} for b in row] for row in buttons]


class OutboxTelegram:
    """Records what the clinic's bot would say: messages with their buttons, changed buttons, answers to presses."""

    def __init__(self, outbox: Outbox, bot: str) -> None:
        self.outbox = outbox
        self.bot = bot

    def send(self, message: Telegram) -> str:
        return self.outbox.record("telegram", {"bot": self.bot, "to": message.chat_id, "text": message.text,
                                               "buttons": _rows(message.buttons)})

    def edit_buttons(self, chat_id: str, message_id: str, buttons: tuple[tuple[Button, ...], ...]) -> None:
        self.outbox.record("telegram", {"bot": self.bot, "to": chat_id, "edit_of": message_id, "text": "",
                                        "buttons": _rows(buttons)})

    def answer(self, callback_id: str, text: str) -> None:
        self.outbox.record("telegram", {"bot": self.bot, "to": "", "answer_to": callback_id, "text": text,
                                        "buttons": []})
