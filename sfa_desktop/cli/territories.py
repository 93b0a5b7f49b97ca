"""``sfa territories list | assign | runs`` and ``sfa report territory``: the territory tree, run assignment
(a preview unless --apply) and the territory report as PDF or CSV, on this laptop's data."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, date, open_store, print_table, resolve
from sfa_desktop.ops import territories as territory_ops
from sfa_desktop.store.database import LocalStore


def _territory(store: LocalStore, given: str | None) -> str | None:
    return None if given is None else resolve(store, "territories", given)


def cmd_list(args: argparse.Namespace) -> int:
    from sfa_desktop.core.territories import tree as territories

    with open_store(args) as store:
        nodes = territories.flatten(territory_ops.load_tree(store).roots)
    if not nodes:
        print("No territories yet.")
        return 0
    rows = [
        [
            "  " * n.depth + n.code,
            n.name,
            f"{n.total_accounts:,}",
            f"{n.total_leads:,}",
            ", ".join(f"{m.login} ({m.role})" for m in n.members) or "-",
            str(n.rules),
        ]
        for n in nodes
    ]
    print_table(["Code", "Name", "Accounts", "Open leads", "Members", "Rules"], rows, sys.stdout)
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from sfa_desktop.core.territories import assignment

    if args.undo_last:
        if args.apply or args.territory:
            raise CliError("--undo-last takes no --apply or --territory: it undoes the last run as it was.")
        with open_store(args) as store:
            undone = territory_ops.undo_last_run(store)
        print(
            f"Moved {len(undone.moves):,} records back where they were (the run of "
            f"{undone.ran_at.astimezone():%Y-%m-%d %H:%M}); they go to the central store with the next sync."
        )
        return 0
    with open_store(args) as store:
        preview = territory_ops.preview(store, _territory(store, args.territory))
        print(preview.summary())
        if preview.moves:
            rows = [
                [
                    assignment.KIND_LABEL[m.kind],
                    m.name,
                    m.from_label,
                    m.to_label,
                    m.rule_name + ("" if m.permitted else "  [not yours to move]"),
                ]
                for m in preview.moves
            ]
            print_table(["Kind", "Record", "From", "To", "Rule"], rows, sys.stdout)
            overlaps: dict[str, list[str]] = {}
            for m in preview.moves:
                if m.overlap:
                    overlaps.setdefault(m.why, []).append(m.name)
            if overlaps:
                print("\nWhere several rules match:")
                for why, names in overlaps.items():
                    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                    print(f"  {why}\n    ({shown})")
        if not args.apply:
            if preview.permitted:
                count = len(preview.permitted)
                print(f"\nNothing was changed. Run again with --apply to move {count:,} records.")
            return 0
        if not preview.permitted:
            print("Nothing to move.")
            return 0
        try:
            moved = territory_ops.apply_moves(store, preview.permitted, preview.scope)
        except assignment.StalePreview as exc:
            raise CliError(str(exc)) from None
    print(f"Moved {moved:,} records; they go to the central store with the next sync.")
    if preview.blocked:
        print(
            f"{len(preview.blocked):,} moves outside your territories were left for your manager or an admin."
        )
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        runs = territory_ops.assignment_runs(store)
    if not runs:
        print("No assignment runs on this laptop yet.")
        return 0
    rows = [
        [
            f"{run.ran_at.astimezone():%Y-%m-%d %H:%M}",
            f"{len(run.moves):,}",
            run.scope,
            f"undone {run.undone_at.astimezone():%Y-%m-%d %H:%M}" if run.undone_at else "",
        ]
        for run in runs
    ]
    print_table(["When", "Moved", "Where", "Undone"], rows, sys.stdout)
    if args.moves:
        for run in runs:
            print(f"\n{run.ran_at.astimezone():%Y-%m-%d %H:%M}: {run.describe()}")
            print_table(
                ["Record", "From", "To", "Rule"],
                [[m.name, m.from_label, m.to_label, m.rule_name] for m in run.moves],
                sys.stdout,
            )
    return 0


def _period(args: argparse.Namespace, today: dt.date) -> Any:
    from sfa_desktop.core.reports.base import Period

    if args.date_from is None and args.date_to is None:
        return Period.last_days(90, today)
    if args.date_from is None:
        return Period.last_days(90, args.date_to)
    return Period(args.date_from, args.date_to if args.date_to is not None else today)


def cmd_report(args: argparse.Namespace) -> int:
    from sfa_desktop.core.reports.base import ReportError

    out: Path = args.output
    kind = out.suffix.lower()
    if kind not in (".pdf", ".csv"):
        raise CliError(f"Cannot tell the format of '{out}': name the file .pdf or .csv.")
    try:
        period = _period(args, dt.date.today())
    except ReportError as exc:
        raise CliError(str(exc)) from None
    with open_store(args) as store:
        territory_id = _territory(store, args.territory)
        try:
            made = territory_ops.make_report(store, territory_id, period.start, period.end)
        except ReportError as exc:
            raise CliError(str(exc)) from None
    if kind == ".pdf":
        territory_ops.write_pdf(made, out)
    else:
        territory_ops.write_csv(made, out, previous=True)
    report = made.report
    note = "" if report.has_activity else " (no activity in this period)"
    print(f"Wrote the territory report for {report.scope.label}, {period.label()}, to {out}{note}.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa territories`` and ``sfa report``."""
    common = commands.data_dir
    commands.group(
        "territories",
        parents=[common],
        help="the territory tree and run assignment",
        description="The territories this laptop knows, and moving accounts and leads to the territory "
        "their assignment rules give them.",
    )
    lister = commands.command(
        "territories list", parents=[common], help="the tree with accounts, leads, members and rules"
    )
    lister.set_defaults(handler=cmd_list)
    assign = commands.command(
        "territories assign",
        parents=[common],
        help="which records the rules would move (and --apply: move them)",
        description="Preview which accounts and leads the assignment rules would move, from where to where, "
        "and which rule matched (and, where rules overlap, which won and why). Nothing changes without "
        "--apply; then the moves are made in one transaction and sync at the next sync.",
    )
    assign.add_argument("--territory", metavar="CODE", help="only moves into or out of it (and below)")
    assign.add_argument("--apply", action="store_true", help="make the moves")
    assign.add_argument(
        "--undo-last", action="store_true", help="move the records of the last run back where they were"
    )
    assign.set_defaults(handler=cmd_assign)
    runs = commands.command(
        "territories runs",
        parents=[common],
        help="the log of assignment runs on this laptop",
        description="The assignment runs made on this laptop, newest first: when, where, how many records "
        "moved, and whether the run was undone ('sfa territories assign --undo-last' undoes the last).",
    )
    runs.add_argument("--moves", action="store_true", help="list each run's moves too")
    runs.set_defaults(handler=cmd_runs)

    commands.group(
        "report",
        dest="kind",
        metavar="REPORT",
        parents=[common],
        help="reports as PDF or CSV",
        description="Reports as PDF or CSV.",
    )
    territory = commands.command(
        "report territory",
        parents=[common],
        help="the territory report: coverage, activity, leads, pipeline, revenue, profitability, risk",
        description="The territory report for a territory and those below it (default: all yours) over a "
        "period (default: the last 90 days), from what this laptop holds, as a PDF or CSV file.",
    )
    territory.add_argument("--territory", metavar="CODE", help="the territory (and those below it)")
    territory.add_argument("--from", dest="date_from", type=date, metavar="YYYY-MM-DD", help="first day")
    territory.add_argument("--to", dest="date_to", type=date, metavar="YYYY-MM-DD", help="last day (today)")
    territory.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="FILE.pdf or FILE.csv"
    )
    territory.set_defaults(handler=cmd_report)
