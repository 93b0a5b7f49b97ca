"""The four sources of a timeline, one SQL query (plus lookups) each; see :mod:`sfa_desktop.core.timeline`.

Each source returns the keyword arguments of :class:`~sfa_desktop.core.timeline.TimelineItem`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.timeline_values import (
    FieldChange,
    ValueFormatter,
    parse_day,
    parse_time,
)
from sfa_desktop.core.validation import format_money

Raw = dict[str, Any]
_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
_NO_LIMIT = -1  # SQLite's LIMIT for "all rows"


def ids_param(ids: Iterable[str]) -> str:
    """A list of ids as one JSON parameter, read with ``IN (SELECT value FROM json_each(:ids))``."""
    return json.dumps(list(ids))


def noon(day: dt.date) -> dt.datetime:
    """A date as a moment for ordering: noon UTC (the same calendar day in every time zone in use)."""
    return dt.datetime.combine(day, dt.time(12, 0), dt.UTC)


@dataclass
class Context:
    conn: Connection
    kind: str  # accounts | contacts
    record_id: str
    now: dt.datetime
    limit: int | None
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
        where = "account_id = :id" if self.kind == "accounts" else "id = :id"
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


def pending_ids(conn: Connection, table: str, ids: Iterable[str]) -> set[str]:
    """Which of these records have changes in the outbox (not synced yet)."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT record_id FROM outbox WHERE table_name = :t "
            "AND record_id IN (SELECT value FROM json_each(:ids))"
        ),
        {"t": table, "ids": ids_param(ids)},
    )
    return {row[0] for row in rows}


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
        where = "contact_id = :id"
    params: dict[str, Any] = {"id": ctx.record_id, "contacts": ids_param(ctx.live_contacts)}
    if kinds:
        where += " AND kind IN (SELECT value FROM json_each(:kinds))"
        params["kinds"] = json.dumps(kinds)
    rows = ctx.conn.execute(
        text(
            "SELECT id, kind, subject, notes, due_at, done_at, outcome, duration_minutes, owner_id, "
            "contact_id, opportunity_id, created_at, coalesce(done_at, due_at, created_at) AS at "
            f"FROM activities WHERE deleted_at IS NULL AND {where} ORDER BY at DESC LIMIT :limit"
        ),
        {**params, "limit": ctx.sql_limit},
    ).all()
    opportunities = {row.opportunity_id for row in rows if row.opportunity_id}
    if opportunities:
        ctx.values.load_names("opportunities", opportunities)
    pending = pending_ids(ctx.conn, "activities", [row.id for row in rows])
    items = []
    for row in rows:
        done = parse_time(row.done_at)
        due = parse_time(row.due_at)
        when = done or due or parse_time(row.created_at) or ctx.now
        parts = []
        if row.outcome:
            parts.append(row.outcome[:1].upper() + row.outcome[1:])
        if row.duration_minutes:
            parts.append(f"{row.duration_minutes} min")
        contact = ctx.contacts.get(row.contact_id or "")
        if ctx.kind == "accounts" and contact and contact not in row.subject:
            parts.append(f"with {contact}")
        if row.opportunity_id:
            parts.append(ctx.values.name("opportunities", row.opportunity_id))
        if row.notes:
            parts.append(_first_line(row.notes))
        items.append(
            {
                "kind": "activities",
                "event": row.kind,
                "when": when,
                "title": row.subject,
                "detail": " · ".join(parts),
                "who": ctx.who(row.owner_id),
                "record_kind": "activities",
                "record_id": row.id,
                "planned": done is None,
                "overdue": done is None and due is not None and due < ctx.now,
                "pending": row.id in pending,
            }
        )
    return items


# -- opportunities -------------------------------------------------------------------------------------


@dataclass
class _Event:
    record_id: str
    op: str
    changes: dict[str, Any]
    who: str
    when: dt.datetime
    pending: bool


