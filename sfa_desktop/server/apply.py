"""Applying a laptop's pushed outbox on the central store: idempotence, permissions, field-level merge.

A batch is applied in the caller's central transaction (DESIGN.md, sync rules 1 and 2):

* ``sync_clients`` holds the last change number applied per laptop, updated in the same transaction, so a
  retried or duplicated push applies nothing twice;
* a change to a record the user may not write (another territory, reference data for a non-admin) is not
  applied: it goes to the conflict archive as "not-permitted";
* an update merges field by field: a field whose central value is not the value the laptop last saw was
  changed by someone else; this later arrival wins and the other value is archived as a conflict.

The batch's records are read and locked with one query per table, in id order (so concurrent pushes lock
in the same order and cannot deadlock, and take the sequence counter only after their rows), merged in
memory change by change, and written by a buffered :class:`~sfa_desktop.server.central.Writer`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.wire import from_wire, kind_of, to_wire
from sfa_desktop.server import merges, schema
from sfa_desktop.server.central import Writer
from sfa_desktop.server.scope import MOVED_WITH_ACCOUNT, Identity, may_write_row

Rows = dict[tuple[str, str], dict[str, Any]]  # (table, id) -> the record's current central values

_CHUNK = 1000


def apply_batch(
    cc: Connection,
    identity: Identity,
    client_id: str,
    batch: Sequence[Change],
    before_flush: Callable[[], None] | None = None,
) -> tuple[int, int, int]:
    """Apply one batch.  Returns (last change number confirmed, changes applied, conflicts archived).

    The sequence numbers are taken when the merged batch is written (``Writer.flush``, just before the
    commit), so another push waits for this one only that long; ``before_flush`` runs just before."""
    clients = schema.sync_clients
    writer = Writer(cc, login=identity.login, client_id=client_id, buffered=True)
    last = cc.execute(select(clients.c.last_change_no).where(clients.c.client_id == client_id)).scalar()
    if last is None:
        cc.execute(
            clients.insert().values(
                client_id=client_id, login=identity.login, last_change_no=0, first_seen_at=writer.now
            )
        )
        last = 0
    # applied before (a retried or duplicated push), or a table this central store does not know
    todo = [c for c in batch if c.change_no > last and c.table in schema.SYNCED]
    current = _lock_rows(cc, todo)
    resolver = merges.Resolver(cc, current, todo)
    seen = _seen_stamps(todo)
    conflicts = 0
    for change in todo:
        conflicts += _apply_one(writer, identity, resolver, change, current, seen)
        if change.table == "territories" and identity.is_manager:
            identity = _grown(identity, current)
    merges.touch(writer, resolver)
    if before_flush is not None:
        before_flush()
    writer.flush()
    confirmed = max(last, batch[-1].change_no) if batch else last
    cc.execute(
        clients.update()
        .where(clients.c.client_id == client_id)
        .values(last_change_no=confirmed, last_push_at=writer.now)
    )
    return confirmed, len(todo), conflicts


#: ``_seen_stamps``: the record was made in this batch (no one else can have changed it before)
_MADE_HERE = "made-here"


def _seen_stamps(changes: Sequence[Change]) -> dict[tuple[str, str], Any]:
    """What the laptop had seen of each record it changes in this batch: the ``updated_at`` it held before
    its first change here (a delete's own old ``updated_at`` is the laptop's clock when it also edited the
    record before deleting it, and tells nothing of what it had pulled)."""
    seen: dict[tuple[str, str], Any] = {}
    for change in changes:
        key = (change.table, change.record_id)
        if key in seen:
            continue
        if change.op == "insert":
            seen[key] = _MADE_HERE
            continue
        pair = change.changes.get("updated_at")
        seen[key] = pair[0] if isinstance(pair, list) and pair else None
    return seen


def _lock_rows(cc: Connection, changes: Sequence[Change]) -> Rows:
    """The current central rows of every record the changes touch, locked until commit on PostgreSQL."""
    wanted: dict[str, set[str]] = {}
    for change in changes:
        wanted.setdefault(change.table, set()).add(change.record_id)
    rows: Rows = {}
    for table in schema.SYNCED:  # a fixed order of tables, and ids in order: the same lock order for all
        ids = sorted(wanted.get(table, ()))
        t = schema.SYNCED[table]
        for start in range(0, len(ids), _CHUNK):
            query = select(t).where(t.c.id.in_(ids[start : start + _CHUNK])).order_by(t.c.id)
            if cc.dialect.name == "postgresql":
                query = query.with_for_update()
            for row in cc.execute(query).mappings():
                rows[(table, row["id"])] = dict(row)
    return rows


def _apply_one(
    writer: Writer,
    identity: Identity,
    resolver: merges.Resolver,
    change: Change,
    rows: Rows,
    seen: Mapping[tuple[str, str], Any],
) -> int:
    """One outbox entry, after the central store's merges were taken into account (see ``merges``)."""
    rewritten, leaves = resolver.rewrite(change)
    if rewritten is None:
        return 0
    conflicts = 0
    if resolver.closes_cycle(rewritten):
        refused = rows.get((rewritten.table, rewritten.record_id)) or {}
        merges.refuse_cycle(writer, rewritten, refused.get("territory_id"))
        conflicts += 1
        kept = {k: v for k, v in rewritten.changes.items() if k not in ("merged_into_id", "deleted_at")}
        if not kept:
            return conflicts
        rewritten = replace(rewritten, op="update", changes=kept)
    # a record the laptop placed in ``leaves``: a refusal is archived there, where that laptop sees it
    if (rewritten.table, rewritten.record_id) in resolver.unmerged:
        # the orders a merge moved go back first, while the account is still merged (the guard's rule)
        merges.undo_merge(writer, identity, resolver, rewritten)
    conflicts += _merge(
        writer, identity, rewritten, rows, archive_in=leaves, seen=seen.get((change.table, change.record_id))
    )
    if leaves is not None and leaves in identity.territories:  # a laptop only holds what it may see
        writer.depart(rewritten.table, rewritten.record_id, leaves)
    row = rows.get((rewritten.table, rewritten.record_id))
    if merges.is_merge(rewritten) and row is not None and row.get("merged_into_id"):
        merges.complete_merge(writer, identity, resolver, rewritten)

    return conflicts


