"""The ``sfa`` command line: the same services as the window, for scripts, tests and people at a terminal.

This module is the top: :func:`main` (the ``sfa`` script) and :func:`build_parser`, which asks every command
group in :data:`GROUPS` to declare its commands on a :class:`~sfa_desktop.cli.common.CommandTree`.  One module
per group: :mod:`.basics` (init, demo, search, settings), :mod:`.records` (list, add, show, edit and delete
of accounts, contacts, leads and opportunities), :mod:`.sync` (connect, sync, conflicts), :mod:`.sequences`
(sequences, enroll, enrollments, log-outcome, agenda), :mod:`.calendar` (agenda week|move),
:mod:`.story` (timeline, log), :mod:`.sales`,
:mod:`.pipeline` (stages, pipeline, opportunities won|lost), :mod:`.retention` (accounts
defect|defections), :mod:`.leads` (leads score|convert|rules),
:mod:`.data` (duplicates, merge, import, export), :mod:`.kb`, :mod:`.announcements`,
:mod:`.notifications` (notifications, comments), :mod:`.callsheet`, :mod:`.planning` (visits due, plan
week, service-levels, accounts segment), :mod:`.territories` (territories, report), :mod:`.updates`
(update-check), :mod:`.undo` (undo), :mod:`.visits` (visit, attachments) and the subpackage :mod:`.central`
(``sfa central``).
The groups import :mod:`.common` and the layers below, never each other nor this module.

Errors a person can fix (:class:`~sfa_desktop.core.errors.UserError`) end in ``sfa: error: <line>`` on stderr
and exit code 1 (argparse usage errors exit 2); never a traceback.  Anything else is a bug: its traceback
goes to the error log of the data folder (:mod:`sfa_desktop.ops.errorlog`), one line on stderr says where,
and the exit code is 70.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from sfa_desktop import version_line
from sfa_desktop.cli import (
    announcements,
    basics,
    calendar,
    callsheet,
    central,
    data,
    kb,
    leads,
    notifications,
    pipeline,
    planning,
    records,
    requests,
    retention,
    sales,
    sequences,
    story,
    sync,
    territories,
    undo,
    updates,
    visits,
)
from sfa_desktop.cli.common import WORDS, Commands, CommandTree
from sfa_desktop.cli.records import RECORD_KINDS
from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import errorlog
from sfa_desktop.store.database import default_data_dir

__all__ = ["GROUPS", "RECORD_KINDS", "build_parser", "main"]

#: Exit code of a bug (BSD's EX_SOFTWARE).
EXIT_BUG = 70

DATA_DIR_HELP = "folder of the local database (default: $SFA_DATA_DIR, else the platform's user data folder)"
PASSPHRASE_HELP = (
    "where the computer has no keyring: read the passphrase of the encrypted data as the first line of "
    "standard input (or set SFA_PASSPHRASE)"
)

#: Every group's ``register``.  ``sfa --help`` (and every command group's help) lists commands in this order:
#: by the place of the group that declared them here, then in the order that group declared them.
GROUPS: tuple[Callable[[Commands], None], ...] = (
    basics.register_setup,
    records.register,
    basics.register_lookup,
    *central.GROUPS,
    sync.register,
    sequences.register,
    calendar.register,
    story.register,
    sales.register,
    pipeline.register,
    retention.register,
    leads.register,
    data.register,
    kb.register,
    announcements.register,
    notifications.register,
    requests.register,
    callsheet.register,
    planning.register,
    territories.register,
    updates.register,
    undo.register,
    visits.register,
)


def command_tree(order: Sequence[int] | None = None) -> CommandTree:
    """Every command, declared by the groups; ``order`` is the order to call them in (any gives the same)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", type=Path, default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    common.add_argument(
        "--passphrase-stdin", action="store_true", default=argparse.SUPPRESS, help=PASSPHRASE_HELP
    )
    tree = CommandTree(common)
    for rank in range(len(GROUPS)) if order is None else order:
        GROUPS[rank](tree.part(rank))
    return tree


def build_parser(tree: CommandTree | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfa",
        description="SFA Desktop from the command line: the local database, demo data, records and search.",
        epilog="Every command has --help, for example 'sfa contacts add --help'.",
    )
    parser.add_argument("--data-dir", metavar="DIR", type=Path, default=None, help=DATA_DIR_HELP)
    parser.add_argument("--passphrase-stdin", action="store_true", default=False, help=PASSPHRASE_HELP)
    parser.add_argument("--version", action="version", version=f"sfa {version_line()}")
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


def _bug(exc: Exception, args: argparse.Namespace) -> int:
    """An error nobody planned for: the traceback to the error log, one line saying where it is.

    The log is set up here and not at start: a command that ends as planned writes nothing into the data
    folder (nor makes it).  If the folder cannot be written, the report goes to stderr instead."""
    errorlog.setup(args.data_dir if args.data_dir is not None else default_data_dir())
    path = errorlog.log_bug(exc, context=f"sfa {getattr(args, WORDS, args.command)}")
    where = f"the details are in {path}" if path is not None else "the details are above"
    message = " ".join(str(exc).split())
    sys.stderr.write(f"sfa: internal error ({type(exc).__name__}: {message}); this is a bug, {where}\n")
    return EXIT_BUG


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
    except UserError as exc:
        for line in exc.lines():
            _error(line)
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
            return 1
        return _bug(exc, args)
    except KeyboardInterrupt:
        _error("interrupted; nothing was saved by the unfinished command.")
        return 130
    except Exception as exc:
        return _bug(exc, args)
