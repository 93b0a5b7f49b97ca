"""A customer's whole story, newest first: activities, opportunities, orders and changes.

:func:`build` reads the local database only (so the timeline works offline) and serves both the window's
Timeline tab and ``sfa timeline``.  For an account it gathers its own and its contacts' activities, its
opportunities (created, stage changes, won or lost) and orders, and the changes to the account and its
contacts; for a contact its activities, opportunities and changes; for a lead its activities and changes
(once converted, its activities live on with the account and contact it became).  Changes come from the
change history pulled from the central store (who changed which field, from what to what, when) plus the
local changes not synced yet, read from the outbox and marked ``pending``.

Each source is one SQL query ordered by time with the limit applied, so asking for the latest 50 items of
a long story reads at most 50 rows of each kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.records.fields import ACTIVITY_KINDS, ENTITIES
from sfa_desktop.core.timeline.history import changes, opportunities
from sfa_desktop.core.timeline.sources import Context, Unsent, activities, orders
from sfa_desktop.core.timeline.values import FieldChange, parse_time

#: The kinds of item, in the order filters offer them.
KINDS = ("activities", "opportunities", "orders", "changes")
#: Which records have a timeline, and which kinds of item each shows.
TIMELINE_OF = {
    "accounts": KINDS,
    "contacts": ("activities", "opportunities", "changes"),
    "leads": ("activities", "changes"),
}
_KIND_WORDS = {
    **{kind: kind for kind in KINDS},
    "activity": "activities",
    "opportunity": "opportunities",
    "order": "orders",
    "change": "changes",
}


@dataclass(frozen=True)
class Filter:
    """Which items to show: kinds (empty: all) and, among activities, which kinds of activity (empty: all)."""

    kinds: frozenset[str] = frozenset()
    activity_kinds: frozenset[str] = frozenset()

    def wants(self, kind: str) -> bool:
        if kind == "activities" and self.activity_kinds:
            return True
        return not (self.kinds or self.activity_kinds) or kind in self.kinds

    def matches(self, item: TimelineItem) -> bool:
        """Does this item pass the filter (the same rule :func:`build` applies in SQL)?"""
        if item.kind == "activities" and self.activity_kinds:
            return item.event in self.activity_kinds
        return self.wants(item.kind)

    @classmethod
    def parse(cls, words: Iterable[str]) -> Filter:
        """``["calls", "orders"]`` or ``["call,orders"]`` -> a filter.  ValueError names an unknown word."""
        kinds: set[str] = set()
        activity_kinds: set[str] = set()
        for given in words:
            for word in given.replace(",", " ").split():
                key = word.strip().lower()
                if key in _KIND_WORDS:
                    kinds.add(_KIND_WORDS[key])
                elif key in ACTIVITY_KINDS or key.removesuffix("s") in ACTIVITY_KINDS:
                    activity_kinds.add(key if key in ACTIVITY_KINDS else key.removesuffix("s"))
                elif key == "all":
                    continue
                else:
                    known = ", ".join((*KINDS, *ACTIVITY_KINDS))
                    raise ValueError(f"'{word}' is not a kind of timeline item; use one of: {known}.")
        return cls(frozenset(kinds), frozenset(activity_kinds))


@dataclass(frozen=True)
class TimelineItem:
    #: activities | opportunities | orders | changes
    kind: str
    #: What happened: an activity's kind (call, visit...); created, stage, won, lost; order; or a change's
    #: operation (insert, update, delete, restore).
    event: str
    #: When, aware UTC; for ``all_day`` items (orders, close dates) noon UTC of the day.
    when: dt.datetime
    title: str
    detail: str
    #: Who did it (a user's full name), "" when unknown.
    who: str
    #: The record the item is about (to open it).
    record_kind: str
    record_id: str
    all_day: bool = False
    #: An activity not done yet (due in the future, or overdue).
    planned: bool = False
    overdue: bool = False
    #: A local change the central store has not received yet.
    pending: bool = False
    changes: tuple[FieldChange, ...] = field(default=())
    amount_cents: int | None = None

    @property
    def label(self) -> str:
        """The kind of event in a word or two ("Call", "Stage changed", "Order")."""
        return _LABELS.get((self.kind, self.event)) or self.event.capitalize()

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "event": self.event,
            "label": self.label,
            "when": self.when.isoformat().replace("+00:00", "Z"),
            "all_day": self.all_day,
            "title": self.title,
            "detail": self.detail,
            "who": self.who,
            "record_kind": self.record_kind,
            "record_id": self.record_id,
            "planned": self.planned,
            "overdue": self.overdue,
            "pending": self.pending,
            "amount_cents": self.amount_cents,
            "changes": [
                {"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in self.changes
            ],
        }


_LABELS = {
    **{("activities", k): k.capitalize() for k in ACTIVITY_KINDS},
    ("opportunities", "created"): "New opportunity",
    ("opportunities", "stage"): "Stage changed",
    ("opportunities", "won"): "Won",
    ("opportunities", "lost"): "Lost",
    ("orders", "order"): "Order",
    ("changes", "insert"): "Created",
    ("changes", "update"): "Changed",
    ("changes", "delete"): "Deleted",
    ("changes", "restore"): "Restored",
}


def build(
    conn: Connection,
    kind: str,
    record_id: str,
    *,
    unsent: Unsent,
    only: Filter | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> list[TimelineItem]:
    """The timeline of an account, a contact or a lead, newest first (planned activities by their due time).

    ``unsent`` reads the local changes not synced yet (``store.capture.Unsent(conn)``).  ``limit`` keeps the
    newest items only.  Raises LookupError when there is no such live record."""
    if kind not in TIMELINE_OF:
        *first, last = TIMELINE_OF
        raise ValueError(f"only {', '.join(first)} and {last} have a timeline, not {kind}")
    exists = conn.execute(
        text(f"SELECT 1 FROM {kind} WHERE id = :id AND deleted_at IS NULL"), {"id": record_id}
    ).first()
    if exists is None:
        raise LookupError(f"There is no {ENTITIES[kind].singular} with id {record_id}.")
    only = only or Filter()
    ctx = Context(conn, kind, record_id, now or dt.datetime.now(dt.UTC), limit, unsent)
    items: list[TimelineItem] = []
    shown = TIMELINE_OF[kind]
    if only.wants("activities"):
        items += [TimelineItem(**raw) for raw in activities(ctx, sorted(only.activity_kinds))]
    if only.wants("opportunities") and "opportunities" in shown:
        items += [TimelineItem(**raw) for raw in opportunities(ctx)]
    if only.wants("orders") and "orders" in shown:
        items += [TimelineItem(**raw) for raw in orders(ctx)]
    if only.wants("changes"):
        items += [TimelineItem(**raw) for raw in changes(ctx)]
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit] if limit is not None else items


def counts(items: Sequence[TimelineItem]) -> dict[str, int]:
    """How many items of each kind."""
    result = dict.fromkeys(KINDS, 0)
    for item in items:
        result[item.kind] += 1
    return result


def relative_time(item: TimelineItem, now: dt.datetime) -> str:
    """When, as a person says it: "just now", "3 h ago", "yesterday", "in 2 days", "12 Mar", "12 Mar 2024"."""
    local_now = now.astimezone()
    moment = item.when.astimezone()
    today = local_now.date()
    day = item.when.date() if item.all_day else moment.date()
    days = (day - today).days
    if not item.all_day and days == 0:
        seconds = (local_now - moment).total_seconds()
        if 0 <= seconds < 60:
            return "just now"
        if 0 <= seconds < 3600:
            return f"{int(seconds // 60)} min ago"
        if seconds >= 0:
            return f"{int(seconds // 3600)} h ago"
        if seconds > -3600:
            return f"in {max(1, int(-seconds // 60))} min"
        return f"today {moment.strftime('%H:%M')}"
    if days == 0:
        return "today"
    if days == -1:
        return "yesterday"
    if days == 1:
        return "tomorrow"
    if -7 < days < 0:
        return f"{-days} days ago"
    if 0 < days < 14:
        return f"in {days} days"
    if day.year == today.year:
        return f"{day.day} {day.strftime('%b')}"
    return f"{day.day} {day.strftime('%b %Y')}"


def absolute_time(item: TimelineItem) -> str:
    if item.all_day:
        return item.when.date().isoformat()
    return item.when.astimezone().strftime("%Y-%m-%d %H:%M")


__all__ = [
    "KINDS",
    "TIMELINE_OF",
    "FieldChange",
    "Filter",
    "TimelineItem",
    "absolute_time",
    "build",
    "counts",
    "parse_time",
    "relative_time",
]
