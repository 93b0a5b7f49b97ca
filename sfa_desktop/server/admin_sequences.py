"""Sequence templates on the central store: adding or replacing them from checked values (``sfa central
sequences import``).  Runs in the caller's central transaction and writes through :class:`central.Writer`,
so the templates reach the laptops at their next sync.  A template is matched by its id when the file gives
one, else by its name (live templates, any case)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.sequences.template_file import TemplateFileError
from sfa_desktop.server import schema
from sfa_desktop.server.central import Writer

TEMPLATES = schema.SYNCED["sequence_templates"]


def import_templates(writer: Writer, templates: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Add each template, or replace the one with its id or (any case) its live name, brought back if it
    was deleted; returns how many were added and how many updated.  ``templates``: checked values (name,
    description, target, steps as JSON, active) and an optional id (``template_file.read_templates``).

    A file must never leave two live templates with one name: a template whose id is another template's
    than the one its name belongs to is refused (TemplateFileError, both named) before anything is written.
    """
    t = TEMPLATES
    rows = writer.conn.execute(select(t.c.id, t.c.name, t.c.deleted_at)).all()
    live = {r.name.lower(): r.id for r in rows if r.deleted_at is None}
    known = {r.id: r.name for r in rows}
    plan: list[tuple[str, bool, dict[str, Any]]] = []
    for template in templates:
        named = live.get(template["name"].lower())
        given = template["id"]
        if given is not None and named is not None and named != given:
            where = f"Template '{template['name']}'"
            was = f" (now '{known[given]}')" if given in known else ""
            raise TemplateFileError(
                f"{where}: its id {given}{was} is not the id of the sequence named '{template['name']}' "
                f"({named}); a second sequence with that name would be made. Give that sequence's id, "
                "leave the id out, or rename the template."
            )
        target = given or named
        values = {k: v for k, v in template.items() if k != "id"}
        plan.append((target or new_id(), target is not None and target in known, values))
    added = changed = 0
    for template_id, exists, values in plan:
        if exists:
            writer.update("sequence_templates", template_id, {**values, "deleted_at": None})
            changed += 1
        else:
            writer.insert("sequence_templates", {**values, "id": template_id, "deleted_at": None})
            added += 1
    return added, changed
