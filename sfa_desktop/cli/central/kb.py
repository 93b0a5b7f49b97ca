"""``sfa central kb import DIR``: a folder of Markdown articles into the central knowledge base."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sfa_desktop.cli.central.common import connect, url_option
from sfa_desktop.cli.common import Commands
from sfa_desktop.server import central


def cmd_central_import(args: argparse.Namespace) -> int:
    from sfa_desktop.server.kb_import import KbImportError, import_folder

    engine, login = connect(args)
    try:
        with central.central_transaction(engine) as conn:
            central.check_compatible(conn)
            result = import_folder(central.Writer(conn, login=login), args.folder, login=login)
    except KbImportError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"sfa: error: {problem}\n")
        count = len(exc.problems)
        sys.stderr.write(f"sfa: error: {count} bad file{'s' if count != 1 else ''}; nothing was imported.\n")
        return 1
    finally:
        engine.dispose()
    print(
        f"Imported {result.total} articles from {args.folder}: {len(result.added)} new, "
        f"{len(result.updated)} updated, {len(result.unchanged)} unchanged. Laptops get them with their "
        "next sync."
    )
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa central kb import DIR``."""
    commands.group(
        "central kb",
        dest="kb_action",
        help="the knowledge base on the central store",
        description="The central knowledge base.",
    )
    importer = commands.command(
        "central kb import",
        parents=[url_option()],
        help="import a folder of Markdown articles",
        description="Import every .md file of a folder (and its subfolders) as a knowledge-base article. "
        "Each file starts with a front matter between '---' lines: title (required), category, tags "
        "(comma-separated), products (SKUs, comma-separated), published (yes/no). The file name is the "
        "article's key: importing again updates the same articles. If any file is bad, each bad file is "
        "named and nothing is imported.",
    )
    importer.add_argument("folder", metavar="DIR", type=Path, help="the folder of .md files")
    importer.set_defaults(handler=cmd_central_import)
