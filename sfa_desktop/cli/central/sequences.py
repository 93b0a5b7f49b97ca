"""``sfa central sequences import FILE``: sequence templates from a JSON file into the central store."""

from __future__ import annotations

import argparse
from pathlib import Path

from sfa_desktop.cli.central.common import central_writer, url_option
from sfa_desktop.cli.common import Commands
from sfa_desktop.core.sequences import template_file
from sfa_desktop.server.admin_sequences import import_templates


def cmd_central_import(args: argparse.Namespace) -> int:
    templates = template_file.read_path(Path(args.file))
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