def _events(ctx: Context, table: str, ids: list[str], *, newest: int | None = None) -> list[_Event]:
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
    outbox = ctx.conn.execute(
        text(
            "SELECT record_id, op, changes, user_id, recorded_at FROM outbox "
            f"WHERE {inside} ORDER BY change_no DESC LIMIT :limit"
        ),
        params,
    ).all()
    events = [
        _Event(row[0], row[1], json.loads(row[2]), ctx.by_login(row[3]), parse_time(row[4]) or ctx.now, False)
        for row in history
    ]
    events += [
        _Event(
            row[0], row[1], json.loads(row[2]), ctx.who(row[3]) or "You", parse_time(row[4]) or ctx.now, True
        )
        for row in outbox
    ]
    events.sort(key=lambda e: e.when, reverse=True)
    return events


def opportunities(ctx: Context) -> list[Raw]:
    column = "account_id" if ctx.kind == "accounts" else "contact_id"
    rows = ctx.conn.execute(
        text(
            "SELECT id, name, stage, amount_cents, close_date, created_at, updated_at, owner_id, lost_reason "
            f"FROM opportunities WHERE deleted_at IS NULL AND {column} = :id"
        ),
        {"id": ctx.record_id},
    ).all()
    by_id = {row.id: row for row in rows}
    events = _events(ctx, "opportunities", list(by_id))
    ctx.values.prefetch("opportunities", [e.changes for e in events if e.op != "insert"])
    items: list[Raw] = []
    creators: dict[str, _Event] = {}
    reached: set[tuple[str, str]] = set()  # (opportunity, stage) reached by a recorded stage change
    for event in events:
        row = by_id[event.record_id]
        if event.op == "insert":
            creators[row.id] = event
            continue
        stage = event.changes.get("stage")
        if event.op != "update" or not isinstance(stage, list) or len(stage) != 2:
            continue
        reached.add((row.id, str(stage[1])))
        items.append(_stage_change(ctx, row, event, stage))
    for row in rows:
        items += _created_and_closed(ctx, row, creators.get(row.id), (row.id, row.stage) in reached)
    return items


def _amount(cents: Any) -> str:
    return format_money(int(cents)) if cents is not None else ""


def _stage_change(ctx: Context, row: Any, event: _Event, stage: list[Any]) -> Raw:
    old_name, _ = ctx.stage(stage[0])
    new_name, category = ctx.stage(stage[1])
    others = [c for c in ctx.values.changes("opportunities", event.changes) if c.field != "stage"]
    if category == "won":
        detail = [new_name, _amount(row.amount_cents)]
    elif category == "lost":
        reason = event.changes.get("lost_reason")
        lost_reason = reason[1] if isinstance(reason, list) else row.lost_reason
        detail = [new_name, _amount(row.amount_cents), f"Reason: {lost_reason}" if lost_reason else ""]
        others = [c for c in others if c.field != "lost_reason"]
    else:
        detail = [f"{old_name or '—'} → {new_name}"]
    detail += [c.as_text() for c in others[:2]]
    return {
        "kind": "opportunities",
        "event": category if category in ("won", "lost") else "stage",
        "when": event.when,
        "title": row.name,
        "detail": " · ".join(p for p in detail if p),
        "who": event.who,
        "record_kind": "opportunities",
        "record_id": row.id,
        "pending": event.pending,
        "changes": tuple(ctx.values.changes("opportunities", event.changes)),
        "amount_cents": row.amount_cents,
    }


def _created_and_closed(ctx: Context, row: Any, creator: _Event | None, recorded_close: bool) -> list[Raw]:
    """The "new opportunity" item and, for one closed without a recorded stage change (entered already
    closed, or closed before the history the laptop keeps), a won/lost item on its close date."""
    items: list[Raw] = []
    name, category = ctx.stage(row.stage)
    created = parse_time(row.created_at) or ctx.now
    close_day = parse_day(row.close_date)
    base = {"kind": "opportunities", "title": row.name, "record_kind": "opportunities", "record_id": row.id}
    backfilled = category != "open" and close_day is not None and close_day < created.date()
    if not backfilled:
        detail = [name, _amount(row.amount_cents)]
        if close_day is not None and category == "open":
            detail.append(f"closes {close_day.day} {close_day.strftime('%b %Y')}")
        items.append(
            {
                **base,
                "event": "created",
                "when": created,
                "detail": " · ".join(p for p in detail if p),
                "who": creator.who if creator is not None else ctx.who(row.owner_id),
                "pending": creator.pending if creator is not None else False,
                "amount_cents": row.amount_cents,
            }
        )
    if category in ("won", "lost") and not recorded_close:
        detail = [name, _amount(row.amount_cents)]
        if category == "lost" and row.lost_reason:
            detail.append(f"Reason: {row.lost_reason}")
        items.append(
            {
                **base,
                "event": category,
                "when": noon(close_day) if close_day is not None else parse_time(row.updated_at) or created,
                "all_day": close_day is not None,
                "detail": " · ".join(p for p in detail if p),
                "who": ctx.who(row.owner_id),
                "amount_cents": row.amount_cents,
            }
        )
    return items


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


