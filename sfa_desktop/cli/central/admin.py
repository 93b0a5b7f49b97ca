"""``sfa central init|add-territory|add-user|assign|unassign|revoke|set-password|add-server-login|purge|users|
territories``: administering the central store from the command line.

A new user's password comes from a prompt (twice) or one line of standard input (``--password-stdin``),
never from an argument.  Each command runs in one central transaction and writes through
:class:`central.Writer` (see :mod:`sfa_desktop.cli.central.common` for the store and the admin's password).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sfa_desktop.cli.central.common import Usage, add, central_url, central_writer, connect
from sfa_desktop.cli.common import Commands
from sfa_desktop.server import admin, central, roles

ROLES = ("rep", "manager", "admin")


def _is_postgres(args: argparse.Namespace) -> bool:
    return not central_url(args).drivername.startswith("sqlite")


def _new_password(args: argparse.Namespace, login: str) -> str | None:
    """The new user's password on PostgreSQL: a prompt on a terminal, else one line of standard input."""
    if not _is_postgres(args):
        return None
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise Usage(f"No password for '{login}' on standard input: give it as one line.")
        return line
    first = getpass.getpass(f"New password for {login}: ")
    if not first:
        raise Usage("An empty password is not allowed.")
    if getpass.getpass("Again: ") != first:
        raise Usage("The two passwords differ; nothing was changed.")
    return first


def cmd_init(args: argparse.Namespace) -> int:
    engine, _login = connect(args)
    try:
        revision = central.init_central(engine)
    finally:
        engine.dispose()
    print(f"Central store {central.safe_url(engine.url)} is at revision {revision}.")
    return 0


def cmd_add_territory(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        admin.add_territory(writer, args.code, args.name, parent=args.parent)
    print(f"Added territory {args.code}.")
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    if args.role not in ROLES:
        raise Usage(f"Unknown role '{args.role}': use one of {', '.join(ROLES)}.")
    password = _new_password(args, args.login)
    with central_writer(args) as writer:
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
    with central_writer(args) as writer:
        admin.assign(writer, args.login, args.code)
    print(f"Assigned {args.login} to {args.code}.")
    return 0


def cmd_unassign(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        admin.unassign(writer, args.login, args.code)
    print(f"Removed {args.login} from {args.code}.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        admin.revoke(writer, args.login)
    print(f"Revoked {args.login}: the next sync wipes their laptop's copy.")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    if not _is_postgres(args):
        raise Usage("A SQLite central store has no passwords; set-password needs PostgreSQL.")
    password = _new_password(args, args.login)
    assert password is not None
    with central_writer(args) as writer:
        admin.set_password(writer.conn, args.login, password)
    print(f"Password of {args.login} changed.")
    return 0


def cmd_add_server_login(args: argparse.Namespace) -> int:
    if not _is_postgres(args):
        raise Usage("A SQLite central store has no database roles; add-server-login needs PostgreSQL.")
    password = _new_password(args, args.name)
    with central_writer(args) as writer:
        roles.create_server_login(writer.conn, args.name, password)
    print(
        f"Login role {args.name} may now act as every user (a member of {roles.SERVER_GROUP}); "
        "give sfa-server a --central URL with it."
    )
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        raise Usage("--days must be at least 1.")
    with central_writer(args) as writer:
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


def cmd_users(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        users = admin.live_rows(writer.conn, "users")
        territories = {t["id"]: t["code"] for t in admin.live_rows(writer.conn, "territories")}
        members: dict[str, list[str]] = {}
        for m in admin.live_rows(writer.conn, "territory_memberships"):
            members.setdefault(m["user_id"], []).append(territories.get(m["territory_id"], "?"))
    for user in sorted(users, key=lambda u: u["login"]):
        state = "active" if user["active"] else "revoked"
        codes = ",".join(sorted(members.get(user["id"], []))) or "-"
        print(f"{user['login']}\t{user['role']}\t{state}\t{codes}\t{user['full_name']}")
    return 0


def cmd_territories(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        rows = admin.live_rows(writer.conn, "territories")
    codes = {t["id"]: t["code"] for t in rows}
    for t in sorted(rows, key=lambda t: t["code"]):
        print(f"{t['code']}\t{t['name']}\t{codes.get(t['parent_id'], '-') if t['parent_id'] else '-'}")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa central`` and its commands on territories, users and the store itself."""
    commands.group(
        "central",
        help="administer the central store",
        description="Administer the central store: territories, users and who sees which territory.",
    )
    init = add(
        commands, "init", cmd_init, "create the central store or upgrade it; prints the schema revision"
    )
    init.add_argument("url_arg", metavar="URL", nargs="?", default=None, help="the central store")
    init.set_defaults(handler=_init_with_positional)

    territory = add(commands, "add-territory", cmd_add_territory, "add a territory")
    territory.add_argument("code", metavar="CODE")
    territory.add_argument("--name", required=True, metavar="NAME")
    territory.add_argument("--parent", default=None, metavar="CODE", help="the parent territory")

    user = add(
        commands, "add-user", cmd_add_user, "add a user (on PostgreSQL also a login role with a password)"
    )
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
        parser = add(commands, name, handler, summary)
        parser.add_argument("login", metavar="LOGIN")
        parser.add_argument("code", metavar="CODE")

    add(commands, "revoke", cmd_revoke, "revoke a user's access").add_argument("login", metavar="LOGIN")
    password = add(commands, "set-password", cmd_set_password, "set a user's password (PostgreSQL)")
    password.add_argument("login", metavar="LOGIN")
    password.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    server = add(
        commands,
        "add-server-login",
        cmd_add_server_login,
        "create the login role sfa-server connects as (PostgreSQL)",
    )
    server.add_argument("name", metavar="NAME")
    server.add_argument("--password-stdin", action="store_true", help="read its password from standard input")
    purge = add(
        commands,
        "purge",
        cmd_purge,
        "remove deleted records and departures older than the tombstone retention window",
    )
    purge.add_argument(
        "--days", type=int, default=None, metavar="N", help="the window (default: the store's setting, 90)"
    )
    add(commands, "users", cmd_users, "list the users")
    add(commands, "territories", cmd_territories, "list the territories")


def _init_with_positional(args: argparse.Namespace) -> int:
    if args.url_arg is not None:
        args.url = args.url_arg
    return cmd_init(args)
