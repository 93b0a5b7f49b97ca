"""Values as they travel: the laptop's SQLite representation (what the outbox JSON holds) <-> Python values
for the central store's column types.

On the wire a datetime is naive-UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``, a date ``YYYY-MM-DD``, a boolean 0/1:
exactly what SQLite stores locally, so comparing a server value with an outbox entry's old value is exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime

from sfa_desktop.core.records.models import UTCDateTime


def _kind(column: Column[Any]) -> str:
    t = column.type
    if isinstance(t, UTCDateTime | DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Boolean):
        return "bool"
    return "plain"


_KINDS: dict[tuple[str, str], str] = {}


def kind_of(table: str, column: Column[Any]) -> str:
    key = (table, column.name)
    if key not in _KINDS:
        _KINDS[key] = _kind(column)
    return _KINDS[key]


def to_wire(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        if isinstance(value, str):
            return value
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if kind == "date":
        return value if isinstance(value, str) else value.isoformat()
    if kind == "bool":
        return int(bool(value))
    return value


def from_wire(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if kind == "date":
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if kind == "bool":
        return bool(value)
    return value
