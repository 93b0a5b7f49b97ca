"""``sfa accounts defect`` and ``sfa accounts defections``: a customer lost or declining, why, and the
account's (or the territories') defections.  Recorded offline; the next sync takes them to the central
store, where the manager's territory report counts them in its Retention section."""

from __future__ import annotations

import argparse
import json
import sys

from sfa_desktop.cli.common import Commands, date, label_of, open_store, print_table, resolve, short
from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES
from sfa_desktop.core.retention import defections
from sfa_desktop.core.retention.defections import Given
from sfa_desktop.ops import retention as retention_ops


def cmd_defect(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        account_id = resolve(store, "accounts", args.account)
        recorded = retention_ops.record_defection(
            store,
            Given(
                account_id,
                "declining" if args.declining else "lost",
                args.type,
                args.reason,
                args.on,
            ),
        )
    print(
        f"{recorded.account} recorded as {recorded.status} ({recorded.defection_type}) on "
        f"{recorded.defected_on.isoformat()}: {args.reason.strip()}"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        account_id = resolve(store, "accounts", args.account) if args.account else None
        rows = retention_ops.list_defections(
            store,
            account_id=account_id,
            defection_type=defections.defection_type(args.type) if args.type else None,
            status=args.status,
            since=args.since,
            limit=args.limit or None,
        )
        if account_id and not rows:
            print(f"No defection recorded for {label_of(store, 'accounts', account_id)}.")
            return 0
    if args.format == "json":
        out = [
            {
                "id": r.id,
                "account_id": r.account_id,
                "account": r.account,
                "status": r.status,
                "type": r.defection_type,
                "reason": r.reason,
                "date": r.defected_on.isoformat(),
                "rep": r.rep,
                "recorded_by": r.recorded_by or None,
            }
            for r in rows
        ]
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No defections recorded.")
        return 0
    print_table(
        ["ID", "Date", "Account", "Status", "Type", "Rep", "Reason"],
        [
            [short(r.id), r.defected_on.isoformat(), r.account, r.status, r.defection_type, r.rep, r.reason]
            for r in rows
        ],
        sys.stdout,
    )
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa accounts defect`` and ``sfa accounts defections``."""
    common = commands.data_dir
    types = "; ".join(f"{name}: {hint}" for name, hint in defections.TYPE_HINTS.items())
    defect = commands.command(
        "accounts defect",
        parents=[common],
        help="record that a customer is lost or declining, with the defection type and the reason",
        description="Record a customer's defection: lost (the default) or, with --declining, buying less. "
        f"The defection types: {types}. Each recording is kept with the account (its history) and counted "
        "in the territory report's Retention section.",
    )
    defect.add_argument("account", metavar="ACCOUNT", help="the account's id, id prefix or name")
    defect.add_argument(
        "--type", required=True, metavar="TYPE", help=f"the defection type: {', '.join(DEFECTION_TYPES)}"
    )
    defect.add_argument(
        "--reason", required=True, help="why, in a few words, e.g. 'moved to a cheaper supplier'"
    )
    defect.add_argument(
        "--declining", action="store_true", help="the customer is buying less, not gone (yet)"
    )
    defect.add_argument("--on", type=date, metavar="DATE", help="when it happened (default: today)")
    defect.set_defaults(handler=cmd_defect)

    lister = commands.command(
        "accounts defections",
        parents=[common],
        help="the defections recorded: of one account, or of every account on this laptop",
        description="Defections recorded, latest first: of one account (its history) or of all the "
        "accounts this laptop holds.",
    )
    lister.add_argument("account", metavar="ACCOUNT", nargs="?", help="only this account")
    lister.add_argument("--type", metavar="TYPE", help=f"only this type: {', '.join(DEFECTION_TYPES)}")
    lister.add_argument("--status", choices=("lost", "declining"), help="only lost or only declining")
    lister.add_argument("--since", type=date, metavar="DATE", help="only those on or after this day")
    lister.add_argument("--limit", type=int, default=0, metavar="N", help="at most N rows")
    lister.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    lister.set_defaults(handler=cmd_list)
