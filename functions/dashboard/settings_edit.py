"""Changing a clinic from the dashboard: form fields into the clinic document, validated whole, audited.

Every change goes through ``parse_clinic`` (the same validation as the CLI), and is recorded with who
made it, when, and the document before and after.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime

from functions.clinics.clinic import Clinic, ClinicError, parse_clinic
from functions.clinics.platforms import PLATFORM_TYPES, TYPE_NAMES
from functions.dashboard.audit import record
from functions.invites.text import invite_problems
from functions.services import Services

MONEY = re.compile(r"^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$")


def _whole(text: str) -> int | str:
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,12}", text) else text


def _money(text: str) -> int | str:
    found = MONEY.match(text)
    if not found:
        return text.strip()  # the validator names the field
    rubles, kopecks = found.groups()
    return int(rubles) * 100 + int((kopecks or "0").ljust(2, "0"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,;]+", text) if line.strip()]


def _branches(text: str) -> dict:
    found = {}
    for line in text.splitlines():
        name, _, emails = line.partition(":")
        if name.strip():
            found[name.strip()] = {"directors": _lines(emails)}
    return found


def general_settings(doc: dict, form: Mapping[str, str]) -> dict:
    """The clinic document with the settings form's fields applied (platforms are changed apart)."""
    new = json.loads(json.dumps(doc))
    for key in ("name", "timezone", "locale", "policy", "primary", "director_name", "phone", "sender_id"):
        if key in form:
            new[key] = form[key].strip()
    for key in ("threshold", "case_reminder_hours", "alert_wait_minutes"):
        if key in form:
            new[key] = _whole(form[key])
    if "name" in form:  # the checkbox arrives only when ticked: read it with the rest of the form
        new["consent_default"] = form.get("consent_default") == "on"
    offers = {key[len("offer-"):]: " ".join(value.split()) for key, value in form.items() if key.startswith("offer-")}
    if offers:
        new["offers"] = {kind: text for kind, text in offers.items() if text}
    if "directors" in form:
        new["directors"] = _lines(form["directors"])
    if "branches" in form:
        new["branches"] = _branches(form["branches"])
    reward = new.setdefault("reward", {})
    if "reward_amount" in form:
        reward["amount_minor"] = _money(form["reward_amount"])
    if "monthly_budget" in form:
        reward["monthly_budget_minor"] = _money(form["monthly_budget"] or "0")
    for key in ("per_phone_days", "pay_days"):
        if key in form:
            reward[key] = _whole(form[key])
    if "earned_by" in form:
        reward["earned_by"] = form["earned_by"]
    sending = new.setdefault("sending", {})
    for key in ("delay_minutes", "reminders", "reminder_hours", "repeat_days", "daily_cap"):
        if key in form:
            sending[key] = _whole(form[key])
    if "window" in form:
        sending["window"] = form["window"].strip()
    if "template" in form:
        sending["template"] = form["template"].strip()
    if "window" in form:  # the checkboxes arrive only when ticked: read them with the rest of the form
        sending["next_morning"] = form.get("next_morning") == "on"
        sending["details"] = form.get("details") == "on"
    return new


def _platform_id(doc: dict, ptype: str) -> str:
    taken = {p.get("id") for p in doc.get("platforms", [])}
    base = ptype.replace("_", "-")
    return base if base not in taken else f"{base}-{secrets.token_hex(2)}"


def platform_change(doc: dict, form: Mapping[str, str]) -> dict:
    """Add, remove, move or re-share the review platforms; the result is validated by the caller."""
    new = json.loads(json.dumps(doc))
    platforms: list[dict] = new.get("platforms", [])
    action, pid = form.get("action", ""), form.get("platform", "")
    index = next((n for n, p in enumerate(platforms) if p.get("id") == pid), None)
    if action == "add":
        ptype = form.get("type", "custom")
        ptype = ptype if ptype in PLATFORM_TYPES else "custom"
        item: dict = {"id": _platform_id(new, ptype), "type": ptype,
                      "name": form.get("name", "").strip() or TYPE_NAMES[ptype], "url": form.get("url", "").strip()}
        if form.get("target_share", "").strip():
            item["target_share"] = _whole(form["target_share"])
        platforms.append(item)
    elif action == "remove" and index is not None:
        platforms.pop(index)
    elif action in ("up", "down") and index is not None:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(platforms):
            platforms[index], platforms[other] = platforms[other], platforms[index]
    elif action == "shares":
        for item in platforms:
            share = form.get(f"share-{item.get('id')}", "").strip()
            if share:
                item["target_share"] = _whole(share)
            else:
                item.pop("target_share", None)
    new["platforms"] = platforms
    return new


def custom_warning(doc: dict) -> bool:
    return any(p.get("type") == "custom" for p in doc.get("platforms", []))


# Platforms whose rules forbid asking only satisfied customers for reviews ("review gating").
NO_GATING = ("google",)


def gating_forbidden(doc: dict) -> list[str]:
    """The names of the platforms a ``gated`` policy breaks the rules of (none under ``open``)."""
    if doc.get("policy", "gated") != "gated":
        return []
    return [p.get("name", "") for p in doc.get("platforms", []) if p.get("type") in NO_GATING]


def save_change(services: Services, clinic: Clinic, new_doc: dict, who: str, what: str, now: datetime) -> Clinic:
    """Validate and store the new document, and audit it; ``ClinicError`` (nothing stored) when invalid."""
    new_doc = {**new_doc, "id": clinic.id}  # the id is not the form's to change
    changed = parse_clinic(new_doc)
    if (changed.sending.template, changed.name) != (clinic.sending.template, clinic.name):
        problems = invite_problems(changed, services.settings.link_base)
        if problems:
            raise ClinicError(problems)
    before = clinic.to_doc()
    after = changed.to_doc()
    if before == after:
        return changed
    services.store.put_clinic(clinic.id, after, now)
    record(services, clinic.id, who, what, before, after, now)
    return changed