def _merge(
    writer: Writer,
    identity: Identity,
    change: Change,
    rows: Rows,
    archive_in: str | None = None,
    seen: Any = None,
) -> int:
    """Apply one outbox entry with field-level merge, keeping ``rows`` current.  Returns the number of
    conflicts archived.  ``seen``: what the laptop had seen of the record (``_seen_stamps``)."""
    t = schema.SYNCED[change.table]
    current = rows.get((change.table, change.record_id))
    kinds = {c.name: kind_of(change.table, c) for c in t.columns}
    new_values = {k: v for k, v in change.new_values().items() if k in t.c and k not in ("seq", "updated_at")}
    scoped = "territory_id" in t.c
    territory_now = current["territory_id"] if current is not None and scoped else None
    territory_new = new_values.get("territory_id", territory_now) if scoped else None
    unowned = territory_new is None and new_values.get("owner_id") is None
    if current is None and change.op == "insert" and scoped and "owner_id" in t.c and unowned:
        # a record made with no territory and no owner (a lead added on a laptop): its maker's
        new_values["owner_id"] = identity.user_id
    if not may_write_row(identity, change.table, current, new_values):
        # archived where the pusher sees it (never in a territory the pusher may not see): with no
        # territory, only its author reads it
        seen = [t for t in (archive_in, territory_now, territory_new) if t and t in identity.territories]
        writer.conflict(
            table=change.table,
            record_id=change.record_id,
            territory=seen[0] if seen else None,
            field="*",
            lost=change.new_values(),
            won=None,
            lost_by=identity.login,
            reason="not-permitted",
        )
        return 1
    typed = {k: from_wire(kinds[k], v) for k, v in new_values.items()}
    if current is None:
        if change.op != "insert":
            # the record is gone from the central store (purged tombstone): keep the edit visible
            writer.conflict(
                table=change.table,
                record_id=change.record_id,
                territory=territory_new,
                field="*",
                lost=change.new_values(),
                won=None,
                lost_by=identity.login,
                reason="missing",
            )
            return 1
        writer.insert(change.table, {**typed, "id": change.record_id}, change_no=change.change_no)
        rows[(change.table, change.record_id)] = {
            **dict.fromkeys(t.c.keys()),
            **typed,
            "id": change.record_id,
        }
        return 0
    conflicts = 0
    apply: dict[str, Any] = {}
    olds: Mapping[str, Any] = {} if change.op == "insert" else {k: p[0] for k, p in change.changes.items()}
    for name, value in typed.items():
        server = to_wire(kinds[name], current[name])
        wire_new = new_values[name]
        if server == wire_new:
            continue
        if name in olds and server != olds[name] and name != "deleted_at":
            # someone else changed this field since this laptop saw it: later arrival wins, keep theirs
            writer.conflict(
                table=change.table,
                record_id=change.record_id,
                territory=territory_new,
                field=name,
                lost=server,
                won=wire_new,
                lost_by=_last_writer(writer.conn, change),
                reason="same-field",
            )
            conflicts += 1
        apply[name] = value
    if current["deleted_at"] is not None and change.op == "update" and apply:
        # an edit of a record deleted meanwhile: it changes a tombstone, so each value is archived (where
        # it can be restored, which brings the record back with it)
        for name in apply:
            if name in ("deleted_at", "updated_at"):
                continue
            writer.conflict(
                table=change.table,
                record_id=change.record_id,
                territory=territory_new,
                field=name,
                lost=new_values[name],
                won=None,
                lost_by=identity.login,
                reason="edit-after-delete",
            )
            conflicts += 1
    if current["deleted_at"] is None and apply.get("deleted_at") is not None:
        conflicts += _archive_edits_deleted(writer, change, current, kinds, territory_now, seen)
    if apply:
        writer.update(
            change.table,
            change.record_id,
            apply,
            op=change.op,
            change_no=change.change_no,
            old_territory=territory_now,
            old={k: current[k] for k in apply},
            laptop_stamp=_stamp_pair(change),
        )
        current.update(apply)
        if change.table == "accounts" and "territory_id" in apply and apply["territory_id"] != territory_now:
            _move_with_account(writer, change.record_id, territory_now, apply["territory_id"])
    return conflicts


