"""``sfa central sequences import FILE``: sequence templates from a JSON file into the central store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sfa_desktop.cli.central.common import central_writer, url_option
from sfa_desktop.cli.common import CliError, Commands
from sfa_desktop.core.records.fields import SEQUENCE_TARGETS
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.sync.admin_sequences import import_templates


def _read_templates(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text; save it as UTF-8 JSON.") from None
    items = data.get("templates") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise CliError(f'{path} holds no templates: give a list of templates, or {{"templates": [...]}}.')
    cleaned = []
    names: set[str] = set()
    for number, item in enumerate(items, start=1):
        where = f"Template {number}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise CliError(f"{where} has no name.")
        name = item["name"].strip()
        where = f"Template '{name}'"
        if len(name) > 200 or name.lower() in names:
            raise CliError(f"{where}: the name is too long or appears twice in the file.")
        names.add(name.lower())
        target = item.get("target", "any")
        if target not in SEQUENCE_TARGETS:
            raise CliError(f"{where}: target must be one of {', '.join(SEQUENCE_TARGETS)}.")
        try:
            steps = sequences.validate(item.get("steps"))
        except sequences.TemplateError as exc:
            raise CliError(f"{where}: {exc.message}") from None
        active = item.get("active", True)
        if not isinstance(active, bool):
            raise CliError(f"{where}: active must be true or false.")
        description = item.get("description")
        cleaned.append(
            {
                "id": item.get("id"),
                "name": name,
                "description": description if isinstance(description, str) else None,
                "target": target,
                "steps": sequences.steps_json(steps),
                "active": active,
            }
        )
    return cleaned


def cmd_central_import(args: argparse.Namespace) -> int:
    templates = _read_templates(Path(args.file))
    with central_writer(args) as writer:
        added, changed = import_templates(writer, templates)
    print(
        f"Imported {len(templates)} sequences: {added} added, {changed} updated. "
        "Laptops get them at their next sync."
    )
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa central sequences import FILE``."""
    commands.group(
        "central sequences",
        dest="sequences_action",
        help="sequence templates on the central store",
        description="Sequence templates.",
    )
    importer = commands.command(
        "central sequences import",
        parents=[url_option()],
        help="add or update sequence templates from a JSON file",
        description="Add or update sequence templates from a JSON file: a list of templates (name, "
        "description, target, active, steps). A template with the name of an existing one replaces it. "
        "Every template is checked first; if one is invalid, nothing is written.",
    )
    importer.add_argument("file", metavar="FILE", help="the JSON file")
    importer.set_defaults(handler=cmd_central_import)
