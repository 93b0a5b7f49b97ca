"""``sfa central``: administering the central store from the command line.

The central store comes from ``--url`` or ``$SFA_CENTRAL_URL``: a ``postgresql://`` URL with the admin's
credentials or a SQLite file path.  The admin's own password comes from the URL, ``$SFA_CENTRAL_PASSWORD``
or a prompt; a new user's password from a prompt (twice) or one line of standard input
(``--password-stdin``), never from an argument.  Passwords are never printed, also not in errors.
Each command runs in one central transaction and writes through :class:`central.Writer`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL

from sfa_desktop.sync import admin, central, schema

ROLES = ("rep", "manager", "admin")


class _Usage(central.CentralError):
    """A mistake in how the command was called."""


def _url(args: argparse.Namespace) -> URL:
    given = args.url or os.environ.get("SFA_CENTRAL_URL")
    if not given:
        raise _Usage("No central store given: pass --url URL or set SFA_CENTRAL_URL.")
    return central.normalize_url(given)


def _engine(args: argparse.Namespace) -> tuple[Engine, str]:
    """The admin's engine and login ('admin' for a SQLite central store)."""
    url = _url(args)
    if url.drivername.startswith("sqlite"):
        return central.make_central_engine(url), "admin"
    password = url.password
    if password is None:
        password = os.environ.get("SFA_CENTRAL_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {central.safe_url(url)}: ")
    engine = central.make_central_engine(url, password=str(password) if password is not None else None)
    return engine, url.username or "admin"


@contextmanager
def _writer(args: argparse.Namespace) -> Iterator[central.Writer]:
    engine, login = _engine(args)
    try:
        with central.central_transaction(engine) as conn:
            central.check_compatible(conn)
            yield central.Writer(conn, login=login)
    finally:
        engine.dispose()


def _is_postgres(args: argparse.Namespace) -> bool:
    return not _url(args).drivername.startswith("sqlite")


def _new_password(args: argparse.Namespace, login: str) -> str | None:
    """The new user's password on PostgreSQL: a prompt on a terminal, else one line of standard input."""
    if not _is_postgres(args):
        return None
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise _Usage(f"No password for '{login}' on standard input: give it as one line.")
        return line
    first = getpass.getpass(f"New password for {login}: ")
    if not first:
        raise _Usage("An empty password is not allowed.")
    if getpass.getpass("Again: ") != first:
        raise _Usage("The two passwords differ; nothing was changed.")
    return first


def cmd_init(args: argparse.Namespace) -> int:
    engine, _login = _engine(args)
    try:
        revision = central.init_central(engine)
    finally:
        engine.dispose()
    print(f"Central store {central.safe_url(engine.url)} is at revision {revision}.")
    return 0