def _archive_edits_deleted(
    writer: Writer,
    change: Change,
    current: Mapping[str, Any],
    kinds: Mapping[str, str],
    territory: str | None,
    seen: Any = None,
) -> int:
    """A delete of a record others changed since the deleting laptop last saw it: the fields they changed
    lose to the delete, so their values are archived ("deleted-after-edit"), restorable.

    What the laptop saw is told by the record's ``updated_at`` it held before its first change in this
    batch (``seen``).  When that is a central stamp (the laptop had pulled the record as it was then),
    later central writes of other laptops (or an administrator) are the edits it never saw.  Otherwise it
    is the laptop's own clock (it edited the record, and pushed that in an earlier batch, since it last
    pulled it): its clock says nothing of central time, so the edits it never saw are those of others
    after its own last write landed, and when none of its writes did, all of them."""
    if seen is None:
        pair = change.changes.get("updated_at")
        seen = pair[0] if isinstance(pair, list) and pair else None
    if seen is None or seen == _MADE_HERE:
        return 0
    if to_wire(kinds["updated_at"], current["updated_at"]) == seen:
        return 0  # nothing written since the deleting laptop saw the record
    log = schema.change_log
    of_record = (log.c.table_name == change.table, log.c.record_id == change.record_id)
    stamp = from_wire("datetime", seen)
    central_stamp = writer.conn.execute(
        select(log.c.seq).where(*of_record, log.c.applied_at == stamp).limit(1)
    )
    since = (
        log.c.applied_at > stamp if central_stamp.first() is not None else _unseen_since(writer, change, seen)
    )
    entries = writer.conn.execute(
        select(log.c.changes, log.c.db_user)
        .where(*of_record, since, log.c.client_id.is_distinct_from(writer.client_id))
        .order_by(log.c.seq)
    ).all()
    edited: dict[str, str | None] = {}  # field -> who changed it last
    for changes, who in entries:
        for name in json.loads(changes):
            if name in kinds and name not in ("id", "seq", "updated_at", "deleted_at", "created_at"):
                edited[name] = who
    for name, who in edited.items():
        writer.conflict(
            table=change.table,
            record_id=change.record_id,
            territory=territory,
            field=name,
            lost=to_wire(kinds[name], current[name]),
            won=None,
            lost_by=who,
            reason="deleted-after-edit",
        )
    return len(edited)


