"""Sequence templates on the central store: adding or replacing them from checked values (``sfa central
sequences import``).  Runs in the caller's central transaction and writes through :class:`central.Writer`,
so the templates reach the laptops at their next sync."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from sfa_desktop.core.records.models import new_id
from sfa_desktop.sync import schema
from sfa_desktop.sync.central import Writer

TEMPLATES = schema.SYNCED["sequence_templates"]


def import_templates(writer: Writer, templates: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Add each template, or replace the one with its id or (any case) its live name, brought back if it
    was deleted; returns how many were added and how many updated.  ``templates``: checked values (name,
    description, target, steps as JSON, active) and an optional id."""
    t = TEMPLATES
    live = {
        r.name.lower(): r.id
        for r in writer.conn.execute(select(t.c.id, t.c.name).where(t.c.deleted_at.is_(None)))
    }
    added = changed = 0
    for template in templates:
        existing: str | None = template["id"] or live.get(template["name"].lower())
        known = existing and writer.conn.execute(select(t.c.id).where(t.c.id == existing)).first()
        values = {k: v for k, v in template.items() if k != "id"}
        if known and existing:
            writer.update("sequence_templates", existing, {**values, "deleted_at": None})
            changed += 1
        else:
            writer.insert("sequence_templates", {**values, "id": existing or new_id(), "deleted_at": None})
            added += 1
    return added, changed
