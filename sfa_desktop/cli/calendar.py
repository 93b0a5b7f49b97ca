"""The calendar from the command line (issue 16, item 2): ``sfa agenda week [--from DATE] [--rep LOGIN]
[--format table|json]`` lists a week of activities with a due time, done ones too, as the Calendar page
shows them; ``sfa agenda day [--date DATE] [--rep LOGIN|all]`` a day, person by person as the page's Day
view shows a team's day (a column each: here a table each, those with nothing planned too);
``sfa agenda move ACTIVITY --to "YYYY-MM-DD HH:MM"`` reschedules one (local time), undoable
with ``sfa undo`` and sent at the next sync, like a drag on the Calendar page.  They sit under the
``sfa agenda`` command of :mod:`.sequences`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from sfa_desktop.cli.common import Commands, date, open_store, print_table, short
from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.calendar.people import Person
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import calendar as calendar_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore


def local_time(value: str) -> dt.datetime:
    """An argument type: a local day and time, 'YYYY-MM-DD HH:MM' (or with a T), as an aware instant."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a day and time like \"2026-12-08 14:30\""
        ) from None
    if moment.tzinfo is not None:
        return moment
    return layout.at_local(moment.date(), moment.hour * 60 + moment.minute, layout.local_zone())


def _owners(store: LocalStore, args: argparse.Namespace) -> list[str] | None:
    """Whose activities: ``--rep``'s, else the user's own (None on a laptop never connected: all it holds)."""
    if args.rep:
        return calendar_ops.owners_of(store, args.rep)
    me = sync_ops.sync_state(store).user_id
    return [me] if me else None


