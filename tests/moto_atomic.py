"""DynamoDB applies each request atomically; moto checks, copies and writes in Python without a lock.

Serialise a client's requests so overlapping threads see the service's guarantee, not moto's races
(conditional updates that both pass, transactions that deep-copy a table while another thread writes).
"""

from __future__ import annotations

import threading
from typing import Any


def serialise_requests(client: Any) -> None:
    lock = threading.Lock()
    call = client._make_api_call

    def atomic_call(operation: str, params: dict) -> Any:
        with lock:
            return call(operation, params)

    client._make_api_call = atomic_call


def copy_tables_once() -> None:
    """moto backs a transaction up by deep-copying the whole table once per item of it: 100 items
    against 1,000 visits copy 100,000 items (and a cancelled one can hold gigabytes). Copy each table
    once per transaction, which is all the rollback needs."""
    import copy
    import types

    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "copies_once", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        copies: dict[int, Any] = {}

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if id(value) not in copies:
                copies[id(value)] = (value, copy.deepcopy(value))  # keep the original alive: ids stay unique
            return copies[id(value)][1]

        models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[attr-defined]
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    transact_write_items.copies_once = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items
