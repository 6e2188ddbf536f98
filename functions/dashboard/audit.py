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


MONEY_FIELDS = ("reward.amount_minor", "reward.monthly_budget_minor", "amount_minor")
SECRET_PARTS = ("whatsapp", "telegram")  # channel settings hold encrypted tokens: said changed, never shown


def _flat(doc: dict) -> dict[str, object]:
    """The document as "field" or "section.field" paths (platforms apart: they are compared by id)."""
    flat: dict[str, object] = {}
    for key, value in doc.items():
        if key == "platforms":
            continue
        if isinstance(value, dict) and key not in SECRET_PARTS:
            for sub, inner in value.items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def _value(path: str, value: object, words: dict) -> str:
    from functions.dashboard.formats import rubles

    said = words["values"]
    if value is None or value == "" or value == [] or value == {}:
        return said["empty"]
    if path.split(".")[0] in SECRET_PARTS:
        return said["changed"]
    if isinstance(value, bool):
        return said["yes"] if value else said["no"]
    if path in MONEY_FIELDS and isinstance(value, int):
        return rubles(value)
    if isinstance(value, dict) and "directors" in value:
        return ", ".join(value["directors"])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return said["changed"]
    named = said.get(path) or said.get(path.split(".")[-1])
    return str(named.get(str(value), value)) if isinstance(named, dict) else str(value)


def _label(path: str, words: dict, doc: dict) -> str:
    from functions.dashboard.problems import field_label

    return words["fields"].get(path) or field_label(path, doc)


def _platforms(old: list, new: list, words: dict) -> list[tuple[str, str, str]]:
    found = []
    shape = words["values"]["platform"]
    before, after = {p.get("id"): p for p in old}, {p.get("id"): p for p in new}
    for pid in [*before, *(p for p in after if p not in before)]:
        a, b = before.get(pid), after.get(pid)
        name = (b or a or {}).get("name", pid)
        if a is None or b is None:
            shown = [shape.format(name=p.get("name", ""), url=p.get("url", "")) if p else words["values"]["empty"]
                     for p in (a, b)]
            found.append((f"Площадка «{name}»", *shown))
            continue
        for key in ("name", "url", "type", "target_share", "weight"):
            if a.get(key) != b.get(key):
                label = _label(f"platforms[{old.index(a)}].{key}", words, {"platforms": old})
                found.append((label, _value(key, a.get(key), words), _value(key, b.get(key), words)))
    kept = [p for p in before if p in after]
    if kept != [p for p in after if p in before]:
        names = {pid: (after[pid].get("name") or pid) for pid in after}
        found.append((words["fields"]["platforms.order"], ", ".join(names.get(p, p) for p in kept),
                      ", ".join(names[p] for p in after if p in before)))
    return found


def readable(what: str, before: str, after: str) -> tuple[str, list[tuple[str, str, str]]]:
    """An audit entry as the page shows it: its title, and each changed value (label, before, after); values
    that stayed the same are left out."""
    from functions.texts import catalog

    words = catalog("audit", "ru")
    old, new = json.loads(before), json.loads(after)
    found = _platforms(old.get("platforms") or [], new.get("platforms") or [], words) \
        if "platforms" in old or "platforms" in new else []
    flat_old, flat_new = _flat(old), _flat(new)
    for path in [*flat_old, *(p for p in flat_new if p not in flat_old)]:
        a, b = flat_old.get(path), flat_new.get(path)
        if a != b:
            found.append((_label(path, words, new), _value(path, a, words), _value(path, b, words)))
    return words["what"].get(what, what), found
