"""``sfa visits due``, ``sfa plan week``, ``sfa service-levels list|set|clear`` and ``sfa accounts
segment``: visits by service level and the week planner (issue 16)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, date, open_store, print_table, resolve, short
from sfa_desktop.core.planning import week
from sfa_desktop.core.records.vocabularies import SEGMENTS
from sfa_desktop.core.service_levels import ServiceLevel
from sfa_desktop.ops import planning as plan_ops


def _segment(value: str) -> str:
    if value.upper() not in SEGMENTS:
        raise argparse.ArgumentTypeError(f"'{value}' is not a segment; use A, B or C")
    return value.upper()


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def cmd_visits_due(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = plan_ops.visits_due(store, segments_wanted=args.segment or SEGMENTS, overdue_only=args.overdue)
    headers = ["id", "account", "city", "segment", "state", "last visit", "due from", "overdue after"]
    table = [
        [
            r.account_id,
            r.name,
            r.city,
            r.segment,
            r.state,
            _iso(r.last_visit),
            _iso(r.due_from),
            _iso(r.due_by),
        ]
        for r in rows
    ]
    if args.format == "json":
        json.dump(
            [dict(zip([h.replace(" ", "_") for h in headers], row, strict=True)) for row in table],
            sys.stdout,
            indent=2,
        )
        print()
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(headers)
        writer.writerows(table)
    else:
        print_table(headers, [[short(row[0]), *row[1:]] for row in table], sys.stdout)
        overdue = sum(r.state == "overdue" for r in rows)
        print(f"{len(rows)} account{'s' if len(rows) != 1 else ''} to visit, {overdue} overdue.")
    return 0


def _clock(minutes: int) -> str:
    return f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def _plan_json(planned: week.WeekPlan, unit: str, made: list[str]) -> dict[str, Any]:
    plan = planned.plan
    first = planned.request.first_day
    return {
        "from": first.isoformat(),
        "solver": plan.solver,
        "seconds": round(plan.seconds, 3),
        "unit": unit,
        "days": [
            {
                "date": d.day.date.isoformat(),
                "travel_minutes": d.travel_minutes,
                "distance": round(d.travel_km / (1.609344 if unit == "mi" else 1.0), 1),
                "stops": [
                    {
                        "id": s.key,
                        "name": s.name,
                        "start": s.starts_at(first).isoformat(timespec="minutes"),
                        "minutes": s.minutes,
                        "travel_minutes": s.travel_minutes,
                        "appointment": s.fixed,
                    }
                    for s in d.stops
                ],
            }
            for d in plan.days
        ],
        "left_out": [{"id": c.key, "name": c.name, "state": c.state} for c in plan.left_out],
        "no_coordinates": [{"id": k, "name": v} for k, v in planned.no_place.items()],
        "accepted": made,
    }


def cmd_plan_week(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rep = plan_ops.this_user_id(store, args.rep)
        first: dt.date = args.start or dt.date.today()
        exclude = frozenset(resolve(store, "accounts", a) for a in args.without or [])
        include = frozenset(resolve(store, "accounts", a) for a in args.add or [])
        request = week.WeekRequest(
            rep, first, exclude=exclude, include=include, seed=args.seed, use_solver=not args.fallback
        )
        planned = plan_ops.plan_week(store, request)
        unit = planned.unit_note
        made = plan_ops.accept_plan(store, planned) if args.apply else []
    if args.format == "json":
        json.dump(_plan_json(planned, unit, made), sys.stdout, indent=2)
        print()
        return 0
    plan = planned.plan
    for day in plan.days:
        head = f"{day.day.date:%a %d %b}: {len(day.visits)} visit{'s' if len(day.visits) != 1 else ''}"
        if day.stops:
            head += f", {day.travel_minutes} min on the road ({plan_ops.distance(day.travel_km, unit)})"
        print(head)
        for s in day.stops:
            what = "appointment" if s.fixed else "visit"
            print(f"  {_clock(s.start)}  {s.name} ({what}, {s.minutes} min; {s.travel_minutes} min drive)")
        if day.stops:
            print(f"  home, {day.home_minutes} min drive")
    print(f"{len(plan.visits)} visits planned by {plan.solver} in {plan.seconds:.1f} s.")
    if plan.left_out:
        overdue = sum(c.overdue for c in plan.left_out)
        print(f"Not this week: {len(plan.left_out)} account(s) due, {overdue} overdue (no room left).")
    if planned.no_place:
        print(f"Without coordinates (not planned): {', '.join(sorted(planned.no_place.values()))}.")
    if args.apply:
        print(f"Added {len(made)} visits to the agenda; they sync with the next sync.")
    else:
        print("Nothing was written; add --apply to put these visits in the agenda.")
    return 0


def _territory(store: Any, given: str | None) -> str | None:
    return None if given is None else resolve(store, "territories", given)


def cmd_levels_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = plan_ops.levels(store, _territory(store, args.territory))
    print_table(
        ["segment", "visit every", "minutes", "answer (h)", "resolve (h)", "set on"],
        [
            [
                r.segment,
                f"{r.level.visit_min_days}-{r.level.visit_max_days} days",
                str(r.level.visit_minutes),
                f"{r.level.answer_hours:g}",
                f"{r.level.resolve_hours:g}",
                r.source,
            ]
            for r in rows
        ],
        sys.stdout,
    )
    return 0


def cmd_levels_set(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        territory = _territory(store, args.territory)
        current = next(r.level for r in plan_ops.levels(store, territory) if r.segment == args.segment)
        level = ServiceLevel(
            args.segment,
            args.min_days if args.min_days is not None else current.visit_min_days,
            args.max_days if args.max_days is not None else current.visit_max_days,
            args.minutes if args.minutes is not None else current.visit_minutes,
            args.answer_hours if args.answer_hours is not None else current.answer_hours,
            args.resolve_hours if args.resolve_hours is not None else current.resolve_hours,
        )
        plan_ops.set_level(store, territory, level)
    where = args.territory or "the company"
    print(
        f"Segment {level.segment} in {where}: visits every {level.visit_min_days} to {level.visit_max_days} "
        f"days, {level.visit_minutes} min; answer within {level.answer_hours:g} h, resolve within "
        f"{level.resolve_hours:g} h."
    )
    return 0


def cmd_levels_clear(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        removed = plan_ops.clear_level(store, _territory(store, args.territory), args.segment)
    where = args.territory or "the company"
    print(
        f"Segment {args.segment} in {where} " + ("inherits again." if removed else "had no level of its own.")
    )
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.suggest:
            if args.account is not None:
                raise CliError("Give an account and a segment, or --suggest (for a territory), not both.")
            suggestions = plan_ops.suggest_segments(store, _territory(store, args.territory))
            changing = [s for s in suggestions if s.changes]
            print_table(
                ["id", "account", "now", "suggested"],
                [[short(s.account_id), s.name, s.current or "", s.suggested] for s in changing],
                sys.stdout,
            )
            if args.apply:
                print(f"Gave {plan_ops.apply_segments(store, changing)} account(s) their suggested segment.")
            else:
                print(f"{len(changing)} account(s) would change; add --apply to give them these segments.")
            return 0
        if args.account is None or args.value is None:
            raise CliError("Give an account and its segment (A, B, C or none), or --suggest.")
        account = resolve(store, "accounts", args.account)
        value = None if args.value.lower() == "none" else _segment(args.value)
        plan_ops.set_segment(store, account, value)
    print(f"Segment of {args.account}: {value or 'none (served as C)'}.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa visits``, ``sfa plan``, ``sfa service-levels`` and ``sfa accounts segment``."""
    common = commands.data_dir
    commands.group("visits", help="accounts due for a visit by their service level")
    due = commands.command(
        "visits due",
        parents=[common],
        help="list the accounts due or overdue for a visit",
        description=(
            "List the accounts whose next visit is due (its service level's least number of days since the "
            "last visit done has passed, or never visited) or overdue (more than its most number of days), "
            "the most overdue first."
        ),
    )
    due.add_argument("--segment", type=_segment, action="append", metavar="A|B|C", help="only this segment")
    due.add_argument("--overdue", action="store_true", help="only the accounts overdue")
    due.add_argument("--format", choices=("table", "csv", "json"), default="table")
    due.set_defaults(handler=cmd_visits_due)

    commands.group("plan", help="plan visits")
    week_cmd = commands.command(
        "plan week",
        parents=[common],
        help="propose a week of visits in routes, and add them to the agenda",
        description=(
            "Propose the visits of the 7 days from --from (today): the accounts due and overdue in your "
            "territories, on your working days and hours, in their visiting hours, around the appointments "
            "in your agenda, each day a route from your home base and back (PyVRP; nearest neighbour with "
            "2-opt as the fallback). Nothing is written unless --apply."
        ),
    )
    week_cmd.add_argument("--from", dest="start", type=date, default=None, metavar="YYYY-MM-DD")
    week_cmd.add_argument("--rep", default=None, metavar="LOGIN", help="plan for this rep (default: you)")
    week_cmd.add_argument("--without", action="append", metavar="ACCOUNT", help="leave this account out")
    week_cmd.add_argument("--add", action="append", metavar="ACCOUNT", help="plan this account too")
    week_cmd.add_argument(
        "--seed", type=int, default=1, help="the solver's seed (the same seed, the same plan)"
    )
    week_cmd.add_argument("--fallback", action="store_true", help="plan with nearest neighbour + 2-opt only")
    week_cmd.add_argument("--apply", action="store_true", help="add the visits to the agenda")
    week_cmd.add_argument("--format", choices=("text", "json"), default="text")
    week_cmd.set_defaults(handler=cmd_plan_week)

    commands.group("service-levels", help="visit frequency and answer times per customer segment")
    lister = commands.command(
        "service-levels list",
        parents=[common],
        help="show the service level of each segment",
        description="Show each segment's service level for a territory (or the company) and where it is set.",
    )
    lister.add_argument(
        "--territory", default=None, metavar="CODE", help="a territory (default: the company)"
    )
    lister.set_defaults(handler=cmd_levels_list)
    setter = commands.command(
        "service-levels set",
        parents=[common],
        help="set a segment's service level (managers: their territories; admins: the company)",
        description="Set a segment's service level on a territory (the territories below inherit it) or, "
        "without --territory, the company's default. Values not given keep what applies now.",
    )
    setter.add_argument("segment", type=_segment, metavar="A|B|C")
    setter.add_argument("--territory", default=None, metavar="CODE")
    setter.add_argument("--min-days", type=int, default=None, help="visit again after at least N days")
    setter.add_argument("--max-days", type=int, default=None, help="and at most N days")
    setter.add_argument("--minutes", type=int, default=None, help="a visit's length")
    setter.add_argument("--answer-hours", type=float, default=None, help="answer a request within H hours")
    setter.add_argument("--resolve-hours", type=float, default=None, help="resolve it within H hours")
    setter.set_defaults(handler=cmd_levels_set)
    clearer = commands.command(
        "service-levels clear",
        parents=[common],
        help="remove a segment's level from a territory (it inherits again)",
        description="Remove the level a segment has on a territory: it inherits its parent's again.",
    )
    clearer.add_argument("segment", type=_segment, metavar="A|B|C")
    clearer.add_argument("--territory", default=None, metavar="CODE")
    clearer.set_defaults(handler=cmd_levels_clear)

    segment = commands.command(
        "accounts segment",
        parents=[common],
        help="set an account's segment, or apply the suggested segments",
        description=(
            "Set an account's segment (A, B, C, or none: served as C); managers and admins. With --suggest, "
            "list the segments the territory report's ABC ranking of profitability suggests (the last 365 "
            "days), and with --apply give them."
        ),
    )
    segment.add_argument("account", nargs="?", default=None, metavar="ACCOUNT")
    segment.add_argument("value", nargs="?", default=None, metavar="A|B|C|none")
    segment.add_argument("--suggest", action="store_true", help="the segments the ABC ranking suggests")
    segment.add_argument("--territory", default=None, metavar="CODE", help="with --suggest: this territory")
    segment.add_argument("--apply", action="store_true", help="with --suggest: give the suggested segments")
    segment.set_defaults(handler=cmd_segment)
