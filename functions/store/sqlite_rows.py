"""Records to SQLite rows and back: times as ISO text, flags as 0/1, maps as JSON."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from datetime import datetime
from functools import cache

from functions.store.base import iso, parse_time


def row_values(record: object) -> dict:
    """Turn a record into column values: times as ISO text, flags as 0/1, maps as JSON."""
    values = {}
    for name in _names(type(record)):
        value = getattr(record, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, dict):
            value = json.dumps(value)
        values[name] = value
    return values


# How each field is read back from its column; worked out once per record type (a request reads several rows).
_TIME, _FLAG, _MAYBE_FLAG, _MAP, _PLAIN = range(5)


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@cache
def _kinds(cls: type) -> tuple[tuple[str, int], ...]:
    def kind(annotation: str) -> int:
        if "datetime" in annotation:
            return _TIME
        if annotation == "bool":
            return _FLAG
        if annotation == "bool | None":
            return _MAYBE_FLAG
        return _MAP if annotation.startswith("dict") else _PLAIN

    return tuple((f.name, kind(str(f.type))) for f in fields(cls))


def to_record(cls: type, row: sqlite3.Row):
    columns = dict(zip(row.keys(), row, strict=True))  # a Row finds a column by name with a linear search
    values = {}
    for name, kind in _kinds(cls):
        value = columns[name]
        if kind == _PLAIN or (value is None and kind != _FLAG):
            pass
        elif kind == _TIME:
            value = parse_time(value)
        elif kind == _MAP:
            value = json.loads(value) if isinstance(value, str) else value
        else:
            value = bool(value)
        values[name] = value
    return cls(**values)
