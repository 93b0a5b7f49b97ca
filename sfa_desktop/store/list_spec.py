"""What a record list is made of: its columns (the SQL shown, sorted and filtered) and its source.

The plain definitions that ``store.lists`` (the lists themselves, as SQL) and ``store.filters`` (column
filters over a list's columns) both read; they import this module, not each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    expr: str  # SQL for the value shown
    sort: str  # SQL for ordering (NOCASE for text)
    kind: str = "text"  # text | money | date | datetime | phone | int
    #: Values a choice column takes (filtered by "is"); a reference column's table (filtered by id).
    choices: tuple[str, ...] = ()
    ref: str | None = None
    #: SQL a filter compares with, when not the shown value (a reference column: the id).
    filter_expr: str | None = None


@dataclass(frozen=True)
class ListSpec:
    kind: str
    source: str  # FROM ... (alias r for the record table)
    columns: tuple[Column, ...]
    #: Equality filters a list may apply: filter key -> SQL column.
    filters: Mapping[str, str]
    default_sort: str
    text_filter_like: tuple[str, ...] = ()  # for kinds without FTS: columns searched with LIKE
    #: Brings derived data the list shows up to date before ids are listed (lead scores).
    prepare: Callable[[Connection], None] | None = None
    #: Columns a list is filtered by but does not show (a report's territories on the leads list).
    filter_only: tuple[Column, ...] = ()

    def column(self, key: str) -> Column:
        """A column shown, or one only filtered by."""
        for column in (*self.columns, *self.filter_only):
            if column.key == key:
                return column
        raise KeyError(f"{self.kind} lists have no column {key!r}; known: {[c.key for c in self.columns]}")
