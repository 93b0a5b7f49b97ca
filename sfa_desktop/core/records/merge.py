"""Merging duplicates: one survivor keeps the chosen value of each field and everything related to the others.

:func:`merge` runs in the caller's transaction (``with store.transaction() as session``), so a merge is
saved whole or not at all.  It gives the survivor the chosen values, moves every live related record from
the merged-away records to the survivor (every table whose foreign key names the kind: an account's
contacts, opportunities, activities, enrollments, requests and their threads, comments, defections, visit
reports and attachments; a contact's or a lead's records; the conversion links of leads; and the comments
and attachments that name the record by table and id: :data:`REFERENCES`, :data:`RECORD_REFERENCES`,
derived from the models), moves their change history, and tombstones each merged-away record with
``merged_into_id`` set, so that its id keeps resolving to the survivor (:func:`survivor_of`).  Every write
goes through change capture and syncs; the central store re-points what a laptop could not see (see
``server.merges``).

Orders and order lines are the company's records, read-only on laptops: the central store moves them to
the surviving account when it applies the merge.  Local tables that are not synced and name a record
(notifications, lead scores) are not moved: opening a notification follows the merge (:func:`survivor_of`),
and lead scores are recomputed from the survivor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.records.matching import KINDS
from sfa_desktop.core.records.models import SYNCED_MODELS, ChangeHistory, SyncedRecord, utcnow
from sfa_desktop.core.records.validation import ValidationError

Reference = tuple[str, str, bool]


def references(
    models: Sequence[type[SyncedRecord]] = SYNCED_MODELS, *, company: bool = False
) -> dict[str, tuple[Reference, ...]]:
    """What points at a record of each mergeable kind: (table, column, follows the parent's territory), from
    the models' foreign keys, so that a new table that names an account is re-pointed by a merge without
    being listed anywhere.  A column follows its parent's territory when it is the ``account_id`` of a table
    that ``follows_account`` (the ``lead_id`` of one that ``follows_lead``).  The company's records (orders)
    only with ``company``: laptops hold them read-only, the central store moves them (``server.merges``)."""
    found: dict[str, list[Reference]] = {kind: [] for kind in KINDS}
    for model in models:
        if model.company_records and not company:
            continue
        for column in model.__table__.columns:
            for key in column.foreign_keys:
                kind = key.column.table.name
                if kind not in found:
                    continue
                follows = (kind == "accounts" and column.name == "account_id" and model.follows_account) or (
                    kind == "leads" and column.name == "lead_id" and model.follows_lead
                )
                found[kind].append((model.__tablename__, column.name, bool(follows)))
    return {kind: tuple(refs) for kind, refs in found.items()}


def record_references(
    models: Sequence[type[SyncedRecord]] = SYNCED_MODELS,
) -> tuple[tuple[str, str, str], ...]:
    """The references to a record of any table (``SyncedRecord.record_reference``): (table, table column,
    id column); a merge re-points those that name a merged-away record of its kind."""
    return tuple(
        (model.__tablename__, *model.record_reference)
        for model in models
        if model.record_reference is not None
    )


#: What points at a record of each kind, as a laptop re-points it (see :func:`references`).
REFERENCES: dict[str, tuple[Reference, ...]] = references()
#: The references to any record (comments, attachments): (table, table column, id column).
RECORD_REFERENCES: tuple[tuple[str, str, str], ...] = record_references()
_MODELS: dict[str, Any] = {m.__tablename__: m for m in SYNCED_MODELS}
_NAMED: dict[str, tuple[str, str]] = {table: (t, i) for table, t, i in RECORD_REFERENCES}
#: How long a chain of merges may be followed (a merged record merged again, and again).
MAX_CHAIN = 32


class MergeError(UserError, ValueError):
    """The merge cannot be done as asked; the message says why and what to do."""


@dataclass
class MergeResult:
    survivor_id: str
    merged_ids: list[str]
    changed: list[str] = field(default_factory=list)  # survivor fields that took another record's value
    moved: dict[str, int] = field(default_factory=dict)  # related table -> records moved

    def summary(self) -> str:
        moved = ", ".join(f"{n} {_noun(t, n)}" for t, n in self.moved.items() if n)
        return moved or "no related records"


def _noun(table: str, count: int) -> str:
    ent = ENTITIES.get(table)
    if ent is not None:
        return ent.plural if count != 1 else ent.singular
    words = table.replace("_", " ")
    return words if count != 1 else words.removesuffix("s")


def survivor_of(session: Session, kind: str, record_id: str) -> str | None:
    """The live record an id names: itself, or the record it was merged into (following chains); None when
    it is deleted without a merge, or unknown."""
    model: Any = ENTITIES[kind].model
    current = record_id
    for _ in range(MAX_CHAIN):
        row = session.execute(
            sa.select(model.deleted_at, model.merged_into_id).where(model.id == current)
        ).first()
        if row is None:
            return None
        if row.deleted_at is None:
            return current
        if row.merged_into_id is None:
            return None
        current = row.merged_into_id
    return None


def chosen_values(
    kind: str,
    records: Mapping[str, Mapping[str, Any]],
    survivor_id: str,
    take: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The survivor's value of every form field after the merge: the survivor's own, unless ``take`` names
    the record to take it from; an empty survivor field takes the first other record's value."""
    ent = ENTITIES[kind]
    take = dict(take or {})
    unknown = [name for name in take if name not in {f.name for f in ent.fields}]
    if unknown:
        names = ", ".join(f.name for f in ent.fields)
        raise MergeError(f"{ent.plural.capitalize()} have no field {unknown[0]!r}; fields: {names}.")
    strangers = [rid for rid in take.values() if rid not in records]
    if strangers:
        raise MergeError(f"Values can only be taken from the records being merged, not {strangers[0]}.")
    others = [rid for rid in records if rid != survivor_id]
    values: dict[str, Any] = {}
    for spec in ent.fields:
        if spec.name in take:
            values[spec.name] = records[take[spec.name]].get(spec.name)
            continue
        value = records[survivor_id].get(spec.name)
        if value is None or value == "":
            value = next(
                (records[o][spec.name] for o in others if records[o].get(spec.name) not in (None, "")), value
            )
        values[spec.name] = value
    return values


def merge(
    session: Session,
    kind: str,
    survivor_id: str,
    merged_ids: Sequence[str],
    *,
    take: Mapping[str, str] | None = None,
) -> MergeResult:
    """Merge ``merged_ids`` into ``survivor_id`` (see the module's description).  ``take`` maps a field to
    the record whose value the survivor gets; by default it keeps its own and fills empty fields."""
    if kind not in KINDS:
        raise MergeError(f"Only {', '.join(KINDS)} can be merged, not {kind}.")
    ent = ENTITIES[kind]
    losers = list(dict.fromkeys(merged_ids))
    if not losers:
        raise MergeError(f"Name at least one {ent.singular} to merge into the survivor.")
    if survivor_id in losers:
        raise MergeError(f"A {ent.singular} cannot be merged into itself; choose another survivor.")
    try:
        records = {rid: services.as_dict(services.get(session, kind, rid)) for rid in (survivor_id, *losers)}
    except services.NotFound as exc:
        raise MergeError(
            f"{exc} It may have been merged or deleted already; look for duplicates again."
        ) from None
    values = chosen_values(kind, records, survivor_id, take)
    survivor = records[survivor_id]
    if kind == "accounts" and not access.may_set_service_terms(access.user_of(session)):
        # the segment and visit frequency are a manager's choice: a rep's merge keeps the survivor's (a
        # manager sets them afterwards) rather than fail; asked for with ``take``, the refusal says why
        for name in access.MANAGER_ACCOUNT_FIELDS:
            if name not in (take or {}):
                values[name] = survivor.get(name)
    changes = {k: v for k, v in values.items() if v != survivor.get(k)}
    result = MergeResult(survivor_id, losers, changed=sorted(changes))
    try:
        if changes:
            services.update(session, kind, survivor_id, changes)
    except ValidationError as exc:
        raise MergeError("The chosen values cannot be saved: " + " ".join(exc.errors.values())) from None
    territory = session.execute(
        sa.select(ent.model.territory_id).where(ent.model.id == survivor_id)  # type: ignore[attr-defined]
    ).scalar()
    now = utcnow()
    for loser in losers:
        for table, column, follows in REFERENCES[kind]:
            moved = _repoint(session, kind, table, column, loser, survivor_id, territory, follows, now)
            result.moved[table] = result.moved.get(table, 0) + moved
        for table, table_column, id_column in RECORD_REFERENCES:
            moved = _repoint_named(session, kind, table, table_column, id_column, loser, survivor_id, now)
            result.moved[table] = result.moved.get(table, 0) + moved
        session.execute(
            sa.update(ChangeHistory)
            .where(ChangeHistory.table_name == kind, ChangeHistory.record_id == loser)
            .values(record_id=survivor_id)
        )
        session.execute(
            sa.update(ent.model)
            .where(ent.model.id == loser)
            .values(merged_into_id=survivor_id, deleted_at=now, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    session.flush()
    return result


def history_of(session: Session, kind: str, record_ids: Sequence[str]) -> tuple[tuple[int, str], ...]:
    """(change history entry, record) of these records: what :func:`merge` gives the survivor (an undo of the
    merge gives it back)."""
    rows = session.execute(
        sa.select(ChangeHistory.seq, ChangeHistory.record_id).where(
            ChangeHistory.table_name == kind, ChangeHistory.record_id.in_(list(record_ids))
        )
    )
    return tuple((int(seq), str(record_id)) for seq, record_id in rows)


def _repoint(
    session: Session,
    kind: str,
    table: str,
    column: str,
    loser: str,
    survivor: str,
    territory: str | None,
    follows: bool,
    now: Any,
) -> int:
    """Point the live records of ``table`` that reference ``loser`` at ``survivor``.  Records that follow
    their parent's territory take the survivor's (a lead's records only when they have no account)."""
    model: Any = _MODELS[table]
    live = sa.and_(getattr(model, column) == loser, model.deleted_at.is_(None))
    values: dict[str, Any] = {column: survivor, "updated_at": now}
    named = _NAMED.get(table)
    if named is not None:  # a comment on the account names it twice: one change of the record moves both
        by_table, by_id = getattr(model, named[0]), getattr(model, named[1])
        values[named[1]] = sa.case((sa.and_(by_table == kind, by_id == loser), survivor), else_=by_id)
    if not follows:
        return _update(session, model, live, values)
    moved = 0
    if kind == "leads":  # those without an account first; the rest keep their account's territory
        moved = _update(
            session, model, sa.and_(live, model.account_id.is_(None)), {**values, "territory_id": territory}
        )
        return moved + _update(session, model, live, values)
    return _update(session, model, live, {**values, "territory_id": territory})


def _repoint_named(
    session: Session,
    kind: str,
    table: str,
    table_column: str,
    id_column: str,
    loser: str,
    survivor: str,
    now: Any,
) -> int:
    """Point the live records of ``table`` that still name ``loser`` by (table, id) at ``survivor`` (those
    a foreign key named too were moved with it by :func:`_repoint`)."""
    model: Any = _MODELS[table]
    named = sa.and_(
        getattr(model, table_column) == kind, getattr(model, id_column) == loser, model.deleted_at.is_(None)
    )
    return _update(session, model, named, {id_column: survivor, "updated_at": now})


def _update(session: Session, model: Any, condition: Any, values: dict[str, Any]) -> int:
    result = session.execute(
        sa.update(model).where(condition).values(**values).execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def follow_merges_in_history(conn: Connection) -> int:
    """Give the change history of merged-away records to their survivors (after a sync brought merges
    made elsewhere).  Returns how many history entries moved."""
    moved = 0
    for kind in KINDS:
        for _ in range(MAX_CHAIN):  # one step of a chain of merges per round
            result = conn.execute(
                text(
                    f"UPDATE change_history SET record_id = (SELECT r.merged_into_id FROM {kind} r "
                    "WHERE r.id = change_history.record_id) WHERE table_name = :kind AND record_id IN "
                    f"(SELECT id FROM {kind} WHERE merged_into_id IS NOT NULL)"
                ),
                {"kind": kind},
            )
            count = int(result.rowcount)
            moved += count
            if count == 0:
                break
    return moved
