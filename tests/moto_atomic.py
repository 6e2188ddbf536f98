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
