"""Logs carry no phone numbers and no invite tokens."""

from __future__ import annotations

import logging

import pytest

from functions.logs import RedactingFilter, redact


@pytest.mark.parametrize("line,secret", [
    ("sent to +79161234567", "+79161234567"), ("call 8 (916) 123-45-67 today", "123-45-67"),
    ("GET /api/v1/invites/0UBKnjmt5Xf6/rating", "0UBKnjmt5Xf6"), ("GET /r/0UBKnjmt5Xf6/yandex", "0UBKnjmt5Xf6"),
    ('"GET /0UBKnjmt5Xf6 HTTP/1.1" 200', "0UBKnjmt5Xf6"),
    ('"POST /admin/signin/eyJlIjoib3duZXJAY2xpbmljLnJ1In0.aSM0Ag.Xr3Q_k-9b HTTP/1.1" 303', "eyJlIjoib3duZXJAY2xp"),
    ('https://api.telegram.org:443 "POST /bot7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage HTTP/1.1" 200',
     "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("headers {'Authorization': 'Bearer EAAGm0PX4ZCpsBAKZCZAqxYZ1'}", "EAAGm0PX4ZCpsBAKZCZAqxYZ1"),
    ("token EAAGm0PX4ZCpsBAKZCZAqxYZ1ZBZCZBdZAqk refused", "EAAGm0PX4ZCpsBAKZCZAqxYZ1ZBZCZBdZAqk"),
    ('"GET /hooks/whatsapp/c1?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=11 HTTP/1.1" 200',
     "verify-me"),
    ("open https://t.me/otklik_bot?start=Q2hhdEFuZE9uZVRpbWVDb2RlMTIz", "Q2hhdEFuZE9uZVRpbWVDb2RlMTIz"),
])
def test_secrets_are_masked(line, secret) -> None:
    assert secret not in redact(line)


@pytest.mark.parametrize("line", ["127.0.0.1 served", "2026-11-23 07:41:42 imported 1234567 rows",
                                  "GET /outbox HTTP/1.1", "telegram update for c1: linked",
                                  "whatsapp update for c1: {'statuses': 1, 'messages': 0}"])
def test_ordinary_text_is_kept(line) -> None:
    assert redact(line) == line


def test_the_filter_rewrites_records_with_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "invite to %s failed", ("+79161234567",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "invite to <phone> failed"
