"""Records: open, save and delete one record, the labels and choices of its references, counts and the
global search (the record forms, pickers, the sections' counts, the search box; ``sfa <kind> ...``).

Each function opens its own session or connection from the store and closes it before returning, so
nothing database-related ever crosses a thread boundary except plain values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import access, settings
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services, undo
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.records.merge import survivor_of
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store import search
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.lists import LISTS

#: How a reference is shown in pickers and combo boxes: (table, SQL label, SQL hint shown after it).
REF_LABELS: dict[str, tuple[str, str, str]] = {
    "accounts": ("accounts", "name", "city"),
    "contacts": ("contacts", "trim(coalesce(first_name, '') || ' ' || last_name)", "title"),
    "leads": ("leads", "trim(coalesce(first_name, '') || ' ' || last_name)", "company"),
    "opportunities": ("opportunities", "name", "stage"),
    "territories": ("territories", "name", "code"),
    "users": ("users", "full_name", "login"),
}
#: References with few enough rows for a combo box; the others get a searchable picker.
SMALL_REFS = frozenset({"territories", "users"})

_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
#: How a person names a record of each kind when typing it, besides its id (SQL over the record's own
#: table); the last is how the record is named back (:func:`label_of`).
NAMES: dict[str, tuple[str, ...]] = {
    "accounts": ("name",),
    "contacts": (_PERSON,),
    "leads": (_PERSON,),
    "opportunities": ("name",),
    "activities": ("subject",),
    "users": ("login", "full_name"),
    "territories": ("code", "name"),
    "territory_memberships": ("id",),
    "products": ("sku", "name"),
}
_HEXISH = re.compile(r"[0-9a-fA-F-]{4,36}")
SHORT_ID = 8


class Ambiguous(UserError):
    """What was typed names several records; the message lists a few and asks for the id."""


@dataclass
class LoadedRecord:
    kind: str
    record_id: str
    values: dict[str, Any]
    ref_labels: dict[str, str] = field(default_factory=dict)
    #: Fields this laptop's user may see but not change, with why (``locked_fields``).
    locked: dict[str, str] = field(default_factory=dict)


def _label_sql(ref: str) -> str:
    table, label, _ = REF_LABELS[ref]
    return f"SELECT {label} FROM {table} WHERE id = :id"


def load_record(store: LocalStore, kind: str, record_id: str) -> LoadedRecord:
    """The record's values; a merged-away record's id shows the record it was merged into."""
    with store.reading() as session:
        if kind in ("accounts", "contacts", "leads"):
            from sfa_desktop.core.records.merge import survivor_of

            record_id = survivor_of(session, kind, record_id) or record_id
        record = services.get(session, kind, record_id)
        values = services.as_dict(record)
        labels: dict[str, str] = {}
        for spec in ENTITIES[kind].fields:
            value = values.get(spec.name)
            if spec.kind == "ref" and value and spec.ref in REF_LABELS:
                label = session.execute(text(_label_sql(spec.ref)), {"id": value}).scalar()
                labels[spec.name] = str(label) if label is not None else ""
        return LoadedRecord(kind, record_id, values, labels, _locked(session, kind))


#: Why a rep sees an account's segment and visit frequency without a way to change them.
MANAGERS_CHOICE = (
    "Only a manager of the territory sets the segment and the visit frequency (they decide the account's "
    "service level); ask your manager to change them."
)


def _locked(session: Session, kind: str) -> dict[str, str]:
    if kind != "accounts" or access.may_set_service_terms(access.this_user(session.connection())):
        return {}
    return dict.fromkeys(access.MANAGER_ACCOUNT_FIELDS, MANAGERS_CHOICE)


def locked_fields(store: LocalStore, kind: str) -> dict[str, str]:
    """The fields of ``kind`` this laptop's user sees but may not change (name -> why): an account's
    segment and own visit frequency for a rep (``core.access.may_set_service_terms``)."""
    with store.reading() as session:
        return _locked(session, kind)


def phone_region(store: LocalStore) -> str:
    with store.reading() as session:
        return settings.get(session, "phone_region")


def record_country(store: LocalStore, kind: str, record_id: str | None) -> str | None:
    """A stored record's country (its national phone numbers are read there first), None when none."""
    with store.reading() as session:
        return services.record_country(session, kind, record_id)


