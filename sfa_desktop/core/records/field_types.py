"""The two shapes of the record descriptions: :class:`Field` (one field: label, kind, limits, choices) and
:class:`Entity` (one kind of record: its fields, list columns, system fields).  The descriptions
themselves are in :mod:`sfa_desktop.core.records.fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sfa_desktop.core.records import models


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text longtext email phone url int float money date datetime choice bool ref country
    # hours (a weekly window: core.visiting_hours)
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the entity a ``ref`` field points at
    minimum: int | None = None
    maximum: int | None = None
    unique: bool = False  # no two live records may share the value
    #: A ``choice`` whose vocabulary lives in the database ("pipeline_stages": the active stages, in order).
    #: ``choices`` then only lists the defaults; the services check the value against the database.
    choices_from: str | None = None
    #: ``float`` fields are rounded to this many decimal places.  Change capture writes the outbox with
    #: SQLite's JSON functions, which keep 15 significant digits, so a float field must fit in them:
    #: rounding makes the value that syncs exactly the value that was saved.
    decimals: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "float" and self.decimals is None:
            raise ValueError(f"float field {self.name!r} needs its decimals (see Field.decimals)")


@dataclass(frozen=True)
class Entity:
    key: str  # "contacts"
    model: type[models.SyncedRecord]
    singular: str
    plural: str
    fields: tuple[Field, ...]
    #: Columns shown in lists: (column label, SQL expression key understood by the list query).
    list_columns: tuple[str, ...] = ()
    searchable: bool = False
    #: Fields that services set (merge and conversion links, sequence steps): validated like the others,
    #: but not offered in forms or as command-line options.
    system_fields: tuple[Field, ...] = ()
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in (*self.fields, *self.system_fields)})
