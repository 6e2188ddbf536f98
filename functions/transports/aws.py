"""boto3 clients, made on first use (never at import) and pointed where configuration says.

Every client takes an optional endpoint URL, so the same code runs against DynamoDB-, SES-
and SNS-compatible services of other clouds (e.g. YDB's Document API, Yandex Cloud Postbox).
"""

from __future__ import annotations

from typing import Any

from functions.config import Settings


def client(service: str, settings: Settings) -> Any:
    import boto3

    endpoint = {
        "dynamodb": settings.dynamodb_endpoint,
        "sesv2": settings.ses_endpoint,
        "sns": settings.sns_endpoint,
        "s3": settings.s3_endpoint,
    }.get(service, "")
    kwargs: dict[str, Any] = {}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    if settings.aws_region:
        kwargs["region_name"] = settings.aws_region
    return boto3.client(service, **kwargs)
