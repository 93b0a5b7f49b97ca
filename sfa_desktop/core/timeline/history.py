"""The timeline's opportunities (created, stage changes, won or lost) and changes (who changed which field
of the account or its contacts), from the change history and the outbox; see
:mod:`sfa_desktop.core.timeline.feed`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.timeline import sources
from sfa_desktop.core.timeline.sources import Context, Event, Raw, noon
from sfa_desktop.core.timeline.values import FieldChange, parse_day, parse_time

# -- opportunities -------------------------------------------------------------------------------------


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
    history = sources.events(ctx, "opportunities", list(by_id))
    ctx.values.prefetch("opportunities", [e.changes for e in history if e.op != "insert"])
    items: list[Raw] = []
    creators: dict[str, Event] = {}
    reached: set[tuple[str, str]] = set()  # (opportunity, stage) reached by a recorded stage change
    for event in history:
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


def _stage_change(ctx: Context, row: Any, event: Event, stage: list[Any]) -> Raw:
    old_name, _ = ctx.stage(stage[0])
    new_name, category = ctx.stage(stage[1])
    changes = ctx.values.changes("opportunities", event.changes)
    others = [c for c in changes if c.field != "stage"]
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
        "changes": tuple(changes),
        "amount_cents": row.amount_cents,
    }


def _created_and_closed(ctx: Context, row: Any, creator: Event | None, recorded_close: bool) -> list[Raw]:
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


# -- changes ---------------------------------------------------------------------------------------------


#: Records created together (an import, a new account with its contacts) within this many seconds by the
#: same person read as one item.
TOGETHER_SECONDS = 120


def changes(ctx: Context) -> list[Raw]:
    targets = [("contacts", list(ctx.contacts))]
    if ctx.kind in ("accounts", "leads"):
        targets.insert(0, (ctx.kind, [ctx.record_id]))
    found: list[tuple[str, Event]] = []
    for table, ids in targets:
        history = sources.events(ctx, table, ids, newest=ctx.limit)
        ctx.values.prefetch(table, [e.changes for e in history if e.op != "insert"])
        found += ((table, event) for event in history)
    found.sort(key=lambda pair: pair[1].when, reverse=True)
    items: list[Raw] = []
    run: list[tuple[str, Event]] = []
    for table, event in found:
        if run and ctx.kind != "leads" and _together(run[0][1], event) and event.op == "insert":
            run.append((table, event))
            continue
        items += _flush_run(ctx, run)
        run = []
        if event.op == "insert":
            run = [(table, event)]
        elif (item := _change(ctx, table, event)) is not None:
            items.append(item)
    return items + _flush_run(ctx, run)


def _together(first: Event, other: Event) -> bool:
    return (
        first.op == "insert"
        and first.who == other.who
        and first.pending == other.pending
        and abs((first.when - other.when).total_seconds()) <= TOGETHER_SECONDS
    )


def _flush_run(ctx: Context, run: list[tuple[str, Event]]) -> list[Raw]:
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


def _change(ctx: Context, table: str, event: Event) -> Raw | None:
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
    if table in ("accounts", "leads"):
        return f"{table[:-1].capitalize()} {_VERBS[op]}"
    if ctx.kind == "contacts":
        return f"Contact {_VERBS[op]}"
    name = ctx.contacts.get(record_id) or "a contact"
    return {
        "insert": f"Contact added: {name}",
        "update": f"{name} updated",
        "delete": f"Contact removed: {name}",
        "restore": f"Contact restored: {name}",
    }[op]
