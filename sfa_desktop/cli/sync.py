"""``sfa connect``, ``sfa sync`` and ``sfa conflicts``: this laptop and the central store.

The password is read with a prompt on a terminal or as one line of standard input (``--password-stdin``), is
kept only in the operating system's keyring, and never appears in output, files or error messages.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sfa_desktop.cli.common import Command, Commands, open_store
from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Incompatible, Revoked, Unreachable
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import conflicts, scheduler

SLOW_SECONDS = 1.0


def _read_password(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CentralError("No password on standard input: give it as one line.")
        return line
    password = getpass.getpass(prompt)
    if not password:
        raise CentralError("An empty password is not allowed.")
    return password


def cmd_connect(args: argparse.Namespace) -> int:
    store = open_store(args, create=True, locked_ok=True)
    if sync_ops.is_server(args.url):
        secret = _read_password(f"Password for {args.user} at {args.url}: ", args.password_stdin)
        connected = sync_ops.sign_in(store, args.url, args.user, secret, ca_file=args.ca_file)
        kept = (
            " The sign-in is kept in this computer's keyring."
            if connected.remembered
            else f" {connected.keyring_problem}"
        )
        print(f"Signed in to {connected.url} as {args.user}.{kept} Run 'sfa sync' to get your data.")
        return 0
    if args.ca_file is not None:
        raise CentralError("--ca-file is for a sync server (https://HOST:PORT), not a database.")
    url = normalize_url(args.url)
    where = safe_url(url.set(username=args.user))
    password: str | None = None
    if sync_ops.needs_password(args.url):
        password = url.password or _read_password(
            f"Password for {args.user} at {where}: ", args.password_stdin
        )
    connected = sync_ops.connect(store, args.url, args.user, password)
    remembered = ""
    if connected.remembered:
        remembered = " The password is kept in this computer's keyring."
    elif connected.keyring_problem is not None:
        remembered = f" {connected.keyring_problem}"
    print(f"Connected to {where} as {args.user}.{remembered} Run 'sfa sync' to get your data.")
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    store = open_store(args, create=True)
    told = sync_ops.disconnect(store)
    if told:
        print("Signed out: the sync server forgot this device's sign-in. The data on this laptop stays.")
    else:
        print("This device's sign-in is forgotten here (the sync server was not told). The data stays.")
    return 0


class _Progress:
    """Prints progress on standard error once a sync has taken more than a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < SLOW_SECONDS:
            return
        self.shown = True
        of = f" of {total}" if total else ""
        sys.stderr.write(f"\r{stage}: {done}{of} ")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _sync_once(store: LocalStore, password: str | None) -> int:
    progress = _Progress()
    try:
        report = sync_ops.sync_now(store, progress, password=password)
    finally:
        progress.finish()
    print(f"Synced: {report.summary()}; {report.waiting} changes waiting.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    store = open_store(args, create=True, locked_ok=True)
    if not args.status:
        enforced = expiry_ops.enforce(store)  # past the second limit: wiped first, as everywhere
        if enforced.wiped:
            raise CentralError(enforced.expiry.wiped_message)
    if args.status:
        return _status(store)
    try:
        try:
            return _sync_once(store, None)
        except scheduler.PasswordNeeded as exc:
            if not sys.stdin.isatty():
                raise CentralError(
                    f"{exc} Run 'sfa connect' again, or run 'sfa sync' on a terminal."
                ) from None
            st = sync_ops.sync_state(store)
            sys.stderr.write(f"{exc}\n")
            return _sync_once(store, getpass.getpass(f"Password for {st.login} at {st.url}: "))
    except Unreachable as exc:
        waiting = sync_ops.pending_changes(store)
        raise CentralError(
            f"central store unreachable: {exc} {waiting} changes waiting on this laptop."
        ) from None
    except AuthenticationFailed as exc:
        raise CentralError(
            f"sign-in refused by the central store: {exc} Run 'sfa connect' again. "
            f"{sync_ops.pending_changes(store)} changes waiting on this laptop."
        ) from None
    except Revoked as exc:
        raise CentralError(
            f"{exc} The synced data on this laptop was wiped; ask your administrator for access."
        ) from None
    except Incompatible as exc:
        raise CentralError(f"{exc}") from None


def _ago(iso: str) -> str:
    then = datetime.fromisoformat(iso)
    then = then if then.tzinfo else then.replace(tzinfo=UTC)
    minutes = int((datetime.now(UTC) - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _status(store: LocalStore) -> int:
    standing = sync_ops.standing(store)
    st, waiting = standing.state, standing.pending
    if not st.connected:
        print("Not connected to a central store ('sfa connect URL --user LOGIN').")
    else:
        print(f"Connected to {st.url} as {st.login}.")
    last = f"{st.last_sync_at} ({_ago(st.last_sync_at)})" if st.last_sync_at else "never"
    print(f"Last successful sync: {last}")
    print(f"Changes waiting: {waiting}")
    if st.last_error:
        print(f"Last error: {st.last_error}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """``sfa status``: what protects this laptop's data and where it stands against the offline limits."""
    with open_store(args, locked_ok=True) as store:
        facts = expiry_ops.protection(store)
    width = max(len(label) for label, _ in facts.lines())
    for label, value in facts.lines():
        print(f"{label + ':':<{width + 1}} {value}")
    e = facts.expiry
    if e.locked:
        print(e.locked_message)
    elif e.warning:
        print(e.warning)
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    store = open_store(args, create=True)
    try:
        if args.action == "list":
            found = sync_ops.list_conflicts(store, include_dismissed=args.all)
            if not found:
                print("No conflicts.")
                return 0
            for c in found:
                hidden = " (dismissed)" if c.dismissed else ""
                print(
                    f"{c.id[:8]}  {c.when}  {c.record} / {c.field}: lost {c.lost!r} (by {c.lost_by or '?'}), "
                    f"won {c.won!r} (by {c.won_by}) — {c.reason}{hidden}"
                )
            return 0
        if args.action == "use":
            used = sync_ops.use_conflict(store, args.id)
            print(f"{used.record} / {used.field} set to {used.lost!r}; it goes out with the next sync.")
            return 0
        full = sync_ops.dismiss_conflict(store, args.id)
        print(f"Conflict {full[:8]} dismissed.")
        return 0
    except conflicts.ConflictError as exc:
        raise CentralError(str(exc)) from None


def register(commands: Commands) -> None:
    """Add ``sfa connect``, ``sfa sync`` and ``sfa conflicts``."""
    common = commands.data_dir

    def add(words: str, handler: Callable[[argparse.Namespace], int], summary: str) -> Command:
        parser = commands.command(words, parents=[common], help=summary, description=summary)
        parser.set_defaults(handler=handler)
        return parser

    connect = add("connect", cmd_connect, "connect this laptop to the central store")
    connect.add_argument(
        "url",
        metavar="URL",
        help="https://HOST:PORT (the sync server), postgresql://host/db or a SQLite central store file",
    )
    connect.add_argument(
        "--ca-file", metavar="FILE", help="your company's certificate authority (PEM), to check the server"
    )
    connect.add_argument("--user", required=True, metavar="LOGIN", help="your login on the central store")
    connect.add_argument(
        "--password-stdin", action="store_true", help="read the password as one line of standard input"
    )
    add("disconnect", cmd_disconnect, "sign this device out of the sync server (the data stays)")
    add("status", cmd_status, "encryption, where its key is kept, the last sync and the offline limits")
    sync = add("sync", cmd_sync, "send this laptop's changes and receive everyone else's")
    sync.add_argument("--status", action="store_true", help="show the last sync and the changes waiting")
    commands.group(
        "conflicts",
        help="values that lost when two people edited the same field",
        description="Values that lost when two people edited the same field at once.",
    )
    lister = add("conflicts list", cmd_conflicts, "list the conflicts")
    lister.add_argument("--all", action="store_true", help="include dismissed conflicts")
    for name, summary in (("use", "use the losing value after all"), ("dismiss", "hide a conflict")):
        action = add(f"conflicts {name}", cmd_conflicts, summary)
        action.add_argument("id", metavar="ID", help="the conflict's id or id prefix")
