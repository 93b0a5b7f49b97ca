"""Merges on the central store: a merged-away id resolves to its survivor, for every laptop and every push.

A laptop merges duplicates locally (``core.merge``) and pushes the survivor's new values, the moves of the
related records it holds, and the tombstone of each merged-away record with ``merged_into_id``.  The central
store completes the merge for what that laptop could not change or did not know of:

* when the tombstone arrives, live records that still point at the merged-away record (created elsewhere
  and not yet seen by the merging laptop) are re-pointed to the survivor, and for accounts the company's
  orders and order lines move to the survivor too (laptops may not write those; the central store moves
  them as it moves them with an account's territory);
* a later push from a laptop that did not know of the merge is rewritten: its edits of the merged-away
  record go to the survivor, field by field as any edit (the later arrival wins; the value it replaces is
  kept in the conflict archive), a deletion of it is dropped (it is gone already), so it is never
  resurrected; and a record created or changed to point at the merged-away id points at the survivor
  instead, taking the survivor's territory (the laptop's copy leaves the old territory as a departure);
* a merge that would close a cycle (two laptops merging A into B and B into A while offline) is refused:
  the record stays live and the refusal is archived as a conflict;
* an undone merge (a laptop that saw the merge restores the merged-away record: ``merged_into_id`` from the
  survivor back to none) is applied as it is, not redirected, and the orders the central store had moved to
  the survivor for that merge move back (``undo_merge``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select, text

from sfa_desktop.core.records import tables
from sfa_desktop.core.records.merge import RECORD_REFERENCES, references
from sfa_desktop.protocol.changes import Change
from sfa_desktop.server import schema
from sfa_desktop.server.central import Writer
from sfa_desktop.server.scope import Identity, may_write

#: Tables whose records can be merged.
MERGEABLE = ("accounts", "contacts", "leads")
#: What points at a merged record: table -> [(column, referenced table)], from the schema's foreign keys.
_EDGES: dict[str, list[tuple[str, str]]] = {}
#: Related records the central store re-points when a merge arrives: (table, column, follows territory).
#: What a laptop re-points itself (``core.merge.REFERENCES``), and the company's orders, which laptops
#: hold read-only and so never re-point; derived from the models' foreign keys.
SWEEP: dict[str, tuple[tuple[str, str, bool], ...]] = references(company=True)
#: Records that name any record by (table, id): comments, attachments (``core.merge.RECORD_REFERENCES``).
_NAMED: dict[str, tuple[str, str]] = {table: (t, i) for table, t, i in RECORD_REFERENCES}
#: Records that take their account's territory (and, without an account, their lead's).
_FOLLOW_ACCOUNT = tables.FOLLOW_ACCOUNT
_FOLLOW_LEAD = tables.FOLLOW_LEAD
#: Fields of a merged-away record that are not carried to its survivor.
_NOT_REDIRECTED = frozenset(
    {"id", "created_at", "updated_at", "deleted_at", "merged_into_id", "territory_id"}
)
_MAX_CHAIN = 32
_CHUNK = 900

Rows = dict[tuple[str, str], dict[str, Any]]


def _edges_of(table: str) -> list[tuple[str, str]]:
    """Reference columns of ``table`` that can point at a mergeable record (from the models' foreign keys)."""
    from sfa_desktop.core.records.models import SYNCED_MODELS

    if table not in _EDGES:
        model = next(m for m in SYNCED_MODELS if m.__tablename__ == table)
        _EDGES[table] = [
            (c.name, fk.column.table.name)
            for c in model.__table__.columns
            for fk in c.foreign_keys
            if fk.column.table.name in MERGEABLE
        ]
    return _EDGES[table]


class Resolver:
    """Which records of a batch's references are merged away, and into what; keeps ``rows`` current."""

    def __init__(self, cc: Connection, rows: Rows, changes: Sequence[Change]) -> None:
        self.cc = cc
        self.rows = rows
        self._next: dict[tuple[str, str], str | None] = {}  # (table, id) -> merged_into_id, read
        #: (table, id) -> territory of the mergeable records read by ``_load`` (that exist)
        self._territory: dict[tuple[str, str], str | None] = {}
        #: Merged-away records that a push still changed: written again (unchanged) so that the laptop
        #: that pushed gets them back as they are, tombstoned and pointing at their survivor.
        self.touched: dict[tuple[str, str], None] = {}
        #: Records whose merge this batch undoes -> the survivor they were merged into: no longer merged
        #: away for this batch's other changes either (its contacts moving back must not be re-pointed).
        self.unmerged: dict[tuple[str, str], str] = {}
        wanted: dict[str, set[str]] = {t: set() for t in MERGEABLE}
        for change in changes:
            undone = _undone_merge(change, rows.get((change.table, change.record_id)))
            if undone is not None:
                self.unmerged[(change.table, change.record_id)] = undone
            if change.table in MERGEABLE:
                # the batch's own records were read (and locked) already: absent from ``rows``, they do not
                # exist on the central store
                row = rows.get((change.table, change.record_id))
                self._next[(change.table, change.record_id)] = row.get("merged_into_id") if row else None
                if row is not None and row.get("merged_into_id"):
                    wanted[change.table].add(row["merged_into_id"])
            values = change.new_values()
            for column, target in _edges_of(change.table):
                if values.get(column):
                    wanted[target].add(values[column])
            if change.table in MERGEABLE and values.get("merged_into_id"):
                wanted[change.table].add(values["merged_into_id"])
        self._load(wanted)

    def _load(self, wanted: dict[str, set[str]]) -> None:
        while any(wanted.values()):
            more: dict[str, set[str]] = {t: set() for t in MERGEABLE}
            for table, ids in wanted.items():
                t = schema.SYNCED[table]
                ordered = sorted(i for i in ids if (table, i) not in self._next)
                for start in range(0, len(ordered), _CHUNK):
                    chunk = ordered[start : start + _CHUNK]
                    self._next.update(dict.fromkeys(((table, i) for i in chunk), None))
                    for record_id, target, territory in self._facts(t, chunk):
                        self._territory[(table, record_id)] = territory
                        if not target:
                            continue
                        self._next[(table, record_id)] = target
                        if (table, target) not in self._next:
                            more[table].add(target)
            wanted = more

    def _facts(self, t: Any, ids: list[str]) -> list[tuple[str, str | None, str | None]]:
        """(id, merged_into_id, territory_id) of these records.  On PostgreSQL the request acts as its
        user, who may not see where a merge sent a record: ``sfa_merge_facts`` (c0405) tells these two
        facts of the ids asked, and nothing else of the rows."""
        if self.cc.dialect.name == "postgresql":
            found = self.cc.execute(
                text("SELECT id, merged_into_id, territory_id FROM sfa_merge_facts(:t, :ids)"),
                {"t": t.name, "ids": ids},
            )
        else:
            found = self.cc.execute(
                select(t.c.id, t.c.merged_into_id, t.c.territory_id).where(t.c.id.in_(ids))
            )
        return [(str(r[0]), r[1], r[2]) for r in found]

    def territory_of(self, table: str, record_id: str) -> str | None:
        """The record's territory, also when the user may not see the record (see ``_facts``)."""
        row = self.row(table, record_id)
        if row is not None:
            return row.get("territory_id")
        if (table, record_id) not in self._next:
            self._load({t: ({record_id} if t == table else set()) for t in MERGEABLE})
        return self._territory.get((table, record_id))

    def exists(self, table: str, record_id: str) -> bool:
        """Is there such a record on the central store (seen by the user or not)?"""
        if self.row(table, record_id) is not None:
            return True
        if table not in MERGEABLE:
            return False
        if (table, record_id) not in self._next:
            self._load({t: ({record_id} if t == table else set()) for t in MERGEABLE})
        return (table, record_id) in self._territory

    def survivor(self, table: str, record_id: str) -> str:
        """The id at the end of the record's chain of merges (the record itself when not merged)."""
        current = record_id
        for _ in range(_MAX_CHAIN):
            if (table, current) in self.unmerged:
                return current
            row = self.rows.get((table, current))
            if row is None and (table, current) not in self._next:
                self._load({t: ({current} if t == table else set()) for t in MERGEABLE})
            target = row.get("merged_into_id") if row is not None else self._next.get((table, current))
            if not target or target == current:
                return current
            current = target
        return current

    def row(self, table: str, record_id: str) -> dict[str, Any] | None:
        """The central row, read (and locked on PostgreSQL) if the batch did not read it yet."""
        key = (table, record_id)
        if key not in self.rows:
            t = schema.SYNCED[table]
            query = select(t).where(t.c.id == record_id)
            if self.cc.dialect.name == "postgresql":
                query = query.with_for_update()
            found = self.cc.execute(query).mappings().first()
            if found is None:
                return None
            self.rows[key] = dict(found)
        return self.rows[key]

    def note_merge(self, table: str, record_id: str, target: str) -> None:
        self._next[(table, record_id)] = target

    # -- rewriting pushed changes ------------------------------------------------------------------------

    def rewrite(self, change: Change) -> tuple[Change | None, str | None]:
        """The change as the central store applies it: redirected from a merged-away record to its
        survivor, its references re-pointed.  Returns (change or None to drop it, the territory the laptop's
        copy leaves when the record was given another one)."""
        target = self._merged_target(change)
        if target is None:
            return self._repoint(change)
        self.touched[(change.table, change.record_id)] = None
        redirected = self._redirect(change, target)
        return (None, None) if redirected is None else self._repoint(redirected)

    def _merged_target(self, change: Change) -> str | None:
        """The survivor when the change's record was merged away centrally (and this is not that merge)."""
        if change.table not in MERGEABLE or change.op == "insert":
            return None
        if (change.table, change.record_id) in self.unmerged:
            return None
        row = self.rows.get((change.table, change.record_id))
        if row is None or not row.get("merged_into_id"):
            return None
        return self.survivor(change.table, change.record_id)

    def _redirect(self, change: Change, survivor: str) -> Change | None:
        moved = {k: v for k, v in change.changes.items() if k not in _NOT_REDIRECTED}
        if not moved or survivor == change.record_id:
            return None  # a deletion, or nothing a person typed: the record is gone already
        if not self.exists(change.table, survivor):
            return None
        return replace(change, record_id=survivor, op="update", changes=moved)

    def _repoint(self, change: Change) -> tuple[Change, str | None]:
        values = change.new_values()
        changed: dict[str, Any] = {}
        for column, target in _edges_of(change.table):
            value = values.get(column)
            if not value:
                continue
            survivor = self.survivor(target, value)
            if survivor != value:
                changed[column] = survivor
        named = _NAMED.get(change.table)
        if named is not None and values.get(named[0]) in MERGEABLE and values.get(named[1]):
            survivor = self.survivor(values[named[0]], values[named[1]])
            if survivor != values[named[1]]:
                changed[named[1]] = survivor
        if not changed:
            return change, None
        territory = self._territory_after(change, {**values, **changed}, changed)
        sent_territory = values.get("territory_id")
        if territory is not None:
            changed["territory_id"] = territory[0]
        if change.op == "insert":
            new_changes = {**change.changes, **changed}
        else:
            current = self.rows.get((change.table, change.record_id)) or {}
            new_changes = dict(change.changes)
            for column, value in changed.items():
                old = change.changes[column][0] if column in change.changes else current.get(column)
                new_changes[column] = [old, value]
        # the laptop derived another territory: its copy leaves that one (the central store's own move is
        # recorded by the writer)
        leaves = (
            sent_territory if territory is not None and sent_territory not in (None, territory[0]) else None
        )
        return replace(change, changes=new_changes), leaves

    def _territory_after(
        self, change: Change, values: dict[str, Any], changed: dict[str, Any]
    ) -> tuple[str | None] | None:
        """(territory,) the record takes when its account (or lead) was re-pointed; None when unchanged."""
        table = change.table
        if table in _FOLLOW_ACCOUNT and "account_id" in changed:
            return (self.territory_of("accounts", changed["account_id"]),)
        if table in _FOLLOW_LEAD and "lead_id" in changed and not values.get("account_id"):
            return (self.territory_of("leads", changed["lead_id"]),)
        return None

    def closes_cycle(self, change: Change) -> bool:
        """True when the change merges its record into one that was merged (maybe by way of others) into
        this very record."""
        if change.table not in MERGEABLE:
            return False
        target = change.new_values().get("merged_into_id")
        if not target or "merged_into_id" not in change.changes:
            return False
        return self.survivor(change.table, target) == change.record_id


def refuse_cycle(writer: Writer, change: Change, territory: str | None) -> None:
    """Archive the refused merge and write the record again, so that the laptop that merged it gets it
    back live."""
    writer.conflict(
        table=change.table,
        record_id=change.record_id,
        territory=territory,
        field="merged_into_id",
        lost=change.new_values().get("merged_into_id"),
        won=None,
        lost_by=writer.user,
        reason="merge-cycle",
    )
    writer.update(change.table, change.record_id, {}, old_territory=territory, old={})


def touch(writer: Writer, resolver: Resolver) -> None:
    """Write the merged-away records that pushes changed again, so that their laptops get them back."""
    for table, record_id in resolver.touched:
        territory = (resolver.rows.get((table, record_id)) or {}).get("territory_id")
        writer.update(table, record_id, {}, old_territory=territory, old={})


def is_merge(change: Change) -> bool:
    return (
        change.table in MERGEABLE
        and "merged_into_id" in change.changes
        and bool(change.new_values().get("merged_into_id"))
    )


def _undone_merge(change: Change, row: dict[str, Any] | None) -> str | None:
    """The survivor, when ``change`` undoes the merge the central row shows (the laptop saw that merge
    and sets ``merged_into_id`` back to none); None otherwise."""
    if change.table not in MERGEABLE or change.op == "insert" or row is None:
        return None
    pair = change.changes.get("merged_into_id")
    if not isinstance(pair, list) or len(pair) != 2 or pair[1] is not None:
        return None
    return str(pair[0]) if pair[0] and pair[0] == row.get("merged_into_id") else None


def undo_merge(writer: Writer, identity: Identity, resolver: Resolver, change: Change) -> int:
    """Before an undone merge is applied: move back the company's records the central store itself moved
    to the survivor when the merge arrived (orders and order lines: laptops hold them read-only, so the
    laptop's undo could not), while the account is still merged (the orders guard allows that move then).
    Found in the change log: each moved one logged ``[loser, survivor]`` for the reference column.
    Returns how many moved."""
    table, loser = change.table, change.record_id
    survivor = resolver.unmerged.get((table, loser))
    back = resolver.row(table, loser)
    if survivor is None or back is None or back.get("merged_into_id") != survivor:
        return 0
    territory = change.new_values().get("territory_id", back.get("territory_id"))
    log = schema.change_log
    moved = 0
    for child, column, follows in SWEEP[table]:
        if child not in tables.COMPANY_TABLES:
            continue  # the laptop moved these back itself
        t = schema.SYNCED[child]
        marker = json.dumps({column: [loser, survivor]})[1:-1]  # '"account_id": ["loser", "survivor"]'
        logged = select(log.c.record_id).where(
            log.c.table_name == child,
            log.c.op == "update",
            log.c.changes.contains(marker, autoescape=True),
        )
        query = select(t).where(t.c.id.in_(logged), t.c[column] == survivor, t.c.deleted_at.is_(None))
        for found in writer.conn.execute(query.order_by(t.c.id)).mappings().all():
            row = resolver.rows.get((child, found["id"]), dict(found))
            updates: dict[str, Any] = {column: loser}
            if follows:
                updates["territory_id"] = territory
            old_territory = row.get("territory_id")
            if not may_write(identity, updates.get("territory_id", old_territory), row.get("owner_id")):
                continue
            writer.update(
                child, found["id"], updates, old_territory=old_territory, old={k: row.get(k) for k in updates}
            )
            row.update(updates)
            resolver.rows[(child, found["id"])] = row
            moved += 1
    return moved


def complete_merge(writer: Writer, identity: Identity, resolver: Resolver, change: Change) -> int:
    """After a merged-away record's tombstone was applied: re-point what still points at it.  Returns how
    many records were moved."""
    table, loser = change.table, change.record_id
    survivor = resolver.survivor(table, loser)
    resolver.note_merge(table, loser, change.new_values()["merged_into_id"])
    kept = resolver.row(table, survivor)
    if kept is None or survivor == loser:
        return 0
    territory = kept.get("territory_id")
    moved = 0
    for child, column, follows in SWEEP[table]:
        t = schema.SYNCED[child]
        query = select(t).where(t.c[column] == loser, t.c.deleted_at.is_(None)).order_by(t.c.id)
        for found in writer.conn.execute(query).mappings().all():
            row = resolver.rows.get((child, found["id"]), dict(found))
            if row.get(column) != loser or row.get("deleted_at") is not None:
                continue  # changed earlier in this batch
            updates: dict[str, Any] = {column: survivor}
            if follows and (table != "leads" or not row.get("account_id")):
                updates["territory_id"] = territory
            old_territory = row.get("territory_id")
            if not (
                may_write(identity, old_territory, row.get("owner_id"))
                and may_write(identity, updates.get("territory_id", old_territory), row.get("owner_id"))
            ):
                continue  # someone who may write it will find it pointing at a merged id; reads resolve it
            writer.update(
                child,
                found["id"],
                updates,
                old_territory=old_territory,
                old={k: row.get(k) for k in updates},
            )
            row.update(updates)
            resolver.rows[(child, found["id"])] = row
            moved += 1
    for child, (table_column, id_column) in _NAMED.items():
        t = schema.SYNCED[child]
        query = select(t).where(t.c[table_column] == table, t.c[id_column] == loser, t.c.deleted_at.is_(None))
        for found in writer.conn.execute(query.order_by(t.c.id)).mappings().all():
            row = resolver.rows.get((child, found["id"]), dict(found))
            if row.get(id_column) != loser or row.get("deleted_at") is not None:
                continue  # changed earlier in this batch
            if not may_write(identity, row.get("territory_id"), row.get("owner_id")):
                continue
            updates = {id_column: survivor}
            writer.update(
                child,
                found["id"],
                updates,
                old_territory=row.get("territory_id"),
                old={id_column: loser},
            )
            row.update(updates)
            resolver.rows[(child, found["id"])] = row
            moved += 1
    return moved
