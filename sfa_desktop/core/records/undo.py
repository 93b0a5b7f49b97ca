"""Undoing a person's last action on this laptop (an edit, a new record, a delete, a stage move, a merge):
the rules.

An action is kept as what it wrote, record by record: each :class:`Step` holds the columns the action
changed, their values before and after, as stored (read from the outbox entries of the action's own
transaction, so that whatever the services derived along the way, a territory that followed an account,
a probability that followed a stage, the related records a merge re-pointed, is part of it).  A merge
also moved the change history of the merged-away record (local, not synced): :attr:`Action.history`.

Undoing writes the values before back, in the caller's transaction, as this laptop's user may write them
(``core.access``); the store's change capture records the writes in the outbox, so an undo syncs like any
edit (a merged-away record comes back as a ``restore``).  It is refused, nothing written, when a record
the action changed changed again since (edited again, or a sync brought another value): the same idea as
the undo of an assignment run (``core.territories.assignment.undo_moves``), compared column by column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import ENTITIES

#: What a person can undo, and how an action of each kind is named ("Undo edit of Acme Corp").  Undoing a
#: new record deletes it again; undoing a delete restores the record and what went with it (an account's
#: contacts, deals and activities), synced as a restore.
KINDS = ("edit", "create", "delete", "stage", "merge")
#: Columns every write changes: neither compared nor written back as they were.
_BOOKKEEPING = frozenset({"id", "updated_at", "created_at"})
#: How long a list of changed records gets in a refusal.
_LISTED = 3


class NothingToUndo(UserError):
    """The history of this laptop holds nothing (more) to undo."""


class CannotUndo(UserError):
    """The action cannot be undone any more; the message says what changed since.  Nothing was written."""


@dataclass(frozen=True)
class Step:
    """What an action did to one record: column -> value before, and after (as stored)."""

    table: str
    record_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    #: The action created the record (its undo deletes it again).
    created: bool = False


@dataclass(frozen=True)
class Action:
    kind: str
    #: How a person names it: "edit of Acme Corp", "move of Big deal to Proposal".
    what: str
    #: The record to show once it is undone (a merge: the merged-away record, back).
    focus_table: str
    focus_id: str
    steps: tuple[Step, ...]
    #: (change history entry, the record it belonged to) that a merge gave to the survivor.
    history: tuple[tuple[int, str], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [
                {"t": s.table, "id": s.record_id, "b": s.before, "a": s.after, "c": s.created}
                for s in self.steps
            ],
            "history": [list(h) for h in self.history],
        }

    @classmethod
    def from_json(
        cls, kind: str, what: str, focus_table: str, focus_id: str, data: Mapping[str, Any]
    ) -> Action:
        steps = tuple(Step(s["t"], s["id"], s["b"], s["a"], bool(s.get("c"))) for s in data["steps"])
        history = tuple((int(seq), str(rid)) for seq, rid in data.get("history", ()))
        return cls(kind, what, focus_table, focus_id, steps, history)


def steps_from(entries: Iterable[tuple[str, str, str, Mapping[str, Any]]]) -> tuple[Step, ...]:
    """The steps of an action from its outbox entries, oldest first: (table, record id, op, changes) where
    changes is ``{column: [old, new]}`` (an insert: ``{column: value}``).  Several entries of one record
    fold into one step (the first value before, the last after)."""
    steps: dict[tuple[str, str], Step] = {}
    for table, record_id, op, changes in entries:
        key = (table, record_id)
        if op == "insert":
            after = {c: v for c, v in changes.items() if c not in _BOOKKEEPING}
            steps[key] = Step(table, record_id, {"deleted_at": None}, after, created=True)
            continue
        step = steps.get(key) or Step(table, record_id, {}, {})
        before, after = dict(step.before), dict(step.after)
        for column, (old, new) in changes.items():
            if column in _BOOKKEEPING:
                continue
            before.setdefault(column, old)
            after[column] = new
        steps[key] = Step(table, record_id, before, after, step.created)
    return tuple(s for s in steps.values() if s.after)


def record_name(table: str, row: Mapping[str, Any]) -> str:
    """How a person names a record from its stored values ('Acme Corp', 'Ana Silva', a call's subject)."""
    for column in ("name", "subject", "title", "full_name"):
        if row.get(column):
            return str(row[column])
    person = " ".join(str(row[c]) for c in ("first_name", "last_name") if row.get(c))
    return person or str(row.get("id", ""))[:8]


def name_of(session: Session, table: str, record_id: str) -> str:
    row = _row(session, table, record_id)
    return record_name(table, row) if row is not None else record_id[:8]


def _row(session: Session, table: str, record_id: str) -> dict[str, Any] | None:
    found = (
        session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": record_id}).mappings().first()
    )
    return dict(found) if found is not None else None


def _noun(table: str, *, plural: bool = False) -> str:
    ent = ENTITIES.get(table)
    if ent is None:
        return table
    return ent.plural if plural else ent.singular


def _label(table: str, column: str) -> str:
    ent = ENTITIES.get(table)
    spec = ent.by_name.get(column) if ent is not None else None
    if spec is not None:
        return spec.label
    return {"deleted_at": "deleted", "merged_into_id": "merged into", "territory_id": "territory"}.get(
        column, column.replace("_", " ")
    )


def _shown(value: Any) -> str:
    return "empty" if value is None or value == "" else f"'{value}'"


def changed_since(session: Session, action: Action) -> list[str]:
    """What changed since the action, record by record ("Acme Corp: City is 'Paris' now, not 'Lyon'"); an
    empty list when every column the action wrote still holds what it left."""
    changed: list[str] = []
    for step in action.steps:
        row = _row(session, step.table, step.record_id)
        if row is None:
            changed.append(f"the {_noun(step.table)} {step.record_id[:8]} is no longer on this laptop")
            continue
        name = record_name(step.table, row)
        if step.created:
            if row.get("deleted_at") is not None:
                changed.append(f"{name} was deleted")
            continue
        for column, left in step.after.items():
            if column in row and row[column] != left:
                if column == "deleted_at":
                    state = "deleted" if row[column] is not None else "restored"
                    changed.append(f"{name} was {state}")
                else:
                    changed.append(
                        f"{name}: {_label(step.table, column)} is {_shown(row[column])} now, "
                        f"not {_shown(left)}"
                    )
                break  # one difference a record says enough
    return changed


def check(session: Session, action: Action) -> None:
    """Refuse (CannotUndo) when a record the action changed changed since."""
    changed = changed_since(session, action)
    if changed:
        listed = "; ".join(changed[:_LISTED]) + (
            f"; and {len(changed) - _LISTED} more" if len(changed) > _LISTED else ""
        )
        raise CannotUndo(
            f"Cannot undo the {action.what}: it changed since ({listed}). Nothing was undone, and it is "
            "taken off the undo list; change it back by hand if it should be."
        )


def revert(session: Session, action: Action, now: str) -> int:
    """Write back the values before the action (after :func:`check`), newest step first, in the caller's
    transaction; ``now`` (as stored) becomes each record's ``updated_at``.  Refuses (``NotPermitted``)
    what this laptop's user may not write.  Returns how many records were written."""
    for step in reversed(action.steps):
        row = _row(session, step.table, step.record_id)
        assert row is not None  # checked
        values = {c: v for c, v in step.before.items() if c not in _BOOKKEEPING}
        if step.created:
            values = {"deleted_at": now}
        access.require_write(
            session,
            step.table,
            row,
            values,
            ENTITIES[step.table].plural if step.table in ENTITIES else step.table,
        )
        _write(session, step.table, step.record_id, {**values, "updated_at": now})
    for seq, record_id in action.history:
        session.execute(
            text("UPDATE change_history SET record_id = :r WHERE seq = :s"), {"r": record_id, "s": seq}
        )
    return len(action.steps)


def _write(session: Session, table: str, record_id: str, values: Mapping[str, Any]) -> None:
    columns: Sequence[str] = list(values)
    assignments = ", ".join(f'"{c}" = :p{i}' for i, c in enumerate(columns))
    session.execute(
        text(f"UPDATE {table} SET {assignments} WHERE id = :record_id"),
        {**{f"p{i}": values[c] for i, c in enumerate(columns)}, "record_id": record_id},
    )
