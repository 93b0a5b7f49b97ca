"""The conflict archive on this laptop: list it, re-apply a losing value as a new edit, dismiss an entry.

The engine pulls the central store's archive into the local ``conflicts`` table.  Values there are the JSON of
their wire form (see :mod:`sfa_desktop.protocol.wire`).  Used by ``sfa conflicts`` and the Conflicts view
alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ENTITIES, display_value
from sfa_desktop.core.records.models import Base
from sfa_desktop.protocol.wire import from_wire, kind_of
from sfa_desktop.store.database import LocalStore

REASONS = {
    "same-field": "edited elsewhere at the same time",
    "not-permitted": "not allowed for this user",
    "missing": "the record no longer exists",
    "edit-after-delete": "edited after it was deleted",
    "deleted-after-edit": "deleted after this edit",
}


class ConflictError(UserError):
    """A conflict cannot be found or its value cannot be used; the message says why."""


@dataclass(frozen=True)
class Conflict:
    id: str
    table: str
    record_id: str
    record: str  # what a person calls the record
    field: str  # label, or "(whole record)"
    field_name: str
    lost: str
    won: str
    lost_by: str
    won_by: str
    when: str
    reason: str
    dismissed: bool

    @property
    def usable(self) -> bool:
        return self.field_name != "*" and self.table in ENTITIES


def _decode(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


def _typed(table: str, field: str, value: Any) -> Any:
    column = Base.metadata.tables[table].c[field]
    return from_wire(kind_of(table, column), value)


def _shown(table: str, field: str, raw: str | None) -> str:
    value = _decode(raw)
    if value is None:
        return ""
    ent = ENTITIES.get(table)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
    if ent is not None and field in ent.by_name:
        return display_value(ent.by_name[field], _typed(table, field, value))
    return str(value)


_TITLES = {
    "accounts": "name",
    "leads": "last_name || coalesce(', ' || company, '')",
    "contacts": "coalesce(first_name || ' ', '') || last_name",
    "opportunities": "name",
    "activities": "subject",
    "products": "name",
    "territories": "name",
    "users": "login",
}


def _record_title(conn: Connection, table: str, record_id: str) -> str:
    expr = _TITLES.get(table)
    singular = ENTITIES[table].singular if table in ENTITIES else table
    if expr is not None:
        title = conn.execute(text(f"SELECT {expr} FROM {table} WHERE id = :id"), {"id": record_id}).scalar()
        if title:
            return f"{singular.capitalize()} {title}"
    return f"{singular.capitalize()} {record_id[:8]}"


def open_count(conn: Connection) -> int:
    """The conflicts not dismissed."""
    return int(conn.execute(text("SELECT count(*) FROM conflicts WHERE dismissed = 0")).scalar_one())


def list_conflicts(conn: Connection, *, include_dismissed: bool = False) -> list[Conflict]:
    where = "" if include_dismissed else " WHERE dismissed = 0"
    rows = conn.execute(
        text(
            "SELECT id, table_name, record_id, field, lost_value, won_value, lost_by, won_by, reason,"
            f" created_at, dismissed FROM conflicts{where} ORDER BY seq DESC"
        )
    ).mappings()
    result = []
    for r in rows:
        ent = ENTITIES.get(r["table_name"])
        field_label = (
            "(whole record)"
            if r["field"] == "*"
            else ent.by_name[r["field"]].label
            if ent is not None and r["field"] in ent.by_name
            else r["field"]
        )
        result.append(
            Conflict(
                id=r["id"],
                table=r["table_name"],
                record_id=r["record_id"],
                record=_record_title(conn, r["table_name"], r["record_id"]),
                field=field_label,
                field_name=r["field"],
                lost=_shown(r["table_name"], r["field"], r["lost_value"]),
                won=_shown(r["table_name"], r["field"], r["won_value"]),
                lost_by=r["lost_by"] or "",
                won_by=r["won_by"],
                when=str(r["created_at"])[:16],
                reason=REASONS.get(r["reason"], r["reason"]),
                dismissed=bool(r["dismissed"]),
            )
        )
    return result


def _find(conn: Connection, conflict_id: str) -> Any:
    rows = (
        conn.execute(
            text("SELECT * FROM conflicts WHERE id LIKE :p ESCAPE '\\'"),
            {"p": conflict_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"},
        )
        .mappings()
        .all()
    )
    if not rows:
        raise ConflictError(f"There is no conflict '{conflict_id}'; 'sfa conflicts list --all' shows them.")
    if len(rows) > 1:
        raise ConflictError(f"'{conflict_id}' matches {len(rows)} conflicts; give more of the id.")
    return rows[0]


def use_value(store: LocalStore, conflict_id: str) -> Conflict:
    """Re-apply the losing value as a new edit (captured in the outbox, so it syncs); the entry is hidden."""
    with store.transaction() as session:
        row = _find(session.connection(), conflict_id)
        table, field = row["table_name"], row["field"]
        if field == "*" or table not in ENTITIES:
            raise ConflictError(
                "This conflict is about the whole record, not one value; open the record and edit it instead."
            )
        value = _typed(table, field, _decode(row["lost_value"]))
        record = session.get(ENTITIES[table].model, row["record_id"])
        if record is not None and record.deleted_at is not None:
            # the value lost to a delete (or was made after one): using it brings the record back
            record.deleted_at = None
            session.flush()
        try:
            services.update(session, table, row["record_id"], {field: value})
        except services.NotFound:
            raise ConflictError(
                "The record of this conflict no longer exists on this laptop, so its value cannot be used."
            ) from None
        session.execute(text("UPDATE conflicts SET dismissed = 1 WHERE id = :id"), {"id": row["id"]})
        conflict_id = row["id"]
    with store.reading() as session:
        (done,) = [
            c for c in list_conflicts(session.connection(), include_dismissed=True) if c.id == conflict_id
        ]
    return done


def dismiss(store: LocalStore, conflict_id: str) -> str:
    """Hide a conflict on this laptop; returns its full id."""
    with store.transaction() as session:
        row = _find(session.connection(), conflict_id)
        session.execute(text("UPDATE conflicts SET dismissed = 1 WHERE id = :id"), {"id": row["id"]})
        return str(row["id"])
