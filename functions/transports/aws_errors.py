"""One mapping from botocore's errors to ``TransportError`` for the AWS transports: permanent or not, and why.

Only a fault the same message can never get past is permanent. Everything an operator or time fixes —
throttling and quotas, an unverified sender or (in the SES sandbox) recipient, a paused account, a role
without the permission — is passing: the send is retried with backoff and the reason is shown meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from functions.transports.base import TransportError

# Why a send is waiting (or failed), as the case, ``cases list`` and the dashboard name it.
THROTTLED = "throttled"
SENDER_UNVERIFIED = "sender_unverified"
RECIPIENT_UNVERIFIED = "recipient_unverified"
PAUSED = "paused"
NOT_PERMITTED = "not_permitted"
UNREACHABLE = "unreachable"
REJECTED = "rejected"
OTHER = "other"

THROTTLING = {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException",
              "RequestLimitExceeded", "ThrottledException"}
PAUSING = {"AccountSuspendedException", "SendingPausedException", "AccountSendingPausedException",
           "ConfigurationSetSendingPausedException"}
REFUSED = {"AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId",
           "ExpiredToken", "ExpiredTokenException", "AuthorizationError", "SignatureDoesNotMatch"}
UNVERIFIED_SENDER = {"MailFromDomainNotVerifiedException", "MailFromDomainNotVerified"}


def classify_ses(code: str, message: str, sender: str) -> tuple[bool, str]:
    """(permanent, reason) for an SES error. ``MessageRejected`` is mostly an identity not verified yet
    (the sender, or any recipient while the account is in the sandbox): the operator verifies it and the
    next attempt goes out. Only a malformed request, or a message SES refuses for its content, is final."""
    if code in UNVERIFIED_SENDER:
        return False, SENDER_UNVERIFIED
    lowered = message.lower()
    if code == "MessageRejected" and "not verified" in lowered:
        # SES lists the identities that failed the check; when the sender is among them, fix that first.
        address = parseaddr(sender)[1].lower()
        domain = address.rpartition("@")[2]
        named = set(re.split(r"[\s,:<>]+", lowered))
        return False, SENDER_UNVERIFIED if address in named or domain in named else RECIPIENT_UNVERIFIED
    if code in ("MessageRejected", "BadRequestException"):
        return True, REJECTED
    return False, passing_reason(code)


def classify_sns(code: str, message: str) -> tuple[bool, str]:
    """(permanent, reason) for an SNS error: only a malformed request (a number SNS cannot take) is final."""
    if code in ("InvalidParameter", "InvalidParameterValue", "ValidationError"):
        return True, REJECTED
    return False, passing_reason(code)


def passing_reason(code: str) -> str:
    if code in THROTTLING:
        return THROTTLED
    if code in PAUSING:
        return PAUSED
    if code in REFUSED:
        return NOT_PERMITTED
    return OTHER


def call_aws(label: str, classify: Callable[[str, str], tuple[bool, str]], call: Callable[..., dict],
             **request: Any) -> dict:
    """Make the call; on an error, ``classify(code, message)`` says whether it is final and why."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(**request)
    except ClientError as err:
        error = err.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        permanent, reason = classify(code, message)
        raise TransportError(f"{label} {code}: {message or err}", permanent=permanent, reason=reason) from None
    except BotoCoreError as err:
        raise TransportError(f"{label} unreachable: {err}", reason=UNREACHABLE) from None
