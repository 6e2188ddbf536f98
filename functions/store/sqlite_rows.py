"""Records to SQLite rows and back: times as ISO text, flags as 0/1, maps as JSON."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from datetime import datetime

from functions.store.base import iso, parse_time


def row_values(record: object) -> dict:
    """Turn a record into column values: times as ISO text, flags as 0/1, maps as JSON."""
    values = {}
    for f in fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, dict):
            value = json.dumps(value)
        values[f.name] = value
    return values


def to_record(cls: type, row: sqlite3.Row):
    values = {}
    for f in fields(cls):
        value = row[f.name]
        if "datetime" in str(f.type) and value is not None:
            value = parse_time(value)
        elif f.type == "bool" or (f.type == "bool | None" and value is not None):
            value = bool(value)
        elif str(f.type).startswith("dict") and isinstance(value, str):
            value = json.loads(value)
        values[f.name] = value
    return cls(**values)
