"""``sfa central init|add-territory|add-user|assign|unassign|revoke|set-password|devices|revoke-device|
add-server-login|offline-limits|purge|purge-blobs|users|territories``: administering the central store
from the command line.

A user's password (what they sign in to sfa-server with, kept as an argon2 hash) comes from a prompt (twice)
or one line of standard input (``--password-stdin``), never from an argument.  Each command runs in one
central transaction and writes through :class:`central.Writer` (see :mod:`sfa_desktop.cli.central.common`
for the store and the admin's password).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sfa_desktop.cli.central.common import Usage, add, central_url, central_writer, connect
from sfa_desktop.cli.common import Commands
from sfa_desktop.server import admin, auth, blob_purge, central, roles
from sfa_desktop.server.blob_files import BlobFolder

ROLES = ("rep", "manager", "admin")


def _is_postgres(args: argparse.Namespace) -> bool:
    return not central_url(args).drivername.startswith("sqlite")


def _new_password(args: argparse.Namespace, login: str, *, required: bool) -> str | None:
    """A user's new password: one line of standard input (``--password-stdin``, or PostgreSQL without a
    terminal, as before), else a prompt on a terminal; None when not ``required`` and neither is there."""
    piped = args.password_stdin or (_is_postgres(args) and not sys.stdin.isatty())
    if piped:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise Usage(f"No password for '{login}' on standard input: give it as one line.")
        auth.check_new_password(line)
        return line
    if not sys.stdin.isatty():
        if required:
            raise Usage(f"No password for '{login}': type it at a terminal or use --password-stdin.")
        return None
    first = getpass.getpass(f"New password for {login}: ")
    if not first:
        raise Usage("An empty password is not allowed.")
    auth.check_new_password(first)
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
    password = _new_password(args, args.login, required=False)
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
    later = "" if password else f" Give them a password with 'sfa central set-password {args.login}'."
    print(f"Added user {args.login} ({args.role}).{later}")
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
        devices = auth.revoke_login(writer.conn, args.login, by=writer.user, grace=args.grace)
    then = "hand in their waiting changes, then wipe" if args.grace else "wipe"
    print(f"Revoked {args.login} and their {_devices(devices)}: at their next sync their laptops {then}.")
    return 0


def _devices(n: int) -> str:
    return f"{n} device" if n == 1 else f"{n} devices"


def cmd_offline_limits(args: argparse.Namespace) -> int:
    if (args.lock is None) != (args.wipe is None):
        raise Usage("Give both --lock and --wipe, or neither to see the limits.")
    with central_writer(args) as writer:
        if args.lock is None:
            limits = admin.offline_limits(writer.conn)
        else:
            limits = admin.set_offline_limits(writer.conn, args.lock, args.wipe)
    if limits.lock_after_days is None or limits.wipe_after_days is None:
        print("No offline limits are set: laptops lock after 30 days without a sync and wipe after 60.")
    else:
        print(
            f"Laptops lock after {limits.lock_after_days} days without reaching the central store and are "
            f"wiped after {limits.wipe_after_days}; they learn this at their next sync."
        )
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        found = auth.list_devices(writer.conn, args.login)
    if not found:
        print("No device is signed in." if args.login is None else f"{args.login} has no device signed in.")
        return 0
    for d in found:
        seen = d.last_seen_at.strftime("%Y-%m-%d %H:%M") if d.last_seen_at else "never"
        if d.revoked_at is not None:
            state = "leaving (hands in its changes)" if d.grace else "revoked"
        else:
            state = f"until {d.expires_at:%Y-%m-%d}"
        print(f"{d.id[:8]}\t{d.login}\t{d.name}\tlast seen {seen}\t{state}")
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        device = auth.revoke_device(writer.conn, args.device, by=writer.user, grace=args.grace)
    then = "hands in its waiting changes, then wipes" if args.grace else "wipes its synced data"
    print(f"Revoked {device.login}'s device '{device.name}' ({device.id[:8]}): at its next sync it {then}.")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    password = _new_password(args, args.login, required=True)
    assert password is not None
    with central_writer(args) as writer:
        admin.set_password(writer.conn, args.login, password)
    print(f"Password of {args.login} changed.")
    return 0


def cmd_add_server_login(args: argparse.Namespace) -> int:
    if not _is_postgres(args):
        raise Usage("A SQLite central store has no database roles; add-server-login needs PostgreSQL.")
    password = _new_password(args, args.name, required=True)
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


def cmd_purge_blobs(args: argparse.Namespace) -> int:
    if args.older_than < 1:
        raise Usage("--older-than must be at least 1 day (laptops restore deleted attachments within it).")
    folder = None
    if args.blobs is not None:
        if not args.blobs.is_dir():
            raise Usage(f"{args.blobs} is not a folder: give the --blobs DIR sfa-server runs with.")
        folder = BlobFolder(args.blobs)
    made, _login = connect(args)
    try:
        done = blob_purge.run(made, days=args.older_than, folder=folder)
    finally:
        made.dispose()
    print(done.describe())
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

    user = add(commands, "add-user", cmd_add_user, "add a user (with the password they sign in with)")
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

    grace_help = "let the laptops hand in their waiting changes before they wipe (a leaving rep, not a theft)"
    revoke = add(commands, "revoke", cmd_revoke, "revoke a user's access and every device of theirs")
    revoke.add_argument("login", metavar="LOGIN")
    revoke.add_argument("--grace", action="store_true", help=grace_help)
    limits = add(
        commands,
        "offline-limits",
        cmd_offline_limits,
        "show or set how long a laptop may go without a sync before its data locks, then is wiped",
    )
    limits.add_argument("--lock", type=int, default=None, metavar="DAYS", help="days until the data locks")
    limits.add_argument("--wipe", type=int, default=None, metavar="DAYS", help="days until it is wiped")
    devices = add(commands, "devices", cmd_devices, "list the signed-in devices (of one user)")
    devices.add_argument("login", metavar="LOGIN", nargs="?", default=None)
    revoke_device = add(commands, "revoke-device", cmd_revoke_device, "sign a device out and wipe it")
    revoke_device.add_argument(
        "device", metavar="ID", help="the id from 'sfa central devices' (or its start)"
    )
    revoke_device.add_argument("--grace", action="store_true", help=grace_help)
    password = add(commands, "set-password", cmd_set_password, "set the password a user signs in with")
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
    blobs = add(
        commands,
        "purge-blobs",
        cmd_purge_blobs,
        "remove attachments' bytes no live attachment names (deleted longer ago than the grace period) and "
        "uploads left unfinished as long",
    )
    blobs.add_argument(
        "--older-than",
        type=int,
        default=blob_purge.GRACE_DAYS,
        metavar="DAYS",
        help=f"the grace period in days (default {blob_purge.GRACE_DAYS}): a laptop that restores an "
        "attachment within it still finds its bytes",
    )
    blobs.add_argument(
        "--blobs",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder sfa-server keeps the bytes in (its --blobs), when it runs with one",
    )
    add(commands, "users", cmd_users, "list the users")
    add(commands, "territories", cmd_territories, "list the territories")


def _init_with_positional(args: argparse.Namespace) -> int:
    if args.url_arg is not None:
        args.url = args.url_arg
    return cmd_init(args)
