"""One mapping from botocore's errors to ``TransportError`` for the AWS transports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.transports.base import TransportError


def call_aws(label: str, permanent_codes: set[str], call: Callable[..., dict], **request: Any) -> dict:
    """Make the call; an error code in ``permanent_codes`` is final, anything else passes with time."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(**request)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        raise TransportError(f"{label} {code}: {err}", permanent=code in permanent_codes) from None
    except BotoCoreError as err:
        raise TransportError(f"{label} unreachable: {err}") from None