def cmd_add_territory(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        admin.add_territory(writer, args.code, args.name, parent=args.parent)
    print(f"Added territory {args.code}.")
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    if args.role not in ROLES:
        raise _Usage(f"Unknown role '{args.role}': use one of {', '.join(ROLES)}.")
    password = _new_password(args, args.login)
    with _writer(args) as writer:
        admin.add_user(
            writer,
            args.login,
            full_name=args.name,
            role=args.role,
            manager=args.manager,
            territories=tuple(args.territory or ()),
            email=args.email,
            password=password,
        )
    print(f"Added user {args.login} ({args.role}).")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        admin.assign(writer, args.login, args.code)
    print(f"Assigned {args.login} to {args.code}.")
    return 0


def cmd_unassign(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        admin.unassign(writer, args.login, args.code)
    print(f"Removed {args.login} from {args.code}.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        admin.revoke(writer, args.login)
    print(f"Revoked {args.login}: the next sync wipes their laptop's copy.")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    if not _is_postgres(args):
        raise _Usage("A SQLite central store has no passwords; set-password needs PostgreSQL.")
    password = _new_password(args, args.login)
    assert password is not None
    with _writer(args) as writer:
        admin.set_password(writer.conn, args.login, password)
    print(f"Password of {args.login} changed.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        raise _Usage("--days must be at least 1.")
    with _writer(args) as writer:
        done = admin.purge_tombstones(writer, args.days)
    if not done.rows and not done.departures:
        print(f"Nothing older than {done.retention_days} days to purge.")
    else:
        print(
            f"Purged {done.rows} deleted records and {done.departures} departures older than "
            f"{done.retention_days} days (through change {done.through_seq}); laptops away longer "
            "are re-primed at their next sync."
        )
    return 0


def _rows(conn: Connection, table: str) -> list[Any]:
    t = schema.SYNCED[table]
    return list(conn.execute(select(t).where(t.c.deleted_at.is_(None))).mappings())


def cmd_users(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        users = _rows(writer.conn, "users")
        territories = {t["id"]: t["code"] for t in _rows(writer.conn, "territories")}
        members: dict[str, list[str]] = {}
        for m in _rows(writer.conn, "territory_memberships"):
            members.setdefault(m["user_id"], []).append(territories.get(m["territory_id"], "?"))
    for user in sorted(users, key=lambda u: u["login"]):
        state = "active" if user["active"] else "revoked"
        codes = ",".join(sorted(members.get(user["id"], []))) or "-"
        print(f"{user['login']}\t{user['role']}\t{state}\t{codes}\t{user['full_name']}")
    return 0


def cmd_territories(args: argparse.Namespace) -> int:
    with _writer(args) as writer:
        rows = _rows(writer.conn, "territories")
    codes = {t["id"]: t["code"] for t in rows}
    for t in sorted(rows, key=lambda t: t["code"]):
        print(f"{t['code']}\t{t['name']}\t{codes.get(t['parent_id'], '-') if t['parent_id'] else '-'}")
    return 0


def register(commands: Any) -> None:
    """Add ``sfa central ...`` to the top-level subparsers."""
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument(
        "--url",
        metavar="URL",
        default=None,
        help="central store: postgresql://admin@host/db or a SQLite file (default: $SFA_CENTRAL_URL)",
    )
    group = commands.add_parser(
        "central",
        help="administer the central store",
        description="Administer the central store: territories, users and who sees which territory.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], summary: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, parents=[url], help=summary, description=summary
        )
        parser.set_defaults(handler=handler)
        return parser

    init = add("init", cmd_init, "create the central store or upgrade it; prints the schema revision")
    init.add_argument("url_arg", metavar="URL", nargs="?", default=None, help="the central store")
    init.set_defaults(handler=_init_with_positional)

    territory = add("add-territory", cmd_add_territory, "add a territory")
    territory.add_argument("code", metavar="CODE")
    territory.add_argument("--name", required=True, metavar="NAME")
    territory.add_argument("--parent", default=None, metavar="CODE", help="the parent territory")

    user = add("add-user", cmd_add_user, "add a user (on PostgreSQL also a login role with a password)")
    user.add_argument("login", metavar="LOGIN")
    user.add_argument("--role", required=True, metavar="ROLE", help="rep, manager or admin")
    user.add_argument("--name", default=None, metavar="NAME")
    user.add_argument("--email", default=None, metavar="E")
    user.add_argument("--manager", default=None, metavar="LOGIN")
    user.add_argument("--territory", action="append", metavar="CODE", help="may be repeated")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    for name, handler, summary in (
        ("assign", cmd_assign, "give a user a territory"),
        ("unassign", cmd_unassign, "take a territory from a user"),
    ):
        parser = add(name, handler, summary)
        parser.add_argument("login", metavar="LOGIN")
        parser.add_argument("code", metavar="CODE")

    add("revoke", cmd_revoke, "revoke a user's access").add_argument("login", metavar="LOGIN")
    password = add("set-password", cmd_set_password, "set a user's password (PostgreSQL)")
    password.add_argument("login", metavar="LOGIN")
    password.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    purge = add(
        "purge",
        cmd_purge,
        "remove deleted records and departures older than the tombstone retention window",
    )
    purge.add_argument(
        "--days", type=int, default=None, metavar="N", help="the window (default: the store's setting, 90)"
    )
    add("users", cmd_users, "list the users")
    add("territories", cmd_territories, "list the territories")
    # the central commands of the other features, beside these
    from sfa_desktop.cli import kb as cli_kb
    from sfa_desktop.cli import sales as cli_sales
    from sfa_desktop.cli import sequences as cli_sequences

    for feature in (cli_kb, cli_sales, cli_sequences):
        feature.register_central(actions, url)
    from sfa_desktop.cli.central.territories import register as register_territory_commands

    register_territory_commands(add)


def _init_with_positional(args: argparse.Namespace) -> int:
    if args.url_arg is not None:
        args.url = args.url_arg
    return cmd_init(args)