def ref_choices(store: LocalStore, ref: str) -> list[tuple[str, str]]:
    """(id, label) of every live record of a small reference table, by label."""
    table, label, _ = REF_LABELS[ref]
    sql = f"SELECT id, {label} FROM {table} WHERE deleted_at IS NULL ORDER BY {label} COLLATE NOCASE"
    with store.engine.connect() as conn:
        return [(row[0], row[1] or "") for row in conn.execute(text(sql))]


def dynamic_choices(store: LocalStore, source: str) -> list[tuple[str, str]]:
    """(value, label) of a vocabulary kept in the database (``Field.choices_from``), in order."""
    from sfa_desktop.core.records import stages

    if source != "pipeline_stages":
        raise ValueError(f"no vocabulary {source!r}")
    with store.reading() as session:
        return stages.choices(session)


def lookup_refs(store: LocalStore, ref: str, typed: str, limit: int = 50) -> list[tuple[str, str, str]]:
    """(id, label, hint) of up to ``limit`` live records whose label contains what was typed."""
    table, label, hint = REF_LABELS[ref]
    escaped = typed.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sql = (
        f"SELECT id, {label} AS label, {hint} FROM {table} WHERE deleted_at IS NULL "
        f"AND {label} LIKE :pattern ESCAPE '\\' "
        f"ORDER BY ({label} LIKE :prefix ESCAPE '\\') DESC, {label} COLLATE NOCASE LIMIT :limit"
    )
    params = {"pattern": f"%{escaped}%", "prefix": f"{escaped}%", "limit": limit}
    with store.engine.connect() as conn:
        return [(row[0], row[1] or "", row[2] or "") for row in conn.execute(text(sql), params)]


def save_record(store: LocalStore, kind: str, record_id: str | None, values: Mapping[str, Any]) -> str:
    """Create (no id) or update a record in one transaction; ValidationError names the bad fields.  Either
    goes into the undo history (``ops.undo``)."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        if record_id is None:
            record = services.create(session, kind, values)
            what = f"new {ENTITIES[kind].singular} {undo.record_name(kind, services.as_dict(record))}"
            undo_ops.note(session, since, "create", what, (kind, record.id))
            return str(record.id)
        record = services.update(session, kind, record_id, values)
        what = f"edit of {undo.record_name(kind, services.as_dict(record))}"
        undo_ops.note(session, since, "edit", what, (kind, record_id))
        return record_id


def delete_impact(store: LocalStore, kind: str, record_id: str) -> dict[str, int]:
    """What deleting a record takes along: child kind -> how many live records."""
    if kind != "accounts":
        return {}
    counts = {}
    with store.engine.connect() as conn:
        for child in services.ACCOUNT_CHILDREN:
            if child not in ENTITIES:  # visit reports, attachments: they go with the account's activities
                continue
            counts[child] = int(
                conn.execute(
                    text(f"SELECT count(*) FROM {child} WHERE account_id = :id AND deleted_at IS NULL"),
                    {"id": record_id},
                ).scalar_one()
            )
    return counts


def delete_record(store: LocalStore, kind: str, record_id: str) -> int:
    """Delete a record (an account with its contacts, deals and activities) in one transaction, into the
    undo history; how many records were deleted."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        name = undo.record_name(kind, services.as_dict(services.get(session, kind, record_id)))
        count = services.delete(session, kind, record_id)
        more = f" and {count - 1} related record{'s' if count != 2 else ''}" if count > 1 else ""
        undo_ops.note(session, since, "delete", f"delete of {name}{more}", (kind, record_id))
        return count


def section_counts(store: LocalStore, kinds: tuple[str, ...], *, deleted_too: bool = False) -> dict[str, int]:
    """How many live records of each kind; with ``deleted_too``, how many rows, deleted ones included
    (``sfa demo`` tells whether a database ever held data)."""
    where = "" if deleted_too else " WHERE deleted_at IS NULL"
    with store.engine.connect() as conn:
        return {
            kind: int(conn.execute(text(f"SELECT count(*) FROM {kind}{where}")).scalar_one())
            for kind in kinds
        }


