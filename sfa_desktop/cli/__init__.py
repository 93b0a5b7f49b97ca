"""The ``sfa`` command line: the same services as the window, for scripts, tests and people at a terminal.

This module is the top: :func:`main` (the ``sfa`` script) and :func:`build_parser`, which asks every command
group in :data:`GROUPS` to declare its commands on a :class:`~sfa_desktop.cli.common.CommandTree`.  One module
per group: :mod:`.basics` (init, demo, search, settings), :mod:`.records` (list, add, show, edit and delete
of accounts, contacts, leads and opportunities), :mod:`.sync` (connect, sync, conflicts), :mod:`.sequences`
(sequences, enroll, enrollments, log-outcome, agenda), :mod:`.story` (timeline, log), :mod:`.sales`,
:mod:`.pipeline` (stages, pipeline, opportunities won|lost), :mod:`.leads` (leads score|convert|rules),
:mod:`.data` (duplicates, merge, import, export), :mod:`.kb`, :mod:`.callsheet`, :mod:`.territories`
(territories, report) and the subpackage :mod:`.central` (``sfa central``).  The groups import
:mod:`.common` and the layers below, never each other nor this module.

Errors a person can cause end in one line ``sfa: error: <what is wrong and what to do>`` on stderr and
exit code 1 (argparse usage errors exit 2); never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from sfa_desktop import __version__
from sfa_desktop.cli import (
    basics,
    callsheet,
    central,
    data,
    kb,
    leads,
    pipeline,
    records,
    sales,
    sequences,
    story,
    sync,
    territories,
)
from sfa_desktop.cli.common import CliError, Commands, CommandTree
from sfa_desktop.cli.records import RECORD_KINDS
from sfa_desktop.core.demo.generator import DemoDataError
from sfa_desktop.core.records.merge import MergeError
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.transfer.textfile import FileError
from sfa_desktop.store.database import StoreError
from sfa_desktop.sync.central import CentralError

__all__ = ["GROUPS", "RECORD_KINDS", "build_parser", "main"]

#: Every group's ``register``.  ``sfa --help`` (and every command group's help) lists commands in this order:
#: by the place of the group that declared them here, then in the order that group declared them.
GROUPS: tuple[Callable[[Commands], None], ...] = (
    basics.register_setup,
    records.register,
    basics.register_lookup,
    *central.GROUPS,
    sync.register,
    sequences.register,
    story.register,
    sales.register,
    pipeline.register,
    leads.register,
    data.register,
    kb.register,
    callsheet.register,
    territories.register,
)


def command_tree(order: Sequence[int] | None = None) -> CommandTree:
    """Every command, declared by the groups; ``order`` is the order to call them in (any gives the same)."""
    data_help = "folder of the local database (default: $SFA_DATA_DIR, else the platform's user data folder)"
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", type=Path, default=argparse.SUPPRESS, help=data_help)
    tree = CommandTree(common)
    for rank in range(len(GROUPS)) if order is None else order:
        GROUPS[rank](tree.part(rank))
    return tree


def build_parser(tree: CommandTree | None = None) -> argparse.ArgumentParser:
    data_help = "folder of the local database (default: $SFA_DATA_DIR, else the platform's user data folder)"
    parser = argparse.ArgumentParser(
        prog="sfa",
        description="SFA Desktop from the command line: the local database, demo data, records and search.",
        epilog="Every command has --help, for example 'sfa contacts add --help'.",
    )
    parser.add_argument("--data-dir", metavar="DIR", type=Path, default=None, help=data_help)
    parser.add_argument("--version", action="version", version=f"sfa {__version__}")
    (tree or command_tree()).build(parser, dest="command", metavar="COMMAND", required=True)
    return parser


# -- entry point -----------------------------------------------------------------------------------------


def _error(message: str) -> None:
    sys.stderr.write(f"sfa: error: {' '.join(message.split())}\n")


def _tolerant_output() -> None:
    """Names such as Łukasz or Nguyễn must not crash a console that cannot show them: print a '?'."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # not a plain text stream after all
                reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ValidationError as exc:
        for name, message in exc.errors.items():
            _error(f"{name}: {message}")
        return 1
    except (StoreError, NotFound, CliError, DemoDataError, CentralError, FileError, MergeError) as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:  # output piped into 'head' and the like: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        return 1
    except DBAPIError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            _error(
                "The database is busy: another SFA Desktop window or a sync is writing to it. "
                "Nothing was saved; try again in a moment."
            )
        else:
            _error(f"The database refused the change: {exc.orig}. Nothing was saved.")
        return 1
    except KeyboardInterrupt:
        _error("interrupted; nothing was saved by the unfinished command.")
        return 130
