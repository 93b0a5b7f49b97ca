"""``sfa callsheet``: the PDF call sheet of a day or a date range, for this laptop's user or, for a
manager, for the reps they choose."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sfa_desktop.cli.common import CliError, Commands
from sfa_desktop.core import access, settings
from sfa_desktop.core.callsheet.sheet import NothingPlanned
from sfa_desktop.store.database import LocalStore, default_data_dir


class CallSheetError(CliError):
    """A call sheet that cannot be made as asked; the message says what to do."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from None


def _page_size(value: str) -> str:
    sizes = {"a4": "A4", "letter": "Letter"}
    if value.strip().lower() not in sizes:
        raise argparse.ArgumentTypeError(f"'{value}' is not a page size; use A4 or Letter")
    return sizes[value.strip().lower()]


def rep_ids(store: LocalStore, logins: list[str]) -> list[str]:
    """The ids of the reps asked for (by login), or of this laptop's user; refuses the sheets of people the
    user may not print for (``access.may_print_call_sheet``: the rule the call-sheet dialog offers by)."""
    with store.engine.connect() as conn:
        me = access.this_user(conn)
        everyone = access.people(conn)
    known = {p.login.lower(): (p.user_id, p.login) for p in everyone}
    if not logins:
        if me is None:
            raise CallSheetError(
                "This laptop is not connected to a central store, so it does not know whose call sheet to "
                "make: give --rep LOGIN."
            )
        if not me.user_id:
            raise CallSheetError(f"Run 'sfa sync' first: this laptop does not know the user {me.login} yet.")
        return [me.user_id]
    ids = []
    for login in logins:
        found = known.get(login.strip().lower())
        if found is None:
            listed = ", ".join(sorted(v[1] for v in known.values())[:12]) or "none"
            raise CallSheetError(f"There is no user '{login}' on this laptop; known users: {listed}.")
        if me is not None and not access.may_print_call_sheet(me, found[0], access.managers(everyone)):
            raise CallSheetError(access.call_sheet_refusal(me, found[1]))
        ids.append(found[0])
    return ids


def cmd_callsheet(args: argparse.Namespace) -> int:
    from sfa_desktop.printing.callsheet import write

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
    folder = args.data_dir if getattr(args, "data_dir", None) is not None else default_data_dir()
    with LocalStore.open(folder, create=False) as store:
        ids = rep_ids(store, list(args.rep or []))
        with store.reading() as session:
            size = args.page_size or settings.get(session, "page_size")
            try:
                written = write(session, ids, start, end, output, size=size)
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
            "cover with the visits in route order from the rep's home base and the phone calls, then a "
            "block per call with the account and contact, why the call is made, the last activities, the "
            "last order and top products, talking points and room for the outcome. The calls are the "
            "planned calls, visits and meetings not done yet. For this laptop's user, or (managers) the "
            "reps given with --rep. The page size is the page_size setting unless --page-size; distances "
            "are in km on A4 and in miles on Letter."
        ),
    )
    parser.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD", help="the day (today)")
    parser.add_argument(
        "--to", type=_date, default=None, metavar="YYYY-MM-DD", help="the last day of a range"
    )
    parser.add_argument("--rep", action="append", metavar="LOGIN", help="a rep's login; may be repeated")
    parser.add_argument("--page-size", type=_page_size, default=None, metavar="SIZE", help="A4 or Letter")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write"
    )
    parser.set_defaults(handler=cmd_callsheet)
