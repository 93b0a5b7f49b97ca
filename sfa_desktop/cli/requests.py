"""``sfa requests list|new|show|comment|assign|status|resolve``: customer requests and complaints from the
field (issue 15), raised offline and worked from the territory's queue after a sync."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

from sfa_desktop.cli.common import Commands, open_store, print_table, short
from sfa_desktop.core import csvfiles
from sfa_desktop.core.records.fields import REQUEST_CATEGORIES, REQUEST_SEVERITIES, REQUEST_STATUSES
from sfa_desktop.core.requests import listing
from sfa_desktop.ops import requests as ops

WIDTH = 100


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _flag(row: listing.RequestRow) -> str:
    if row.level.answer_overdue:
        return "answer overdue"
    if row.level.resolve_overdue:
        return "overdue"
    return ""


def cmd_list(args: argparse.Namespace) -> int:
    whose = listing.ASSIGNED if args.assigned else listing.MINE if args.mine else listing.EVERYONE
    filters = listing.Filters(
        text=" ".join(args.text or ()),
        status=args.status,
        category=args.category,
        overdue=args.overdue,
        whose=whose,
    )
    with open_store(args) as store:
        rows = ops.list_requests(store, filters)
    if args.format == "json":
        json.dump([_data(r) for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.format == "csv":
        records = [_data(r) for r in rows]
        writer = csvfiles.writer(sys.stdout)
        writer.writerow(list(_data_keys()))
        writer.writerows(csvfiles.row(r.values()) for r in records)
        return 0
    if not rows:
        sys.stderr.write(
            "No request matches. 'sfa requests list --status any' shows the resolved ones too.\n"
        )
        return 0
    body = [
        [
            short(r.id),
            _when(r.raised_at),
            r.account,
            r.category,
            r.severity,
            r.status,
            r.assigned_to,
            _flag(r),
            r.subject,
        ]
        for r in rows
    ]
    print_table(
        ["ID", "Raised", "Account", "Category", "Severity", "Status", "Assigned to", "SLA", "Subject"],
        body,
        sys.stdout,
    )
    return 0


def _data_keys() -> tuple[str, ...]:
    return tuple(_data(None))


def _data(row: listing.RequestRow | None) -> dict[str, Any]:
    def get(name: str) -> Any:
        return getattr(row, name) if row is not None else None

    def stamp(name: str) -> str | None:
        value = get(name)
        return value.isoformat() if value is not None else None

    return {
        "id": get("id"),
        "raised_at": stamp("raised_at"),
        "account": get("account"),
        "account_id": get("account_id"),
        "contact": get("contact"),
        "category": get("category"),
        "severity": get("severity"),
        "status": get("status"),
        "subject": get("subject"),
        "raised_by": get("raised_by"),
        "assigned_to": get("assigned_to"),
        "territory": get("territory"),
        "first_answered_at": stamp("first_answered_at"),
        "resolved_at": stamp("resolved_at"),
        "comments": get("comments"),
        "answer_overdue": row.level.answer_overdue if row is not None else None,
        "resolve_overdue": row.level.resolve_overdue if row is not None else None,
    }


def cmd_new(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        made = ops.raise_request(
            store,
            account=args.account,
            category=args.category,
            severity=args.severity,
            subject=args.subject,
            description=args.description,
            links=args.link or (),
        )
    print(f"Request {short(made)} raised; it reaches the territory's queue with the next sync.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        shown = ops.detail(store, ops.request_id(store, args.ref))
    r = shown.row
    print(f"{r.subject}  [{r.status}]")
    facts = [
        f"Account: {r.account}" + (f" · Contact: {r.contact}" if r.contact else ""),
        f"Category: {r.category} · Severity: {r.severity} · Territory: {r.territory or '-'}",
        f"Raised {_when(r.raised_at)} by {r.raised_by}" + (f" at {shown.activity}" if shown.activity else ""),
        f"Assigned to: {r.assigned_to or 'nobody yet'}",
        "Service level: " + r.level.describe(),
    ]
    if r.first_answered_at:
        facts.append(f"First answered {_when(r.first_answered_at)}")
    if r.resolved_at:
        facts.append(f"Resolved {_when(r.resolved_at)}")
    for line in facts:
        print(line)
    print(f"ID {r.id}")
    if shown.description:
        print()
        print(textwrap.fill(shown.description, WIDTH))
    if shown.resolution:
        print()
        print("Resolution: " + shown.resolution)
    if shown.links:
        print()
        for link in shown.links:
            print(f"  link: {link}")
    print()
    if not shown.thread:
        print("No comments yet.")
    for c in shown.thread:
        print(f"{_when(c.at)}  {c.author}:")
        print(textwrap.indent(textwrap.fill(c.body, WIDTH - 4), "    "))
    return 0


def cmd_comment(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        ops.comment(store, ops.request_id(store, args.ref), " ".join(args.text))
    print("Comment added.")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = ops.request_id(store, args.ref)
        user = None if args.login == "-" else ops.user_id_for(store, args.login)
        ops.assign(store, found, user)
    print(f"Request {short(found)} " + ("unassigned." if user is None else f"assigned to {args.login}."))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = ops.request_id(store, args.ref)
        ops.set_status(store, found, args.status, args.note)
    print(f"Request {short(found)} is now '{args.status}'.")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = ops.request_id(store, args.ref)
        ops.resolve(store, found, args.note)
    print(f"Request {short(found)} resolved.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa requests list|new|show|comment|assign|status|resolve``."""
    common = commands.data_dir
    commands.group(
        "requests",
        parents=[common],
        help="customer requests and complaints",
        description="Customer requests and complaints raised from the field: raised offline, worked from "
        "the queue of the account's territory by its managers, with comments and service-level flags.",
    )
    lister = commands.command(
        "requests list",
        parents=[common],
        help="list requests (open ones by default)",
        description="The requests on this laptop, newest first: open ones unless --status says otherwise.",
    )
    lister.add_argument(
        "text", nargs="*", metavar="TEXT", help="words of the subject, account or description"
    )
    lister.add_argument(
        "--status",
        default=listing.OPEN,
        choices=(listing.OPEN, listing.ANY, *REQUEST_STATUSES),
        help="open (default), any, or one status",
    )
    lister.add_argument("--category", choices=REQUEST_CATEGORIES, default=None)
    lister.add_argument("--overdue", action="store_true", help="only those past their service level")
    lister.add_argument("--mine", action="store_true", help="only those I raised")
    lister.add_argument("--assigned", action="store_true", help="only those assigned to me")
    lister.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    lister.set_defaults(handler=cmd_list)
    new = commands.command(
        "requests new",
        parents=[common],
        help="raise a request or complaint about an account",
        description="Raise a customer request or complaint about an account (works offline).",
    )
    new.add_argument("--account", required=True, metavar="REF", help="the account's name or id")
    new.add_argument("--category", required=True, choices=REQUEST_CATEGORIES)
    new.add_argument("--severity", default="normal", choices=REQUEST_SEVERITIES, help="normal by default")
    new.add_argument("--subject", required=True, metavar="TEXT")
    new.add_argument("--description", default=None, metavar="TEXT")
    new.add_argument(
        "--link", action="append", metavar="URL", help="a web address or kb:<article id> (repeatable)"
    )
    new.set_defaults(handler=cmd_new)
    show = commands.command("requests show", parents=[common], help="show a request and its comments")
    show.add_argument("ref", metavar="ID", help="the request's id or the start of it")
    show.set_defaults(handler=cmd_show)
    comment = commands.command("requests comment", parents=[common], help="add a comment to a request")
    comment.add_argument("ref", metavar="ID")
    comment.add_argument("text", nargs="+", metavar="TEXT")
    comment.set_defaults(handler=cmd_comment)
    assign = commands.command(
        "requests assign",
        parents=[common],
        help="assign a request to someone (managers)",
        description="Assign a request to a user ('-' unassigns). Managers of the territory and admins.",
    )
    assign.add_argument("ref", metavar="ID")
    assign.add_argument("login", metavar="LOGIN")
    assign.set_defaults(handler=cmd_assign)
    status = commands.command(
        "requests status",
        parents=[common],
        help="change a request's status",
        description="Give a request a status. Managers of the territory and admins any; the rep it is "
        "assigned to between 'in progress' and 'waiting on customer'.",
    )
    status.add_argument("ref", metavar="ID")
    status.add_argument("status", choices=REQUEST_STATUSES)
    status.add_argument(
        "--note", default=None, metavar="TEXT", help="the resolution, when resolving or closing"
    )
    status.set_defaults(handler=cmd_status)
    resolve = commands.command("requests resolve", parents=[common], help="resolve a request (managers)")
    resolve.add_argument("ref", metavar="ID")
    resolve.add_argument("--note", default=None, metavar="TEXT", help="how it was resolved")
    resolve.set_defaults(handler=cmd_resolve)
