"""The dashboard's audit: who changed what, when, with the values before and after, and how a person reads it.

Every change an owner makes (settings, platforms, members, payments marked) is one entry. The page shows
each changed value under the label its form gives it, before → after, and nothing that stayed the same.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from functions.services import Services
from functions.store.records import AuditEntry


def record(services: Services, clinic_id: str, who: str, what: str, before: dict, after: dict,
           now: datetime) -> None:
    services.store.add_audit(AuditEntry(
        clinic_id=clinic_id, entry_id=f"{now.isoformat()}-{secrets.token_hex(3)}", at=now, who=who, what=what,
        before=json.dumps(before, ensure_ascii=False, sort_keys=True),
        after=json.dumps(after, ensure_ascii=False, sort_keys=True)))
