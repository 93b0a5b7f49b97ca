"""``sfa territories list | assign`` and ``sfa report territory``: the territory tree, run assignment
(a preview unless --apply) and the territory report as PDF or CSV, on this laptop's data."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from sfa_desktop.cli import CliError, _open, _print_table, resolve
from sfa_desktop.store.database import LocalStore


def _territory(store: LocalStore, given: str | None) -> str | None:
    if given is None:
        return None
    with store.reading() as session:
        return resolve(session, "territories", given)


def cmd_list(args: argparse.Namespace) -> int:
    from sfa_desktop.core.territories import tree as territories

    with _open(args) as store, store.reading() as session:
        nodes = territories.flatten(territories.load_tree(session))
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
    _print_table(["Code", "Name", "Accounts", "Open leads", "Members", "Rules"], rows, sys.stdout)
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from sfa_desktop.core.territories import assignment
    from sfa_desktop.sync import local_rights

    with _open(args) as store:
        territory_id = _territory(store, args.territory)
        with store.reading() as session:
            rights = local_rights.load(session.connection())
            preview = assignment.preview(session, territory_id=territory_id, may_move=rights.may_move)
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
            _print_table(["Kind", "Record", "From", "To", "Rule"], rows, sys.stdout)
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
        with store.transaction() as session:
            try:
                moved = assignment.apply_moves(session, preview.permitted)
            except assignment.StalePreview as exc:
                raise CliError(str(exc)) from None
    print(f"Moved {moved:,} records; they go to the central store with the next sync.")
    if preview.blocked:
        print(
            f"{len(preview.blocked):,} moves outside your territories were left for your manager or an admin."
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
    from sfa_desktop.core import csvfiles, settings
    from sfa_desktop.core.reports import sections as report_sections
    from sfa_desktop.core.reports import view as report_view
    from sfa_desktop.core.reports.base import ReportError
    from sfa_desktop.core.reports.territory import build
    from sfa_desktop.sync import local_rights

    out: Path = args.output
    kind = out.suffix.lower()
    if kind not in (".pdf", ".csv"):
        raise CliError(f"Cannot tell the format of '{out}': name the file .pdf or .csv.")
    try:
        period = _period(args, dt.date.today())
    except ReportError as exc:
        raise CliError(str(exc)) from None
    with _open(args) as store:
        territory_id = _territory(store, args.territory)
        with store.reading() as session:
            rights = local_rights.load(session.connection())
            visible = (
                rights.identity.territories if rights.identity and not rights.identity.is_admin else None
            )
            try:
                report = build(session, territory_id, period, visible=visible)
            except ReportError as exc:
                raise CliError(str(exc)) from None
            page = settings.get(session, "page_size")
    if kind == ".pdf":
        from sfa_desktop.printing.territory_report import write_pdf

        write_pdf(report, out, page=page)
    else:
        header = [
            ("Territory report", report.scope.label),
            ("Period", f"{period.start.isoformat()} to {period.end.isoformat()}"),
            ("Previous period", f"{period.previous.start.isoformat()} to {period.previous.end.isoformat()}"),
        ]
        with csvfiles.open_for_writing(out) as fh:
            report_view.write_csv(report_sections.sections(report), fh, header)
    note = "" if report.has_activity else " (no activity in this period)"
    print(f"Wrote the territory report for {report.scope.label}, {period.label()}, to {out}{note}.")
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from None


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``sfa territories`` and ``sfa report`` to the top-level subparsers."""
    group = commands.add_parser(
        "territories",
        parents=[common],
        help="the territory tree and run assignment",
        description="The territories this laptop knows, and moving accounts and leads to the territory "
        "their assignment rules give them.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    lister = actions.add_parser(
        "list", parents=[common], help="the tree with accounts, leads, members and rules"
    )
    lister.set_defaults(handler=cmd_list)
    assign = actions.add_parser(
        "assign",
        parents=[common],
        help="which records the rules would move (and --apply: move them)",
        description="Preview which accounts and leads the assignment rules would move, from where to where, "
        "and which rule matched (and, where rules overlap, which won and why). Nothing changes without "
        "--apply; then the moves are made in one transaction and sync at the next sync.",
    )
    assign.add_argument("--territory", metavar="CODE", help="only moves into or out of it (and below)")
    assign.add_argument("--apply", action="store_true", help="make the moves")
    assign.set_defaults(handler=cmd_assign)

    report = commands.add_parser(
        "report", parents=[common], help="reports as PDF or CSV", description="Reports as PDF or CSV."
    )
    kinds = report.add_subparsers(dest="kind", metavar="REPORT", required=True)
    territory = kinds.add_parser(
        "territory",
        parents=[common],
        help="the territory report: coverage, activity, leads, pipeline, revenue, profitability, risk",
        description="The territory report for a territory and those below it (default: all yours) over a "
        "period (default: the last 90 days), from what this laptop holds, as a PDF or CSV file.",
    )
    territory.add_argument("--territory", metavar="CODE", help="the territory (and those below it)")
    territory.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="first day")
    territory.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last day (today)")
    territory.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="FILE.pdf or FILE.csv"
    )
    territory.set_defaults(handler=cmd_report)
