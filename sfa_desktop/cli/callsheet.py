"""``sfa callsheet``: the PDF call sheet of a day or a date range, for this laptop's user or, for a
manager, for the reps they choose."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sfa_desktop.cli.common import Commands, date, open_store
from sfa_desktop.core.callsheet.sheet import NothingPlanned
from sfa_desktop.ops import callsheet as callsheet_ops
from sfa_desktop.ops.callsheet import CallSheetError


def _page_size(value: str) -> str:
    sizes = {"a4": "A4", "letter": "Letter"}
    if value.strip().lower() not in sizes:
        raise argparse.ArgumentTypeError(f"'{value}' is not a page size; use A4 or Letter")
    return sizes[value.strip().lower()]


def cmd_callsheet(args: argparse.Namespace) -> int:
    start: dt.date = args.date or dt.date.today()
    end: dt.date = args.to or start
    if end < start:
        raise CallSheetError(f"--to {end} is before --date {start}; give the first day with --date.")
    if (end - start).days > 31:
        raise CallSheetError("A call sheet covers at most 32 days; make one per month.")
    output: Path = args.output
    if output.suffix.lower() != ".pdf":
        raise CallSheetError(f"{output} does not end in .pdf; give a file name such as today.pdf.")
    if not output.parent.is_dir():
        raise CallSheetError(f"The folder {output.parent} does not exist; create it or choose another.")
    with open_store(args) as store:
        # who may print whose sheet: one rule for the window and here (ops.callsheet.may_print)
        ids = callsheet_ops.rep_ids(store, list(args.rep or []))
        size = args.page_size or callsheet_ops.page_size(store)
        try:
            # --page-size is for this sheet: the page_size setting stays as it is
            written = callsheet_ops.write_call_sheet(
                store, ids, start, end, output, size, remember=False, checklists=not args.no_checklists
            )
        except NothingPlanned as exc:
            raise CallSheetError(str(exc)) from None
    print(
        f"Call sheet for {written.description}: {written.calls} call{'s' if written.calls != 1 else ''} on "
        f"{written.pages} page{'s' if written.pages != 1 else ''} ({size}), written to {written.path}."
    )
    if written.idle:
        print(f"Nothing planned for {', '.join(written.idle)}.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa callsheet``."""
    common = commands.data_dir
    parser = commands.command(
        "callsheet",
        parents=[common],
        help="print the day's calls and visits as a PDF",
        description=(
            "Make the PDF call sheet of a day (today unless --date) or a date range (--date to --to): a "
            "cover with the visits in route order from the rep's home base (the accepted week plan's route, "
            "else nearest first) and the phone calls, then a block per call with the account and contact, "
            "why the call is made, the last activities, the last order and top products, talking points, "
            "the visit's checklist (unless --no-checklists) and room for the outcome. The calls are the "
            "planned calls, visits and meetings not done yet. For this laptop's user, or (managers) the "
            "reps given with --rep. The page size is the page_size setting unless --page-size; distances "
            "are in the distance_unit setting (km or mi; auto: from the phone region)."
        ),
    )
    parser.add_argument("--date", type=date, default=None, metavar="YYYY-MM-DD", help="the day (today)")
    parser.add_argument("--to", type=date, default=None, metavar="YYYY-MM-DD", help="the last day of a range")
    parser.add_argument("--rep", action="append", metavar="LOGIN", help="a rep's login; may be repeated")
    parser.add_argument("--page-size", type=_page_size, default=None, metavar="SIZE", help="A4 or Letter")
    parser.add_argument(
        "--no-checklists",
        action="store_true",
        help="leave out the visits' checklists (the template of the account's segment) to fill in by hand",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write"
    )
    parser.set_defaults(handler=cmd_callsheet)