def cmd_week(args: argparse.Namespace) -> int:
    zone = layout.local_zone()
    first = args.start or layout.week_start(dt.datetime.now(zone).date())
    with open_store(args) as store:
        owners = _owners(store, args)
        names = {p.user_id: p.login for p in calendar_ops.people(store).people}
        loaded = calendar_ops.load_days(store, owners, first, 7, zone)
    several = owners is not None and len(owners) > 1
    if args.format == "json":
        json.dump([_as_json(e, zone, names) for e in loaded.events], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    last = loaded.days[-1]
    span = f"{first:%a} {first.day} {first:%b} \u2013 {last:%a} {last.day} {last:%b %Y}"
    print(f"{span}: {len(loaded.events)} activities")
    if not loaded.events:
        return 0
    rows = []
    for event in loaded.events:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        rows.append(
            [f"{start:%a %d}", f"{start:%H:%M}\u2013{end:%H:%M}", event.kind, event.subject, event.party,
             "done" if event.done else "", short(event.activity_id)]
        )  # fmt: skip
        if several:
            rows[-1].insert(2, names.get(event.owner_id or "", ""))
    heads = ["Day", "Time", "Kind", "Subject", "With", "Status", "Id"]
    print_table([*heads[:2], "Who", *heads[2:]] if several else heads, rows, sys.stdout)
    return 0


def cmd_day(args: argparse.Namespace) -> int:
    zone = layout.local_zone()
    day = args.day or dt.datetime.now(zone).date()
    with open_store(args) as store:
        owners = _owners(store, args)
        people = calendar_ops.people(store).people
        loaded = calendar_ops.load_days(store, owners, day, 1, zone)
    logins = {p.user_id: p.login for p in people}
    sections = _by_person(loaded.events, owners, people)
    if args.format == "json":
        shown = {
            "day": day.isoformat(),
            "people": [
                {"owner": login, "name": name, "activities": [_as_json(e, zone, logins) for e in found]}
                for login, name, found in sections
            ],
        }
        json.dump(shown, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    several = f", {len(sections)} people" if len(sections) > 1 else ""
    print(f"{day:%a} {day.day} {day:%b %Y}: {_count(len(loaded.events))}{several}")
    for login, name, found in sections:
        if login is not None:
            print()
            print(f"{name} ({login}): {_count(len(found)) if found else 'nothing planned'}")
        if not found:
            continue
        rows = []
        for event in found:
            start, end = event.start.astimezone(zone), event.end.astimezone(zone)
            rows.append(
                [f"{start:%H:%M}\u2013{end:%H:%M}", event.kind, event.subject, event.party,
                 "done" if event.done else "", short(event.activity_id)]
            )  # fmt: skip
        print_table(["Time", "Kind", "Subject", "With", "Status", "Id"], rows, sys.stdout)
    return 0


def _by_person(
    events: Sequence[Event], owners: Sequence[str] | None, people: Sequence[Person]
) -> list[tuple[str | None, str, list[Event]]]:
    """(login, name, events) per person shown, in the Calendar page's order (the user first); one section
    without a login on a laptop never connected (``owners`` None: everything it holds)."""
    if owners is None:
        return [(None, "", list(events))]
    known = {p.user_id: p for p in people}
    sections: list[tuple[str | None, str, list[Event]]] = []
    for person in [p for p in people if p.user_id in owners] + [
        Person(o, o, o) for o in owners if o not in known
    ]:
        found = [e for e in events if e.owner_id == person.user_id]
        sections.append((person.login, person.name or person.login, found))
    return sections


def _count(number: int) -> str:
    return f"{number} activit{'y' if number == 1 else 'ies'}"


def _as_json(event: Event, zone: dt.tzinfo, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": event.activity_id,
        "owner": names.get(event.owner_id or ""),
        "kind": event.kind,
        "subject": event.subject,
        "with": event.party,
        "account_id": event.account_id,
        "start": event.start.astimezone(zone).isoformat(timespec="minutes"),
        "end": event.end.astimezone(zone).isoformat(timespec="minutes"),
        "minutes": event.minutes,
        "done": event.done,
        "outcome": event.outcome,
        "sequence_step": event.is_step,
    }


def cmd_move(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        activity_id = agenda_ops.activity_id(store, args.activity)
        moved = calendar_ops.move_activity(store, activity_id, args.to)
    if moved.before == moved.after:
        print(f"“{moved.subject}” is already due then; nothing changed.")
    else:
        print(moved.message() + " Undo with 'sfa undo'; it is sent at the next sync.")
    return 0


def register(commands: Commands) -> None:
    common = commands.data_dir
    week = commands.command(
        "agenda week",
        parents=[common],
        help="a week of activities as a calendar (done ones too)",
        description="The activities with a due time of a week (Monday to Sunday), done ones too, in time "
        "order: yours unless --rep.",
    )
    week.add_argument(
        "--from", dest="start", type=date, default=None, metavar="DATE", help="first day (this week's Monday)"
    )
    week.add_argument(
        "--rep",
        action="append",
        metavar="LOGIN",
        help="whose activities (may be repeated; 'all': everyone whose calendar you may show)",
    )
    week.add_argument("--format", choices=("table", "json"), default="table", help="(table)")
    week.set_defaults(handler=cmd_week)
    day = commands.command(
        "agenda day",
        parents=[common],
        help="a day of activities, person by person (done ones too)",
        description="The activities with a due time of one day, done ones too, in time order, a table per "
        "person (those with nothing planned too), as the Calendar page's Day view shows a team: yours "
        "unless --rep.",
    )
    day.add_argument("--date", dest="day", type=date, default=None, metavar="DATE", help="the day (today)")
    day.add_argument(
        "--rep",
        action="append",
        metavar="LOGIN",
        help="whose activities (may be repeated; 'all': everyone whose calendar you may show)",
    )
    day.add_argument("--format", choices=("table", "json"), default="table", help="(table)")
    day.set_defaults(handler=cmd_day)
    move = commands.command(
        "agenda move",
        parents=[common],
        help="reschedule an activity",
        description="Give an activity that is not done a new due time (local time). 'sfa undo' puts it "
        "back; the change is sent at the next sync.",
    )
    move.add_argument("activity", metavar="ACTIVITY", help="the activity's id or id prefix")
    move.add_argument(
        "--to", type=local_time, required=True, metavar='"YYYY-MM-DD HH:MM"', help="new due time"
    )
    move.set_defaults(handler=cmd_move)


__all__: Sequence[str] = ("register",)