def run_search(store: LocalStore, typed: str, limit: int = 12, kind: str | None = None) -> list[search.Hit]:
    """The best matches among accounts, contacts and leads (of one ``kind`` when given)."""
    with store.engine.connect() as conn:
        return search.search(conn, typed, limit=limit, kind=kind)


def find_opportunities(store: LocalStore, typed: str, limit: int = 5) -> list[search.Hit]:
    """Opportunities have no full-text index: match their name with LIKE for the global search."""
    rows = lookup_refs(store, "opportunities", typed, limit)
    return [search.Hit("opportunities", rid, label, hint) for rid, label, hint in rows]


# -- naming records: what a person typed -> a record, a record -> its name ---------------------------------


def label_of(store: LocalStore, kind: str, record_id: str) -> str:
    """How a person names the record (``NAMES``' last expression), or its id when that is empty."""
    with store.engine.connect() as conn:
        value = conn.execute(
            text(f"SELECT {NAMES[kind][-1]} FROM {kind} WHERE id = :id"), {"id": record_id}
        ).scalar()
    return str(value) if value else record_id


def resolve_ref(store: LocalStore, kind: str, given: str) -> str:
    """The id of the live record of ``kind`` that ``given`` names: a full id, a name (any case; a merged-away
    record's id leads to the record it was merged into), or an id prefix.  ``NotFound`` when none does,
    :class:`Ambiguous` when several do (the messages name the ``sfa`` commands that list them)."""
    with store.reading() as session:
        return _resolve(session, kind, given)


def _resolve(session: Session, kind: str, given: str) -> str:
    ent = ENTITIES[kind]
    wanted = given.strip()
    if not wanted:
        raise Ambiguous(f"No {ent.singular} given.")
    alive = f"SELECT id FROM {kind} WHERE deleted_at IS NULL AND "
    found = session.execute(text(alive + "id = :v"), {"v": wanted}).scalars().all()
    if found:
        return str(found[0])
    if kind in ("accounts", "contacts", "leads") and (survivor := survivor_of(session, kind, wanted)):
        return survivor
    matches: list[str] = []
    for expr in NAMES[kind]:
        rows = session.execute(text(alive + f"{expr} = :v COLLATE NOCASE LIMIT 5"), {"v": wanted}).scalars()
        matches += [r for r in rows if r not in matches]
    if not matches and _HEXISH.fullmatch(wanted):
        pattern = wanted.lower().replace("%", "").replace("_", "") + "%"
        matches = list(session.execute(text(alive + "id LIKE :p LIMIT 5"), {"p": pattern}).scalars())
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(m[:SHORT_ID] for m in matches[:4]) + (", ..." if len(matches) > 4 else "")
        raise Ambiguous(f"'{wanted}' matches several {ent.plural} ({listed}); give the id instead.")
    if _HEXISH.fullmatch(wanted):
        hint = f" It may have been deleted; 'sfa {kind} list' shows the ids." if kind in LISTS else ""
    else:
        hint = f" Find it with 'sfa search {wanted}' or 'sfa {kind} list'." if kind in LISTS else ""
    raise NotFound(f"There is no {ent.singular} '{wanted}'.{hint}")


def resolve_id(store: LocalStore, table: str, noun: str, given: str) -> str:
    """The id of the one live row of ``table`` whose id starts with ``given`` (enrollments, activities:
    records named by id alone)."""
    wanted = given.strip().lower()
    with store.engine.connect() as conn:
        ids = list(
            conn.execute(
                text(f"SELECT id FROM {table} WHERE deleted_at IS NULL AND id LIKE :p LIMIT 3"),
                {"p": wanted + "%"},
            ).scalars()
        )
    if len(ids) == 1 and wanted:
        return str(ids[0])
    if ids and wanted:
        raise Ambiguous(f"'{given}' matches several {noun}s; give more of the id.")
    raise NotFound(f"There is no {noun} '{given}'.")
