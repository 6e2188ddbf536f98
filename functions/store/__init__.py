"""The store seam: ``open_store(settings)`` picks the backend named by configuration."""

from __future__ import annotations

from functions.config import Settings
from functions.store.base import CREATED, UPDATED
from functions.store.protocol import Store
from functions.store.records import ApiKey, Case, Contact, Invite, Reward, Visit

__all__ = ["CREATED", "UPDATED", "ApiKey", "Case", "Contact", "Invite", "Reward", "Store", "Visit", "open_store"]


def open_store(settings: Settings) -> Store:
    if settings.store == "dynamodb":
        from functions.store.dynamodb import DynamoStore
        from functions.transports.aws import client

        return DynamoStore(client("dynamodb", settings), settings.dynamodb_table)
    from functions.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path)
