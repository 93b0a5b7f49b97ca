"""The sources of a timeline, one SQL query (plus lookups) each; see :mod:`sfa_desktop.core.timeline.feed`.

Activities and orders are here, opportunities and changes (which read the change history and the outbox,
:func:`events`) in :mod:`sfa_desktop.core.timeline.history`.  Each source returns the keyword arguments
of :class:`~sfa_desktop.core.timeline.feed.TimelineItem`.  The outbox belongs to the store: the caller
hands its reader in (:class:`Unsent`, implemented by ``store.capture.Unsent``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, text

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.timeline.values import (
    ValueFormatter,
    parse_day,
    parse_time,
)

Raw = dict[str, Any]
_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
_NO_LIMIT = -1  # SQLite's LIMIT for "all rows"


def ids_param(ids: Iterable[str]) -> str:
    """A list of ids as one JSON parameter, read with ``IN (SELECT value FROM json_each(:ids))``."""
    return json.dumps(list(ids))


def noon(day: dt.date) -> dt.datetime:
    """A date as a moment for ordering: noon UTC (the same calendar day in every time zone in use)."""
    return dt.datetime.combine(day, dt.time(12, 0), dt.UTC)


class UnsentChange(Protocol):
    """A local change not synced yet (an outbox entry)."""

    @property
    def record_id(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def changes(self) -> dict[str, Any]: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def recorded_at(self) -> str: ...


class Unsent(Protocol):
    """The local changes not synced yet, read record by record (the store's outbox)."""

    def record_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        """Which of these records have changes not synced yet."""
        ...

    def changes(self, table: str, ids: Iterable[str], *, newest: int | None = None) -> Sequence[UnsentChange]:
        """Their changes not synced yet, newest first (the ``newest`` newest of them all when given)."""
        ...


@dataclass
class Context:
    conn: Connection
    kind: str  # accounts | contacts | leads
    record_id: str
    now: dt.datetime
    limit: int | None
    unsent: Unsent
    values: ValueFormatter = field(init=False)
    user_names: dict[str, str] = field(init=False)
    login_names: dict[str, str] = field(init=False)
    #: The account's contacts (deleted ones too: their removal is part of the story), or the contact.
    contacts: dict[str, str] = field(init=False)
    live_contacts: list[str] = field(init=False)
    stages: dict[str, tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        conn = self.conn
        self.values = ValueFormatter(conn)
        users = conn.execute(text("SELECT id, login, full_name FROM users")).all()
        self.user_names = {row[0]: row[2] or row[1] for row in users}
        self.login_names = {row[1]: row[2] or row[1] for row in users}
        where = {"accounts": "account_id = :id", "contacts": "id = :id"}.get(self.kind, "false")
        rows = conn.execute(
            text(f"SELECT id, {_PERSON}, deleted_at FROM contacts WHERE {where}"), {"id": self.record_id}
        ).all()
        self.contacts = {row[0]: row[1] for row in rows}
        self.live_contacts = [row[0] for row in rows if row[2] is None]
        self.stages = {
            row[0]: (row[1], row[2])
            for row in conn.execute(text("SELECT key, name, category FROM pipeline_stages"))
        }

    @property
    def sql_limit(self) -> int:
        return self.limit if self.limit is not None else _NO_LIMIT

    def who(self, user_id: str | None) -> str:
        return self.user_names.get(user_id or "", "")

    def by_login(self, login: str | None) -> str:
        return self.login_names.get(login or "", login or "")

    def stage(self, key: str | None) -> tuple[str, str]:
        """(name, category) of a pipeline stage key."""
        if not key:
            return "", "open"
        name, category = self.stages.get(key, (key.capitalize(), ""))
        if not category:
            category = "won" if key == "closed won" else "lost" if key == "closed lost" else "open"
        return name, category


def _first_line(notes: str | None, width: int = 90) -> str:
    if not notes:
        return ""
    line = " ".join(notes.split())
    return line if len(line) <= width else line[: width - 1] + "…"


# -- activities ----------------------------------------------------------------------------------------


def activities(ctx: Context, kinds: list[str]) -> list[Raw]:
    if ctx.kind == "accounts":
        where = "(account_id = :id OR contact_id IN (SELECT value FROM json_each(:contacts)))"
    else:
        where = "lead_id = :id" if ctx.kind == "leads" else "contact_id = :id"
    params: dict[str, Any] = {"id": ctx.record_id, "contacts": ids_param(ctx.live_contacts)}
    if kinds:
        where += " AND kind IN (SELECT value FROM json_each(:kinds))"
        params["kinds"] = json.dumps(kinds)
    rows = ctx.conn.execute(
        text(
            "SELECT id, kind, subject, notes, due_at, done_at, outcome, duration_minutes, owner_id, "
            "contact_id, opportunity_id, coalesce(done_at, due_at, created_at) AS at "
            f"FROM activities WHERE deleted_at IS NULL AND {where} ORDER BY at DESC LIMIT :limit"
        ),
        {**params, "limit": ctx.sql_limit},
    ).all()
    opportunities = {row.opportunity_id for row in rows if row.opportunity_id}
    if opportunities:
        ctx.values.load_names("opportunities", opportunities)
    pending = ctx.unsent.record_ids("activities", [row.id for row in rows])
    on_site = _on_site(ctx, [row.id for row in rows if row.kind == "visit"])
    items = []
    on_account = ctx.kind == "accounts"
    for row in rows:
        record_id, kind, subject, notes, due_at, done_at, outcome, minutes, owner, contact_id = row[:10]
        opportunity_id, at = row[10], row[11]
        when = parse_time(at) or ctx.now
        planned = done_at is None
        parts = []
        if record_id in on_site:
            parts.append(on_site[record_id])
        if outcome:
            parts.append(outcome[:1].upper() + outcome[1:])
        if minutes:
            parts.append(f"{minutes} min")
        contact = ctx.contacts.get(contact_id) if contact_id else None
        if on_account and contact and contact not in subject:
            parts.append(f"with {contact}")
        if opportunity_id:
            parts.append(ctx.values.name("opportunities", opportunity_id))
        if notes:
            parts.append(_first_line(notes))
        items.append(
            {
                "kind": "activities",
                "event": kind,
                "when": when,
                "title": subject,
                "detail": " · ".join(parts),
                "who": ctx.who(owner),
                "record_kind": "activities",
                "record_id": record_id,
                "planned": planned,
                "overdue": planned and due_at is not None and when < ctx.now,
                "pending": record_id in pending,
            }
        )
    return items


def _on_site(ctx: Context, visit_ids: list[str]) -> dict[str, str]:
    """A visit's state on site, by activity: "Checked in 09:41 · out 10:20 · report submitted"."""
    if not visit_ids:
        return {}
    rows = ctx.conn.execute(
        text(
            "SELECT activity_id, checkin_at, checkout_at, submitted_at FROM visit_reports "
            "WHERE deleted_at IS NULL AND activity_id IN (SELECT value FROM json_each(:ids)) "
            "ORDER BY created_at DESC, id DESC"
        ),
        {"ids": ids_param(visit_ids)},
    ).all()
    found: dict[str, str] = {}
    for activity_id, checkin, checkout, submitted in rows:
        parts = []
        for moment, words in ((checkin, "Checked in"), (checkout, "out")):
            when = parse_time(moment)
            if when is not None:
                parts.append(f"{words} {when.astimezone():%H:%M}")
        if submitted is not None:
            parts.append("report submitted")
        if parts:
            found[activity_id] = " · ".join(parts)  # the first report of an activity wins (read last)
    return found


# -- history and outbox events ---------------------------------------------------------------------------


@dataclass
class Event:
    record_id: str
    op: str
    changes: dict[str, Any]
    who: str
    when: dt.datetime
    pending: bool


def events(ctx: Context, table: str, ids: list[str], *, newest: int | None = None) -> list[Event]:
    """Change history and outbox entries of these records (the newest ``newest`` of each), newest first."""
    if not ids:
        return []
    params = {"t": table, "ids": ids_param(ids), "limit": newest if newest is not None else _NO_LIMIT}
    inside = "table_name = :t AND record_id IN (SELECT value FROM json_each(:ids))"
    history = ctx.conn.execute(
        text(
            "SELECT record_id, op, changes, db_user, applied_at FROM change_history "
            f"WHERE {inside} ORDER BY seq DESC LIMIT :limit"
        ),
        params,
    ).all()
    unsent = ctx.unsent.changes(table, ids, newest=newest)
    events = [
        Event(row[0], row[1], json.loads(row[2]), ctx.by_login(row[3]), parse_time(row[4]) or ctx.now, False)
        for row in history
    ]
    events += [
        Event(
            c.record_id,
            c.op,
            c.changes,
            ctx.who(c.user_id) or "You",
            parse_time(c.recorded_at) or ctx.now,
            True,
        )
        for c in unsent
    ]
    events.sort(key=lambda e: e.when, reverse=True)
    return events


# -- orders ----------------------------------------------------------------------------------------------


def orders(ctx: Context) -> list[Raw]:
    rows = ctx.conn.execute(
        text(
            "SELECT id, number, order_date, status, total_cents, currency, owner_id FROM orders "
            "WHERE account_id = :id AND deleted_at IS NULL ORDER BY order_date DESC LIMIT :limit"
        ),
        {"id": ctx.record_id, "limit": ctx.sql_limit},
    ).all()
    lines: dict[str, list[str]] = {}
    for order_id, product, quantity in ctx.conn.execute(
        text(
            "SELECT l.order_id, coalesce(l.description, p.name, 'item'), l.quantity FROM order_lines l "
            "LEFT JOIN products p ON p.id = l.product_id WHERE l.deleted_at IS NULL "
            "AND l.order_id IN (SELECT value FROM json_each(:ids)) ORDER BY l.line_total_cents DESC"
        ),
        {"ids": ids_param(row.id for row in rows)},
    ):
        lines.setdefault(order_id, []).append(f"{product} \N{MULTIPLICATION SIGN}{quantity}")
    items = []
    for row in rows:
        day = parse_day(row.order_date) or ctx.now.date()
        products = lines.get(row.id, [])
        summary = ", ".join(products[:2]) + (f" and {len(products) - 2} more" if len(products) > 2 else "")
        detail = [
            format_money(row.total_cents, row.currency or "USD"),
            (row.status or "").capitalize(),
            summary,
        ]
        items.append(
            {
                "kind": "orders",
                "event": "order",
                "when": noon(day),
                "all_day": True,
                "title": f"Order {row.number}",
                "detail": " · ".join(p for p in detail if p),
                "who": ctx.who(row.owner_id),
                "record_kind": "orders",
                "record_id": row.id,
                "amount_cents": row.total_cents,
            }
        )
    return items
