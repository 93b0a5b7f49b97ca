"""``sfa update-check``: is a newer version offered at the ``update_url`` setting?  It says so and where to
get it, as the window's status bar does; it never downloads anything.  (``sfa --version`` stays offline.)"""

from __future__ import annotations

import argparse

from sfa_desktop import __version__
from sfa_desktop.cli.common import Commands, open_store
from sfa_desktop.ops import updates


def cmd_update_check(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        offer, newer = updates.check_now(store)
    if newer:
        print(offer.message())
        if offer.notes:
            print(offer.notes)
    else:
        print(f"SFA Desktop {__version__} is up to date (the newest offered is {offer.version}).")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa update-check``."""
    parser = commands.command(
        "update-check",
        parents=[commands.data_dir],
        help="say whether a newer version is offered, and where to get it",
        description=(
            "Read the document at the update_url setting (your company's sync service publishes it) and say "
            "whether it offers a newer version than this one, and where to download it. Nothing is "
            "downloaded or installed. The window checks by itself, at most once a day."
        ),
    )
    parser.set_defaults(handler=cmd_update_check)