def _stamp_pair(change: Change) -> list[Any] | None:
    pair = change.changes.get("updated_at")
    return pair if change.op != "insert" and isinstance(pair, list) and len(pair) == 2 else None


def _unseen_since(writer: Writer, change: Change, seen: str) -> Any:
    """Which central writes of the record a laptop had not seen, when the ``updated_at`` it held is a stamp
    of its own clock (it changed the record after it last pulled it, and pushed that earlier).

    Its earlier changes of the record were logged with its stamps (``Writer.update``'s ``laptop_stamp``):
    followed back, they lead to the central stamp it had pulled (the writes after it are unseen), or to
    the record it made itself (the writes after that landed).  A chain that breaks (changes logged before
    stamps were) ends at the laptop's own last write."""
    log = schema.change_log
    of_record = (log.c.table_name == change.table, log.c.record_id == change.record_id)
    mine = writer.conn.execute(
        select(log.c.seq, log.c.op, log.c.changes)
        .where(*of_record, log.c.client_id == writer.client_id)
        .order_by(log.c.seq)
    ).all()
    back: dict[Any, Any] = {}  # the laptop's stamp after a change -> its stamp before
    made = None
    for seq, op, changes in mine:
        pair = json.loads(changes).get("updated_at")
        if op == "insert":
            made = made if made is not None else seq
        elif isinstance(pair, list) and len(pair) == 2:
            back[pair[1]] = pair[0]
    stamp: Any = seen
    while stamp in back:
        stamp = back.pop(stamp)
        if stamp is None:
            break
        moment = from_wire("datetime", stamp)
        if writer.conn.execute(
            select(log.c.seq).where(*of_record, log.c.applied_at == moment).limit(1)
        ).first():
            return log.c.applied_at > moment
    if made is not None:
        return log.c.seq > made
    return log.c.seq > (max((seq for seq, _op, _changes in mine), default=0))


def _grown(identity: Identity, rows: Rows) -> Identity:
    """A manager's territories after this batch added territories below them: the rest of the batch may
    give those members and rules (as PostgreSQL's row-level security, which reads the live tree, does)."""
    visible = set(identity.territories)
    grew = True
    while grew:
        grew = False
        for (table, record_id), row in rows.items():
            if (
                table == "territories"
                and record_id not in visible
                and row.get("deleted_at") is None
                and row.get("parent_id") in visible
            ):
                visible.add(record_id)
                grew = True
    if len(visible) == len(identity.territories):
        return identity
    return replace(identity, territories=frozenset(visible))


def _move_with_account(writer: Writer, account_id: str, old: str | None, new: str | None) -> None:
    """An account moved: its orders and order lines (read-only on laptops) follow it here."""
    for table in MOVED_WITH_ACCOUNT:
        t = schema.SYNCED[table]
        query = select(t.c.id).where(t.c.account_id == account_id, t.c.territory_id.is_distinct_from(new))
        for record_id in writer.conn.execute(query).scalars().all():
            writer.update(
                table, record_id, {"territory_id": new}, old_territory=old, old={"territory_id": old}
            )


def _last_writer(cc: Connection, change: Change) -> str | None:
    """Who wrote the record last on the central store (the loser of a same-field conflict)."""
    log = schema.change_log
    return cc.execute(
        select(log.c.db_user)
        .where(log.c.table_name == change.table, log.c.record_id == change.record_id)
        .order_by(log.c.seq.desc())
        .limit(1)
    ).scalar()
