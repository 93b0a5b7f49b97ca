"""``sfa notifications [--unread] [--kind K]``, ``sfa notifications read KEY...|--all`` and
``sfa comments list|add``: the notification centre and comments with @mentions, as in the window.

Listing runs the notification sources first (as the window does at start), so what a sync brought is there.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from sfa_desktop.cli.common import CliError, Commands, open_store, print_table, resolve
from sfa_desktop.core import comments
from sfa_desktop.core.notifications.events import KINDS
from sfa_desktop.ops import notifications as notification_ops

#: How much of a key the table shows (a prefix that names it: ``read`` takes the start of a key).
KEY_SHOWN = 36
#: What ``TABLE`` may say, and the table it means.
TABLES = {"account": "accounts", "accounts": "accounts", "opportunity": "opportunities"}
TABLES["opportunities"] = "opportunities"


def _when(value: object) -> str:
    text = str(getattr(value, "astimezone", lambda: value)())
    return text[:16]


def cmd_notifications(args: argparse.Namespace) -> int:
    words: list[str] = args.words
    if words and words[0] == "read":
        return _read(args, words[1:])
    if words:
        raise CliError(f"Unknown action '{words[0]}': use 'sfa notifications read KEY' or no action to list.")
    if args.all:
        raise CliError("--all goes with 'read': 'sfa notifications read --all'.")
    with open_store(args) as store:
        notification_ops.refresh(store)
        items = notification_ops.listing(store, unread=args.unread, kind=args.kind)
    if args.format == "json":
        document = [
            {
                "key": i.key,
                "kind": i.kind,
                "title": i.title,
                "body": i.body,
                "table": i.table,
                "record_id": i.record_id,
                "at": i.at.isoformat(),
                "urgent": i.urgent,
                "read": i.read,
            }
            for i in items
        ]
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not items:
        sys.stderr.write("No unread notifications.\n" if args.unread else "No notifications.\n")
        return 0
    rows = [
        [
            "" if i.read else "•",
            i.key[:KEY_SHOWN],
            _when(i.at),
            i.kind + (" !" if i.urgent else ""),
            i.title,
        ]
        for i in items
    ]
    print_table(["", "Key", "When", "Kind", "What"], rows, sys.stdout)
    print("\n• unread, ! urgent.  'sfa notifications read KEY' (the key or its start) marks one read.")
    return 0


def _read(args: argparse.Namespace, keys: list[str]) -> int:
    if bool(keys) == bool(args.all):
        raise CliError("Give the keys of the notifications to mark read, or --all (not both).")
    with open_store(args) as store:
        if args.all:
            count = notification_ops.mark_all_read(store, args.kind)
        else:
            count = notification_ops.mark_read(store, keys)
    print(f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return 0


def _table(given: str) -> str:
    table = TABLES.get(given.lower())
    if table is None:
        raise CliError(f"Comments go on {', '.join(comments.COMMENTABLE)}; not '{given}'.")
    return table


def cmd_comments_list(args: argparse.Namespace) -> int:
    table = _table(args.table)
    with open_store(args) as store:
        record = resolve(store, table, args.ref)
        found = notification_ops.comments_on(store, table, record)
    if not found:
        sys.stderr.write("No comments yet.\n")
        return 0
    for comment in found:
        edited = " (edited)" if comment.edited_at else ""
        print(f"{comment.author}, {_when(comment.created_at)}{edited}  [{comment.id[:8]}]")
        for line in textwrap.wrap(comment.shown, 96) or [""]:
            print("    " + line)
    return 0


def cmd_comments_add(args: argparse.Namespace) -> int:
    table = _table(args.table)
    body = " ".join(args.text)
    with open_store(args) as store:
        record = resolve(store, table, args.ref)
        comment_id = notification_ops.add_comment(store, table, record, body)
    print(f"Comment {comment_id[:8]} added; it goes out with the next sync.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa notifications`` and ``sfa comments list|add``."""
    common = commands.data_dir
    lister = commands.command(
        "notifications",
        parents=[common],
        help="the notification centre: list, or mark read",
        description="List your notifications, newest first (mentions, conflicts, territory changes, sync "
        "failures...), with the key of each; 'sfa notifications read KEY...' or 'read --all' marks them read "
        "(on your other laptops too, after their next sync).",
    )
    lister.add_argument("words", nargs="*", metavar="read KEY", help="'read' and the keys to mark read")
    lister.add_argument("--unread", action="store_true", help="only those not read")
    lister.add_argument("--kind", choices=KINDS, default=None, help="only notifications of this kind")
    lister.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    lister.add_argument("--all", action="store_true", help="with 'read': every unread one (of --kind)")
    lister.set_defaults(handler=cmd_notifications)
    commands.group(
        "comments",
        parents=[common],
        help="comments on accounts and opportunities",
        description="Read and write comments on a record; '@login' mentions a user, who is notified.",
    )
    show = commands.command("comments list", parents=[common], help="the comments on a record")
    show.add_argument("table", metavar="TABLE", help="accounts or opportunities")
    show.add_argument("ref", metavar="REF", help="the record's id, id prefix or name")
    show.set_defaults(handler=cmd_comments_list)
    add = commands.command(
        "comments add",
        parents=[common],
        help="comment on a record",
        description="Comment on a record; '@login' mentions a user, who is told when it reaches them.",
    )
    add.add_argument("table", metavar="TABLE", help="accounts or opportunities")
    add.add_argument("ref", metavar="REF", help="the record's id, id prefix or name")
    add.add_argument("text", nargs="+", metavar="TEXT", help="the comment")
    add.set_defaults(handler=cmd_comments_add)
