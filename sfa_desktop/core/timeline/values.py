"""How a changed field reads on the timeline: its label, and its old and new values as a person reads them.

Change history and the outbox hold values as stored (wire form: UTC times as text, dates as ISO text,
booleans as 0/1, money in cents, references as ids).  :class:`ValueFormatter` turns them into text with
the field specs (``fields.Field.label``, ``fields.display_value``), naming referenced records: the names
are looked up once per table for every reference on the timeline.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.records.fields import ENTITIES, Field, display_value
from sfa_desktop.core.records.validation import format_phone

_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
#: How a referenced record is named (SQL over its own table).
REF_NAMES: dict[str, str] = {
    "accounts": "name",
    "contacts": _PERSON,
    "leads": _PERSON,
    "opportunities": "name",
    "users": "full_name",
    "territories": "name",
    "products": "name",
    "sequence_templates": "name",
    "pipeline_stages": "name",
}
#: Columns that are not in the field specs but show up in changes.
_EXTRA_FIELDS = {
    "territory_id": Field("territory_id", "Territory", "ref", ref="territories"),
    "deleted_at": Field("deleted_at", "Deleted", "datetime"),
}
#: Bookkeeping columns a person does not need to see as changes.
HIDDEN = frozenset({"id", "created_at", "updated_at"})
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str

    def as_text(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


@functools.lru_cache(maxsize=8192)
def phone_text(e164: str) -> str:
    """format_phone, with a fast path for North American numbers: phonenumbers takes ~0.1 ms a number,
    which would be most of the cost of a timeline with a few hundred changed phone numbers."""
    if len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():
        return f"+1 {e164[2:5]}-{e164[5:8]}-{e164[8:]}"
    return format_phone(e164)


@functools.lru_cache(maxsize=1024)
def field_spec(table: str, name: str) -> Field | None:
    ent = ENTITIES.get(table)
    spec = ent.by_name.get(name) if ent is not None else None
    return spec or _EXTRA_FIELDS.get(name)


def parse_time(value: Any) -> dt.datetime | None:
    """A stored UTC time (naive text or datetime) as an aware datetime."""
    if value is None or value == "":
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def parse_day(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@functools.cache
def _field_order(table: str) -> dict[str, int]:
    ent = ENTITIES.get(table)
    return {name: i for i, name in enumerate(ent.by_name)} if ent is not None else {}


class ValueFormatter:
    """Formats changed values; references are named from a cache filled by :meth:`prefetch`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.names: dict[tuple[str, str], str] = {}
        self._shown: dict[tuple[str, str | None, Any], str] = {}

    def prefetch(self, table: str, changes: Iterable[Mapping[str, Any]]) -> None:
        """Look up, one query per referenced table, the names of every record these changes refer to."""
        wanted: dict[str, set[str]] = {}
        for change in changes:
            for name, pair in change.items():
                spec = field_spec(table, name)
                if spec is None or spec.kind != "ref" or spec.ref not in REF_NAMES:
                    continue
                values = pair if isinstance(pair, list) else [pair]
                for value in values:
                    if isinstance(value, str) and (spec.ref or "", value) not in self.names:
                        wanted.setdefault(spec.ref or "", set()).add(value)
        for ref, ids in wanted.items():
            self.load_names(ref, ids)

    def load_names(self, ref: str, ids: Iterable[str]) -> None:
        sql = f"SELECT id, {REF_NAMES[ref]} FROM {ref} WHERE id IN (SELECT value FROM json_each(:ids))"
        for row in self.conn.execute(text(sql), {"ids": json.dumps(sorted(set(ids)))}):
            self.names[(ref, row[0])] = str(row[1] or "")

    def name(self, ref: str, record_id: str) -> str:
        return self.names.get((ref, record_id)) or f"(unknown {ENTITIES[ref].singular})"

    def value(self, spec: Field | None, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        if spec is None:
            return str(value)
        key = (spec.kind, spec.ref, value)
        try:
            return self._shown[key]
        except KeyError:
            shown = self._shown[key] = self._format(spec, value)
            return shown
        except TypeError:  # an unhashable value (a list in a JSON column)
            return self._format(spec, value)

    def _format(self, spec: Field, value: Any) -> str:
        kind = spec.kind
        if kind == "ref" and spec.ref:
            return self.name(spec.ref, str(value)) if spec.ref in REF_NAMES else str(value)
        if kind == "datetime":
            moment = parse_time(value)
            shown = display_value(spec, moment) if moment is not None else str(value)
        elif kind == "date":
            day = parse_day(value)
            shown = display_value(spec, day) if day is not None else str(value)
        elif kind == "bool":
            shown = display_value(spec, bool(int(value)) if not isinstance(value, bool) else value)
        elif kind == "choice":
            shown = str(value)[:1].upper() + str(value)[1:]
        elif kind == "phone":
            shown = phone_text(str(value))
        else:
            try:
                shown = display_value(spec, value)
            except (TypeError, ValueError):
                shown = str(value)
        shown = " ".join(shown.split())
        return shown if len(shown) <= 80 else shown[:79] + "…"

    def changes(self, table: str, changes: Mapping[str, Any]) -> list[FieldChange]:
        """An update's ``{"field": [old, new]}`` as readable changes, in the order of the field specs."""
        result = []
        order = _field_order(table)
        for name in sorted(changes, key=lambda n: (order.get(n, len(order)), n)):
            pair = changes[name]
            if name in HIDDEN or name == "deleted_at" or not isinstance(pair, list) or len(pair) != 2:
                continue
            spec = field_spec(table, name)
            label = spec.label if spec is not None else name.replace("_", " ").capitalize()
            result.append(FieldChange(name, label, self.value(spec, pair[0]), self.value(spec, pair[1])))
        return result
