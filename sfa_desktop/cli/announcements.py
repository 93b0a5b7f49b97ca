"""``sfa announcements list|show|post|receipts``: bulletins from managers and the office, offline.

``show`` marks the announcement read (a receipt that syncs up to its writer); ``post`` is for managers (to
a territory they manage) and the office (anyone); ``receipts`` says who of the audience has read it and who
has not (``--days N``: who has not although it was posted N days ago or more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

from sfa_desktop.cli.common import CliError, Commands, open_store
from sfa_desktop.core.announcements.board import Summary
from sfa_desktop.core.announcements.links import Link
from sfa_desktop.core.kb import mdtext
from sfa_desktop.ops import announcements as ann_ops

WIDTH = 100


def _bold() -> tuple[str, str]:
    return ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() else ("", "")


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def _as_json(item: Summary) -> dict[str, object]:
    return {
        "id": item.id,
        "title": item.title,
        "pinned": item.pinned,
        "unread": item.unread,
        "addressed": item.addressed,
        "audience": item.audience,
        "author": item.author,
        "published_at": item.published_at.isoformat(),
        "expires_on": item.expires_on.isoformat() if item.expires_on else None,
        "expired": item.expired,
        "read_at": item.read_at.isoformat() if item.read_at else None,
    }


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = ann_ops.listing(store, include_expired=args.all, unread_only=args.unread)
    if args.format == "json":
        print(json.dumps([_as_json(item) for item in found], indent=2))
        return 0
    if not found:
        sys.stderr.write("No unread announcements.\n" if args.unread else "No announcements.\n")
        return 0
    for item in found:
        marks = ("📌 " if item.pinned else "   ") + ("● " if item.unread else "  ")
        extra = " [expired]" if item.expired else ""
        print(
            f"{item.id[:8]}  {marks}{item.title}{extra}  ({item.audience} · {item.author} · "
            f"{item.published_at.astimezone():%d %b})"
        )
    unread = sum(1 for item in found if item.unread)
    print(f"\n{len(found)} announcement{'s' if len(found) != 1 else ''}, {unread} unread.")
    return 0


def _print_markdown(body: str) -> None:
    bold = _bold()
    found = mdtext.blocks(body)
    for number, block in enumerate(found):
        if block.kind == "heading":
            print(f"{bold[0]}{block.text}{bold[1]}")
        elif block.kind == "code":
            print(textwrap.indent(block.text, "    "))
        else:
            prefix = {"item": "  • ", "quote": "  │ "}.get(block.kind, "")
            wrapped = textwrap.wrap(block.text, WIDTH - len(prefix)) or [""]
            print(prefix + wrapped[0])
            for line in wrapped[1:]:
                print(" " * len(prefix) + line)
        following = found[number + 1] if number + 1 < len(found) else None
        if following is not None and not (block.kind == following.kind and block.kind in ("item", "quote")):
            print()


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        detail = ann_ops.open_announcement(store, ann_ops.resolve(store, args.id))
        titles = {
            link.target: ann_ops.article_title(store, link.article_id)
            for link in detail.links
            if link.article_id
        }
    bold = _bold()
    print(f"{bold[0]}{detail.title}{bold[1]}" + ("  [pinned]" if detail.pinned else ""))
    audience = "everyone" if detail.audience == "Everyone" else detail.audience
    facts = [f"For {audience}", f"by {detail.author}", _when(detail.published_at)]
    if detail.expires_on:
        facts.append(f"{'expired' if detail.expired else 'until'} {detail.expires_on:%Y-%m-%d}")
    print(" · ".join(facts))
    print(f"ID {detail.id}\n")
    _print_markdown(detail.body)
    if detail.links:
        print("\nLinks:")
        for link in detail.links:
            where = (
                f"article “{titles.get(link.target) or link.article_id}”" if link.article_id else link.target
            )
            print(f"  • {link.label}: {where}")
    return 0


def cmd_post(args: argparse.Namespace) -> int:
    if args.body_file is not None:
        try:
            body = Path(args.body_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"Cannot read {args.body_file}: {exc.strerror or exc}.") from None
    else:
        body = args.body
    try:
        expires = dt.date.fromisoformat(args.expires) if args.expires else None
    except ValueError:
        raise CliError(f"--expires takes a date as YYYY-MM-DD, not {args.expires!r}.") from None
    links = tuple(Link(label, target) for label, target in (_split_link(given) for given in args.link))
    with open_store(args) as store:
        if args.territory:
            draft = ann_ops.Draft(
                args.title, body, "territory", territory_id=ann_ops.find_territory(store, args.territory)
            )
        elif args.role:
            draft = ann_ops.Draft(args.title, body, "role", role=args.role)
        else:
            draft = ann_ops.Draft(args.title, body, "everyone")
        draft = ann_ops.Draft(
            draft.title, draft.body, draft.audience, draft.territory_id, draft.role, args.pin, expires, links
        )
        new_id = ann_ops.post(store, draft)
        detail = ann_ops.load(store, new_id)
    print(f"Posted “{detail.title}” for {detail.audience} ({new_id[:8]}); it goes out with the next sync.")
    return 0


def _split_link(given: str) -> tuple[str, str]:
    """'Label=https://…' or just the target."""
    label, sep, target = given.partition("=")
    if sep and not label.lower().startswith(("http", "kb:")):
        return label, target
    return "", given


def cmd_receipts(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        report = ann_ops.read_report(store, ann_ops.resolve(store, args.id), days=args.days)
    detail = report.announcement
    print(f"{detail.title}  ({detail.audience}, posted {_when(detail.published_at)})")
    print(f"Read by {len(report.read)} of {report.audience_size}.")
    if report.read:
        print("\nRead:")
        for person in report.read:
            assert person.read_at is not None
            print(f"  {person.name} ({person.login})  {_when(person.read_at)}")
    if report.unread:
        print("\nNot read:")
        for person in report.unread:
            print(f"  {person.name} ({person.login})")
    if args.days is not None:
        if report.overdue:
            print(f"\nNot read after {args.days} days: " + ", ".join(p.name for p in report.overdue))
        else:
            print(f"\nNobody has left it unread for {args.days} days or more.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa announcements list|show|post|receipts``."""
    common = commands.data_dir
    commands.group(
        "announcements",
        parents=[common],
        help="bulletins from managers and the office",
        description="Read announcements offline; managers and the office post them; see who has read them.",
    )
    lister = commands.command(
        "announcements list",
        parents=[common],
        help="the announcements for you",
        description="Pinned first, then the newest; unread ones are marked ●. Expired ones are left out "
        "unless --all.",
    )
    lister.add_argument("--unread", action="store_true", help="only those you have not opened")
    lister.add_argument("--all", action="store_true", help="expired ones too")
    lister.add_argument("--format", choices=("table", "json"), default="table")
    lister.set_defaults(handler=cmd_list)
    show = commands.command(
        "announcements show",
        parents=[common],
        help="read one (marks it read)",
        description="Show one announcement and mark it read: the receipt reaches its writer with the next "
        "sync.",
    )
    show.add_argument("id", metavar="ID", help="the announcement's id or the start of it")
    show.set_defaults(handler=cmd_show)
    post = commands.command(
        "announcements post",
        parents=[common],
        help="post an announcement (managers, the office)",
        description="Post an announcement. Managers address a territory they manage (with the territories "
        "below it); the office may address everyone or a role.",
    )
    post.add_argument("--title", required=True)
    body = post.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", metavar="TEXT", help="the text (Markdown)")
    body.add_argument("--body-file", metavar="FILE", help="read the text (Markdown) from this file")
    audience = post.add_mutually_exclusive_group()
    audience.add_argument("--territory", metavar="CODE", help="for this territory and those below it")
    audience.add_argument("--role", choices=("rep", "manager"), help="for every user of this role")
    audience.add_argument("--everyone", action="store_true", help="for everyone (the default)")
    post.add_argument("--pin", action="store_true", help="keep it on top, and on everyone's Today page")
    post.add_argument("--expires", metavar="DATE", help="the last day it is shown (YYYY-MM-DD)")
    post.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="[LABEL=]TARGET",
        help="attach a link: kb:ARTICLE_ID or an https:// address (repeatable)",
    )
    post.set_defaults(handler=cmd_post)
    receipts = commands.command(
        "announcements receipts",
        parents=[common],
        help="who has read one and who has not",
        description="Who of the audience has read the announcement, and who has not; --days N also says who "
        "has not although it was posted N days ago or more. For its writer, the managers over its audience "
        "and the office.",
    )
    receipts.add_argument("id", metavar="ID")
    receipts.add_argument("--days", type=int, default=None, metavar="N")
    receipts.set_defaults(handler=cmd_receipts)
