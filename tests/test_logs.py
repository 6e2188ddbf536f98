"""Logs carry no phone numbers and no invite tokens."""

from __future__ import annotations

import json
import logging
import sys

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


@pytest.mark.parametrize("line,secret", [
    ("POST /api/v1/visits Authorization: Bearer otk_0123456789ab_Zm9vYmFyYmF6cXV4", "Zm9vYmFyYmF6cXV4"),
    ("key otk_0123456789ab_s3cr3t-s3cr3t_s3cr3t rejected", "s3cr3t"),
    ('{"headers": {"Authorization": "Basic dXNlcjpwYXNz"}}', "dXNlcjpwYXNz"),
    ("twilio auth_token=abcdef0123456789 failed", "abcdef0123456789"),
    ("Cookie: session=eyJjc3JmIjoi.Zz9", "eyJjc3JmIjoi"),
])
def test_keys_and_credentials_are_masked(line, secret) -> None:
    assert secret not in redact(line)


def test_an_api_key_keeps_its_id() -> None:
    assert "otk_0123456789ab_<secret>" in redact("key otk_0123456789ab_Zm9vYmFyYmF6cXV4 revoked")


def test_on_lambda_each_record_is_one_json_line_with_the_request_id() -> None:
    from functions.logs import JsonLines, request_id

    token = request_id.set("0f4c1c1e-aaaa-bbbb-cccc-123456789012")
    try:
        try:
            raise ValueError("no visit for +79161234567\nsecond line")
        except ValueError:
            record = logging.LogRecord("functions.x", logging.ERROR, __file__, 1, "sent to %s", ("+79161234567",),
                                       sys.exc_info())
        line = JsonLines().format(record)
    finally:
        request_id.reset(token)
    assert "\n" not in line and "+79161234567" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "0f4c1c1e-aaaa-bbbb-cccc-123456789012"
    assert (entry["level"], entry["message"]) == ("ERROR", "sent to <phone>")
    assert "ValueError: no visit for <phone>" in entry["error"]


def test_what_a_library_prints_becomes_masked_log_lines(caplog) -> None:
    import contextlib

    from functions.logs import PrintedLines

    printed = PrintedLines(logging.getLogger("print"))
    with caplog.at_level(logging.INFO, logger="print"), contextlib.redirect_stdout(printed):
        print("Result of functions.jobs.dispatch_one_clinic:")
        print({"to": "+79161234567"}, end="")
        printed.flush()
    for record in caplog.records:
        RedactingFilter().filter(record)  # what every handler's filter does to it
    assert [r.getMessage() for r in caplog.records] == [
        "Result of functions.jobs.dispatch_one_clinic:", "{'to': '<phone>'}"]
