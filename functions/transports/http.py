"""Shared plumbing for SMS providers spoken to over HTTP: one session, bounded timeouts, error mapping."""

from __future__ import annotations

from typing import Any

from functions.transports.base import TransportError

TIMEOUT = (5, 15)  # connect, read: a hung provider must not hold a dispatch worker for long


def session() -> Any:
    import requests

    return requests.Session()


def post(http: Any, label: str, url: str, **kwargs: Any) -> Any:
    """POST, turning network trouble and server errors into transient failures."""
    return call(http, "POST", label, url, **kwargs)


def call(http: Any, method: str, label: str, url: str, **kwargs: Any) -> Any:
    """Any request, turning network trouble (a timeout too) and server errors into transient failures."""
    import requests

    try:
        answer = http.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as err:
        raise TransportError(f"{label} unreachable: {type(err).__name__}") from None
    if answer.status_code == 429 or answer.status_code >= 500:
        raise TransportError(f"{label} HTTP {answer.status_code}")
    return answer


def json_of(answer: Any, label: str) -> dict:
    try:
        body = answer.json()
    except ValueError:
        raise TransportError(f"{label} answered HTTP {answer.status_code} with no JSON") from None
    if not isinstance(body, dict):
        raise TransportError(f"{label} answered with unexpected JSON")
    return body
