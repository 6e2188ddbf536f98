"""A Telegram bot through the Bot API (``POST https://api.telegram.org/bot<token>/<method>``).

Plain ``requests``, as for WhatsApp: four methods, one answer format. The token is part of every URL, so
no error of ours ever quotes a URL (``http.call`` names only the exception's type), and ``logs.redact``
masks a bot token should a library log one.
"""

from __future__ import annotations

from typing import Any

from functions.transports.base import Button, Telegram, TransportError
from functions.transports.http import json_of, post, session

API = "https://api.telegram.org/bot{token}/{method}"
# Answers that no retry can change for this chat: the member blocked the bot or deleted the chat (403),
# or the chat does not exist (400 "chat not found"). 429 (with retry_after) and 5xx pass with time.
PERMANENT_STATUS = {400, 403}


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> dict[str, Any]:
    rows = [[{"text": b.text, "url": b.url} if b.url else {"text": b.text, "callback_data": b.data} for b in row]
            for row in buttons]
    return {"inline_keyboard": rows}


class BotTelegram:
    def __init__(self, token: str, *, http: Any = None) -> None:
        self.token = token
        self.http = http or session()

    def call(self, method: str, payload: dict[str, Any]) -> Any:
        if not self.token:
            raise TransportError("Telegram: no bot token configured", permanent=True, code="no_token")
        answer = post(self.http, "Telegram", API.format(token=self.token, method=method), json=payload)
        body = json_of(answer, "Telegram")
        if body.get("ok") is True:
            return body.get("result")
        status = body.get("error_code") if isinstance(body.get("error_code"), int) else answer.status_code
        words = str(body.get("description") or f"HTTP {status}")[:300]
        raise TransportError(f"Telegram {status}: {words}", permanent=status in PERMANENT_STATUS, code=str(status))

    def send(self, message: Telegram) -> str:
        payload: dict[str, Any] = {"chat_id": message.chat_id, "text": message.text,
                                   "link_preview_options": {"is_disabled": True}}
        if message.buttons:
            payload["reply_markup"] = keyboard(message.buttons)
        result = self.call("sendMessage", payload)
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""

    def edit_buttons(self, chat_id: str, message_id: str, buttons: tuple[tuple[Button, ...], ...]) -> None:
        self.call("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": int(message_id),
                                             "reply_markup": keyboard(buttons)})

    def answer(self, callback_id: str, text: str) -> None:
        self.call("answerCallbackQuery", {"callback_query_id": callback_id, "text": text[:200]})

    def set_webhook(self, url: str, secret: str) -> None:
        """Point the bot at our webhook; Telegram then sends ``secret`` in X-Telegram-Bot-Api-Secret-Token."""
        self.call("setWebhook", {"url": url, "secret_token": secret, "allowed_updates": ["message", "callback_query"]})

    def username(self) -> str:
        result = self.call("getMe", {})
        return str(result.get("username", "")) if isinstance(result, dict) else ""
