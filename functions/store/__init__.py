"""The store seam: ``open_store(settings)`` picks the backend named by configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.config import Settings
from functions.store.base import CREATED, UPDATED
from functions.store.records import ApiKey, Case, Contact, Invite, Reward, Visit

if TYPE_CHECKING:
    from functions.store.protocol import Store

__all__ = ["CREATED", "UPDATED", "ApiKey", "Case", "Contact", "Invite", "Reward", "Store", "Visit", "open_store"]


def __getattr__(name: str) -> Any:
    # ``Store`` composes every stage's protocol, and each stage's protocol imports records from here: loaded
    # on first use, so importing a record never drags every stage in (nor into a half-imported one).
    if name == "Store":
        from functions.store.protocol import Store

        return Store
    raise AttributeError(name)


def open_store(settings: Settings) -> Store:
    if settings.store == "dynamodb":
        from functions.store.dynamodb import DynamoStore
        from functions.transports.aws import client

        return DynamoStore(client("dynamodb", settings), settings.dynamodb_table)
    from functions.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path)
