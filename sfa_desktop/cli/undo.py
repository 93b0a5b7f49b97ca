"""``sfa undo``: undo the last edit, stage move or merge made on this laptop (the window's Edit > Undo, from
the same history), and ``sfa undo --list``: that history, newest first."""

from __future__ import annotations

import argparse

from sfa_desktop.cli.common import Commands, open_store
from sfa_desktop.ops import undo


def cmd_undo(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.list:
            entries = undo.history(store, args.limit)
            if not entries:
                print("Nothing to undo: no edit, stage move or merge was made on this laptop yet.")
                return 0
            for entry in entries:
                when = entry.done_at.astimezone().strftime("%Y-%m-%d %H:%M")
                state = "undone" if entry.undone_at else "refused" if entry.refused else "can be undone"
                print(f"{when}  {entry.action.what}  ({state})")
            return 0
        done = undo.undo_last(store)
    print(done.message())
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa undo``."""
    parser = commands.command(
        "undo",
        parents=[commands.data_dir],
        help="undo the last edit, stage move or merge made on this laptop",
        description=(
            "Undo the newest edit of a record, stage move of an opportunity or merge made on this laptop "
            "(in the window or here) that is not undone yet: the record gets back the values it had, a "
            "merged-away record comes back with what the merge moved to the survivor. The undo is an edit "
            "like any other and is sent at the next sync. It is refused, and nothing is undone, when the "
            "record changed since (edited again, or a sync brought another value)."
        ),
    )
    parser.add_argument(
        "--list", action="store_true", help="show the undo history instead, newest first (nothing is undone)"
    )
    parser.add_argument(
        "--limit", type=int, default=undo.SHOWN, metavar="N", help=f"how many to list (default {undo.SHOWN})"
    )
    parser.set_defaults(handler=cmd_undo)
