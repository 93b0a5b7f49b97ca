"""What the ``sfa central`` commands share: the central store they work on and how they declare themselves.

The central store comes from ``--url`` or ``$SFA_CENTRAL_URL``: a ``postgresql://`` URL with the admin's
credentials or a SQLite file path.  The admin's own password comes from the URL, ``$SFA_CENTRAL_PASSWORD``
or a prompt, never from an argument; passwords are never printed, also not in errors.  :func:`connect` gives
the admin's connection; :func:`central_writer` runs one central transaction and writes through
:class:`central.Writer`; :func:`add` declares one ``sfa central`` subcommand with ``--url``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from sfa_desktop.cli.common import Command, Commands
from sfa_desktop.server import central


class Usage(central.CentralError):
    """A mistake in how the command was called."""


def central_url(args: argparse.Namespace) -> URL:
    given = args.url or os.environ.get("SFA_CENTRAL_URL")
    if not given:
        raise Usage("No central store given: pass --url URL or set SFA_CENTRAL_URL.")
    return central.normalize_url(given)


def connect(args: argparse.Namespace) -> tuple[Engine, str]:
    """The admin's engine and login ('admin' for a SQLite central store)."""
    url_ = central_url(args)
    if url_.drivername.startswith("sqlite"):
        return central.make_central_engine(url_), "admin"
    password = url_.password
    if password is None:
        password = os.environ.get("SFA_CENTRAL_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {central.safe_url(url_)}: ")
    made = central.make_central_engine(url_, password=str(password) if password is not None else None)
    return made, url_.username or "admin"


@contextmanager
def central_writer(args: argparse.Namespace) -> Iterator[central.Writer]:
    made, login = connect(args)
    try:
        with central.central_transaction(made) as conn:
            central.check_compatible(conn)
            yield central.Writer(conn, login=login)
    finally:
        made.dispose()


def url_option() -> argparse.ArgumentParser:
    """The parent parser of ``--url``, which every ``sfa central`` command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--url",
        metavar="URL",
        default=None,
        help="central store: postgresql://admin@host/db or a SQLite file (default: $SFA_CENTRAL_URL)",
    )
    return parent


def add(commands: Commands, name: str, handler: Callable[[argparse.Namespace], int], summary: str) -> Command:
    """Declare ``sfa central NAME``, with ``--url`` and the summary as its help and description."""
    parser = commands.command(f"central {name}", parents=[url_option()], help=summary, description=summary)
    parser.set_defaults(handler=handler)
    return parser
