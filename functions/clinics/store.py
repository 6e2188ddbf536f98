"""What the clinic configuration asks of the store."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ClinicStore(Protocol):
    # Clinics: the configuration is a validated JSON document (see clinics.py).
    def put_clinic(self, clinic_id: str, config: dict, now: datetime) -> None: ...
    def get_clinic(self, clinic_id: str) -> dict | None: ...
    # (version, document) of a clinic; the document is None when ``known_version`` is still current, so a
    # process keeps its parsed copy; None when there is no such clinic. Every change raises the version.
    def get_clinic_since(self, clinic_id: str, known_version: int) -> tuple[int, dict | None] | None: ...
    def list_clinic_ids(self) -> list[str]: ...
    # Every clinic's id, timezone and sending window ("10:00-21:00"): what the scheduler needs to
    # find the clinics that are due, without loading each configuration.
    def clinic_directory(self) -> list[tuple[str, str, str]]: ...