# -- changes ---------------------------------------------------------------------------------------------


#: Records created together (an import, a new account with its contacts) within this many seconds by the
#: same person read as one item.
TOGETHER_SECONDS = 120


def changes(ctx: Context) -> list[Raw]:
    targets = [("contacts", list(ctx.contacts))]
    if ctx.kind == "accounts":
        targets.insert(0, ("accounts", [ctx.record_id]))
    events: list[tuple[str, _Event]] = []
    for table, ids in targets:
        found = _events(ctx, table, ids, newest=ctx.limit)
        ctx.values.prefetch(table, [e.changes for e in found if e.op != "insert"])
        events += ((table, event) for event in found)
    events.sort(key=lambda pair: pair[1].when, reverse=True)
    items: list[Raw] = []
    run: list[tuple[str, _Event]] = []
    for table, event in events:
        if run and _together(run[0][1], event) and event.op == "insert":
            run.append((table, event))
            continue
        items += _flush_run(ctx, run)
        run = []
        if event.op == "insert":
            run = [(table, event)]
        elif (item := _change(ctx, table, event)) is not None:
            items.append(item)
    return items + _flush_run(ctx, run)


def _together(first: _Event, other: _Event) -> bool:
    return (
        first.op == "insert"
        and first.who == other.who
        and first.pending == other.pending
        and abs((first.when - other.when).total_seconds()) <= TOGETHER_SECONDS
    )


def _flush_run(ctx: Context, run: list[tuple[str, _Event]]) -> list[Raw]:
    """One item for a single insert; one for several records created together."""
    if len(run) <= 1:
        return [item for table, event in run if (item := _change(ctx, table, event)) is not None]
    contacts = [ctx.contacts.get(e.record_id) or "a contact" for table, e in run if table == "contacts"]
    account = next((e for table, e in run if table == "accounts"), None)
    plural = "contact" if len(contacts) == 1 else "contacts"
    if account is not None:
        title = f"Account created with {len(contacts)} {plural}" if contacts else "Account created"
    else:
        title = f"{len(contacts)} {plural} added"
    newest = run[0][1]
    return [
        {
            "kind": "changes",
            "event": "insert",
            "when": newest.when,
            "title": title,
            "detail": ", ".join(contacts),
            "who": newest.who,
            "record_kind": "accounts" if account is not None else "contacts",
            "record_id": account.record_id if account is not None else newest.record_id,
            "pending": newest.pending,
        }
    ]


def _change(ctx: Context, table: str, event: _Event) -> Raw | None:
    op = event.op
    fields: list[FieldChange] = [] if op == "insert" else ctx.values.changes(table, event.changes)
    if op == "update" and not fields:
        return None  # only bookkeeping columns changed
    title = _change_title(ctx, table, event.record_id, op)
    shown = [c.as_text() for c in fields[:3]]
    if len(fields) > 3:
        shown.append(f"and {len(fields) - 3} more")
    return {
        "kind": "changes",
        "event": op,
        "when": event.when,
        "title": title,
        "detail": "; ".join(shown),
        "who": event.who,
        "record_kind": table,
        "record_id": event.record_id,
        "pending": event.pending,
        "changes": tuple(fields),
    }


_VERBS = {"insert": "created", "update": "updated", "delete": "deleted", "restore": "restored"}


def _change_title(ctx: Context, table: str, record_id: str, op: str) -> str:
    if table == "accounts":
        return f"Account {_VERBS[op]}"
    if ctx.kind == "contacts":
        return f"Contact {_VERBS[op]}"
    name = ctx.contacts.get(record_id) or "a contact"
    return {
        "insert": f"Contact added: {name}",
        "update": f"{name} updated",
        "delete": f"Contact removed: {name}",
        "restore": f"Contact restored: {name}",
    }[op]
