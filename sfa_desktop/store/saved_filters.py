"""Saved filters: named sets of column filters (and the search text and sort) of one record list, kept on
this laptop ("My leads not contacted in 14 days").  Relative dates stay relative: they are applied each
time the filter is used (see ``store.filters``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.store.filters import ColumnFilter, FilterError

# The migrations hold this DDL (and the triggers' below) as pasted text; see store.capture.
SAVED_FILTERS_DDL = (
    """
    CREATE TABLE saved_filters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, name)
    )
    """,
)
MAX_NAME = 80


@dataclass(frozen=True)
class SavedFilter:
    kind: str
    name: str
    filters: tuple[ColumnFilter, ...] = ()
    text: str = ""
    sort: str | None = None
    descending: bool = False
    id: int | None = field(default=None, compare=False)

    def definition(self) -> str:
        return json.dumps(
            {
                "filters": [f.to_json() for f in self.filters],
                "text": self.text,
                "sort": self.sort,
                "descending": self.descending,
            }
        )


def _from_row(row: Any) -> SavedFilter:
    data = json.loads(row.definition)
    return SavedFilter(
        row.kind,
        row.name,
        tuple(ColumnFilter.from_json(f) for f in data.get("filters", [])),
        str(data.get("text") or ""),
        data.get("sort"),
        bool(data.get("descending")),
        row.id,
    )


def saved(conn: Connection, kind: str) -> list[SavedFilter]:
    """This list's saved filters, by name."""
    rows = conn.execute(
        text(
            "SELECT id, kind, name, definition FROM saved_filters WHERE kind = :k "
            "ORDER BY name COLLATE NOCASE"
        ),
        {"k": kind},
    )
    return [_from_row(r) for r in rows]


def get(conn: Connection, kind: str, name: str) -> SavedFilter:
    row = conn.execute(
        text(
            "SELECT id, kind, name, definition FROM saved_filters WHERE kind = :k "
            "AND name = :n COLLATE NOCASE"
        ),
        {"k": kind, "n": name.strip()},
    ).first()
    if row is None:
        names = ", ".join(f.name for f in saved(conn, kind)) or "none yet"
        raise FilterError(f"There is no saved filter '{name}' for {kind}; saved: {names}.")
    return _from_row(row)


def save(conn: Connection, item: SavedFilter) -> SavedFilter:
    """Save (or replace, by name) a filter; the name must be given and short."""
    name = " ".join(item.name.split())
    if not name:
        raise FilterError("Give the filter a name.")
    if len(name) > MAX_NAME:
        raise FilterError(f"A filter's name is at most {MAX_NAME} characters long.")
    conn.execute(
        text(
            "INSERT INTO saved_filters (kind, name, definition, created_at) VALUES (:k, :n, :d, :t) "
            "ON CONFLICT (kind, name) DO UPDATE SET definition = excluded.definition, name = excluded.name"
        ),
        {"k": item.kind, "n": name, "d": item.definition(), "t": dt.datetime.now(dt.UTC).isoformat()},
    )
    return get(conn, item.kind, name)


def delete(conn: Connection, kind: str, name: str) -> None:
    result = conn.execute(
        text("DELETE FROM saved_filters WHERE kind = :k AND name = :n COLLATE NOCASE"), {"k": kind, "n": name}
    )
    if not result.rowcount:
        raise FilterError(f"There is no saved filter '{name}' for {kind}.")
