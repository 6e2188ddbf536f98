"""What both store backends share: the answers of ``save_visit``, the every-clinic opt-out scope, the
refused phone claim, and how times are kept as text. The interfaces are in ``protocol.py``."""

from __future__ import annotations

from datetime import UTC, datetime

# What ``save_visit`` reports, so imports can say what they did.
CREATED = "created"
UPDATED = "updated"


# Opt-outs under this scope hold for every clinic: a STOP reply to the shared sender.
EVERY_CLINIC = "*"


class PhoneRecentlyInvited(Exception):
    """The claim was refused: another visit of this phone was invited by this clinic too recently."""


def directory_entry(config: dict) -> tuple[str, str]:
    """The timezone and sending window a clinic document names (defaults where it names none)."""
    return config.get("timezone", "Europe/Moscow"), (config.get("sending") or {}).get("window", "10:00-21:00")


def iso(moment: datetime | None) -> str | None:
    """Serialise a time as fixed-width UTC ISO text, so text order is time order."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
