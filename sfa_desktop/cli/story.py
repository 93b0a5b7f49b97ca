"""``sfa timeline`` and ``sfa log``: a customer's whole story, and logging what just happened with them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, digits, open_store, resolve
from sfa_desktop.core.records import activity_log
from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, ENTITIES
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.ops import timeline as timeline_ops

TABLE_LIMIT = 50
_WIDTHS = {"title": 44, "detail": 64}


def _cut(value: str, width: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


def _marks(item: timeline.TimelineItem) -> str:
    marks = []
    if item.overdue:
        marks.append("overdue")
    elif item.planned:
        marks.append("planned")
    if item.pending:
        marks.append("not synced yet")
    return f" ({', '.join(marks)})" if marks else ""


def cmd_timeline(args: argparse.Namespace) -> int:
    try:
        only = timeline.Filter.parse(args.kind or [])
    except ValueError as exc:
        raise CliError(f"--kind: {exc}") from None
    with open_store(args) as store:
        record_id = resolve(store, args.record_kind, args.ref)
        items = timeline_ops.load_timeline(store, args.record_kind, record_id, only=only)
    limit = args.limit if args.limit is not None else (TABLE_LIMIT if args.format == "table" else 0)
    shown = items[:limit] if limit else items
    if args.format == "json":
        json.dump([item.as_json() for item in shown], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not items:
        sys.stderr.write("Nothing on this timeline" + (" matches --kind.\n" if args.kind else " yet.\n"))
        return 0
    rows = [
        [
            timeline.absolute_time(item),
            item.label,
            _cut(item.title, _WIDTHS["title"]),
            _cut(item.detail, _WIDTHS["detail"]) + _marks(item),
            item.who,
        ]
        for item in shown
    ]
    headers = ["When", "Kind", "Title", "Detail", "Who"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if len(shown) < len(items):
        sys.stderr.write(f"{len(shown):,} of {len(items):,} items shown; use --limit N (0 for all).\n")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    target = next(((k, getattr(args, k)) for k in activity_log.TARGETS if getattr(args, k) is not None), None)
    if target is None:  # argparse makes the group required; kept for callers of the function
        raise CliError("Say what the activity is about: --account, --contact, --lead or --opportunity.")
    if args.due is not None and args.follow_up is None:
        raise CliError("--due needs --follow-up SUBJECT: say what the follow-up task is.")
    record_kind, given = target
    with open_store(args) as store:
        record_id = resolve(store, record_kind, given)
        values: dict[str, Any] = {
            "subject": args.subject,
            "outcome": args.outcome,
            "duration": args.duration,
            "notes": args.notes,
            "follow_up": args.follow_up,
            "follow_up_due": args.due,
        }
        logged = timeline_ops.log_activity(store, args.log_kind, record_kind, record_id, values)
        name = timeline_ops.record_name(store, record_kind, record_id)
    singular = ENTITIES[record_kind].singular
    print(f"Logged {args.log_kind} “{logged.subject}” on {singular} {name} ({logged.activity_id}).")
    if logged.follow_up_id is not None:
        print(f"Follow-up task “{args.follow_up}” due {args.due} ({logged.follow_up_id}).")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa timeline`` and ``sfa log``."""
    common = commands.data_dir
    kinds = ", ".join((*timeline.KINDS, *activity_log.LOG_KINDS, "task"))
    parser = commands.command(
        "timeline",
        parents=[common],
        help="an account's, a contact's or a lead's whole story, newest first",
        description="Show the timeline of an account (its own and its contacts' activities, its "
        "opportunities and orders, changes to it and its contacts), of a contact (its activities, "
        "opportunities and changes) or of a lead (its activities and changes), newest first; planned "
        "activities by their due time. Changes show who changed which field from what to what; local changes "
        "not synced yet are marked. Works offline.",
    )
    parser.add_argument("record_kind", choices=tuple(timeline.TIMELINE_OF), metavar="accounts|contacts|leads")
    parser.add_argument("ref", metavar="REF", help="the record's id, id prefix or name")
    parser.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help=f"only these items (repeat, or separate with commas): {kinds}",
    )
    parser.add_argument(
        "--limit", type=digits, metavar="N", help=f"the newest N items (table default {TABLE_LIMIT}; 0: all)"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.set_defaults(handler=cmd_timeline)

    log = commands.command(
        "log",
        parents=[common],
        help="log a call, visit, email, meeting or note on a record",
        description="Log an activity done now on an account, contact, lead or opportunity (a contact's "
        "account and an opportunity's account and contact are linked too), optionally with a follow-up "
        "task, in one transaction. It syncs like any change.",
    )
    log.add_argument(
        "log_kind", choices=activity_log.LOG_KINDS, metavar="KIND", help="call, visit, email, meeting or note"
    )
    targets = log.add_mutually_exclusive_group(required=True)
    for kind in activity_log.TARGETS:
        singular = ENTITIES[kind].singular
        targets.add_argument(
            f"--{singular}", dest=kind, metavar="REF", help=f"the {singular}'s id, id prefix or name"
        )
    log.add_argument("--subject", metavar="TEXT", help="default: 'Call with NAME' and the like")
    log.add_argument("--outcome", metavar="OUTCOME", help="one of: " + ", ".join(ACTIVITY_OUTCOMES))
    log.add_argument("--duration", metavar="MIN", help="minutes")
    log.add_argument("--notes", metavar="TEXT")
    log.add_argument("--follow-up", metavar="SUBJECT", help="also create a follow-up task with this subject")
    log.add_argument("--due", metavar="YYYY-MM-DD", help="the follow-up's due day (with --follow-up)")
    log.set_defaults(handler=cmd_log)
