"""Guided selling from the command line: sequence templates, enrollments, logging outcomes and the agenda.

``sfa sequences list|show``, ``sfa enroll TEMPLATE --lead|--contact|--opportunity REF...``,
``sfa enrollments list|show|pause|resume|skip|exit``, ``sfa log-outcome ACTIVITY OUTCOME``,
``sfa agenda [--days N] [--rep LOGIN] [--ics FILE]`` and, for managers and administrators on the central
store, ``sfa central sequences import FILE``.  The same services as the window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from sfa_desktop.cli import CliError, _open, _print_table, _short, resolve
from sfa_desktop.core.records.models import SequenceTemplate, utcnow
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.sequences import agenda, enrollments, ical
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep

_KINDS = {"lead": "leads", "contact": "contacts", "opportunity": "opportunities"}


def _problem(exc: ValidationError) -> CliError:
    return CliError(" ".join(exc.errors.values()))


def find_template(session: Session, given: str) -> SequenceTemplate:
    """A live template by name (any case), id or id prefix."""
    wanted = given.strip()
    t = SequenceTemplate
    live = select(t).where(t.deleted_at.is_(None))
    found = session.execute(live.where(t.id == wanted)).scalars().all()
    found = found or session.execute(live.where(t.name == wanted)).scalars().all()
    if not found:
        found = [x for x in session.execute(live).scalars() if x.name.lower() == wanted.lower()]
    if not found and len(wanted) >= 4:
        found = session.execute(live.where(t.id.like(wanted.lower() + "%"))).scalars().all()
    if len(found) == 1:
        return found[0]
    if found:
        raise CliError(f"'{wanted}' matches several sequences; give the id instead.")
    raise NotFound(f"There is no sequence '{wanted}'. 'sfa sequences list' shows them.")


def _by_id(session: Session, table: str, noun: str, given: str) -> str:
    wanted = given.strip().lower()
    rows = session.execute(
        text(f"SELECT id FROM {table} WHERE deleted_at IS NULL AND id LIKE :p LIMIT 3"), {"p": wanted + "%"}
    ).scalars()
    ids = list(rows)
    if len(ids) == 1 and wanted:
        return str(ids[0])
    if ids and wanted:
        raise CliError(f"'{given}' matches several {noun}s; give more of the id.")
    raise NotFound(f"There is no {noun} '{given}'.")


def _local_user(conn: Connection) -> str | None:
    from sfa_desktop.sync import state

    return state.load(conn).user_id


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%a %d %b %H:%M") if moment else ""


# -- sequences ------------------------------------------------------------------------------------------


def cmd_sequences_list(args: argparse.Namespace) -> int:
    with _open(args) as store, store.reading() as session:
        templates = session.execute(
            select(SequenceTemplate)
            .where(SequenceTemplate.deleted_at.is_(None))
            .order_by(SequenceTemplate.name)
        ).scalars()
        active: dict[str, int] = dict(
            session.execute(
                text(
                    "SELECT template_id, count(*) FROM sequence_enrollments WHERE deleted_at IS NULL "
                    "AND status IN ('active', 'paused') GROUP BY template_id"
                )
            ).all()
        )
        rows = []
        for t in templates:
            count = len(json.loads(t.steps or "[]"))
            rows.append(
                [
                    _short(t.id),
                    t.name,
                    t.target,
                    str(count),
                    "yes" if t.active else "no",
                    str(active.get(t.id, 0)),
                ]
            )
    if not rows:
        sys.stderr.write(
            "No sequences yet; a manager adds them (Tools > Sequences…, or 'sfa central sequences import').\n"
        )
        return 0
    _print_table(["ID", "Name", "For", "Steps", "Active", "Enrolled"], rows, sys.stdout)
    return 0


def cmd_sequences_show(args: argparse.Namespace) -> int:
    with _open(args) as store, store.reading() as session:
        template = find_template(session, args.template)
        try:
            steps = sequences.parse_steps(template.steps)
        except sequences.TemplateError as exc:
            raise CliError(f"The sequence '{template.name}' is damaged: {exc.message}") from None
    out = sys.stdout
    out.write(
        f"{template.name}  ({template.id})\n"
        f"For: {template.target}s · {'active' if template.active else 'inactive'}\n"
    )
    if template.description:
        out.write(f"{template.description}\n")
    for number, step in enumerate(steps, start=1):
        unit = "business days" if step.business_days else "days"
        wait = f"after {step.wait_days} {unit}" if step.wait_days else "at once"
        out.write(f"\n{number}. {step.title} [{step.key}] — {step.kind}, {wait}\n")
        for outcome, rule in step.outcomes.items():
            out.write(f"     {outcome}: {sequences.describe(rule, steps)}\n")
        if args.scripts and step.instructions.strip():
            out.write("     " + step.instructions.strip().replace("\n", "\n     ") + "\n")
    return 0


# -- enrolling and advancing ------------------------------------------------------------------------------


def cmd_enroll(args: argparse.Namespace) -> int:
    given = [(kind, getattr(args, kind) or []) for kind in _KINDS]
    chosen = [(kind, refs) for kind, refs in given if refs]
    if len(chosen) != 1:
        raise CliError("Give the records to enroll with exactly one of --lead, --contact or --opportunity.")
    kind, refs = chosen[0]
    table = _KINDS[kind]
    with _open(args) as store, store.transaction() as session:
        template = find_template(session, args.template)
        ids = [resolve(session, table, ref) for ref in refs]
        try:
            done = enrollments.enroll(session, template.id, table, ids)
        except ValidationError as exc:
            raise _problem(exc) from None
        name = template.name
    noun = kind if len(done.enrollment_ids) == 1 else f"{table}"
    print(f"Enrolled {len(done.enrollment_ids)} {noun} in '{name}'.")
    for record_id, why in done.skipped:
        print(f"  skipped {_short(record_id)}: {why}")
    return 0


def _enrollment_rows(conn: Connection, status: str | None, owner: str | None) -> list[list[str]]:
    sql = """
        SELECT e.id, t.name, e.status, e.step_key, e.due_at, e.result,
               coalesce(trim(coalesce(l.first_name, '') || ' ' || l.last_name),
                        trim(coalesce(c.first_name, '') || ' ' || c.last_name), o.name), t.steps
        FROM sequence_enrollments e JOIN sequence_templates t ON t.id = e.template_id
        LEFT JOIN leads l ON l.id = e.lead_id LEFT JOIN contacts c ON c.id = e.contact_id
        LEFT JOIN opportunities o ON o.id = e.opportunity_id
        WHERE e.deleted_at IS NULL"""
    params: dict[str, Any] = {}
    if status:
        sql += " AND e.status = :status"
        params["status"] = status
    if owner:
        sql += " AND e.owner_id = :owner"
        params["owner"] = owner
    rows = []
    for r in conn.execute(text(sql + " ORDER BY e.due_at IS NULL, e.due_at"), params):
        steps = agenda.template_steps_cached(r[0], "", r[7]) if r[3] else []
        where = f"{sequences.step_number(steps, r[3])}/{len(steps)} {r[3]}" if r[3] else (r[5] or "")
        due = _when(agenda.parse_sql_time(r[4])) if r[4] else ""
        rows.append([_short(r[0]), r[6] or "", r[1], r[2], where, due])
    return rows


def cmd_enrollments_list(args: argparse.Namespace) -> int:
    with _open(args) as store, store.engine.connect() as conn:
        owner = None if args.everyone else _local_user(conn)
        rows = _enrollment_rows(conn, None if args.status == "all" else args.status, owner)
    if not rows:
        sys.stderr.write("No enrollments found.\n")
        return 0
    _print_table(["ID", "Enrolled", "Sequence", "Status", "Step", "Due"], rows, sys.stdout)
    return 0


def cmd_enrollments_show(args: argparse.Namespace) -> int:
    with _open(args) as store, store.reading() as session:
        enrollment_id = _by_id(session, "sequence_enrollments", "enrollment", args.id)
        e = enrollments._enrollment(session, enrollment_id)
        template, steps = enrollments.template_steps(session, e.template_id)
        history = session.execute(
            text(
                "SELECT subject, kind, outcome, done_at, due_at FROM activities WHERE enrollment_id = :e "
                "AND deleted_at IS NULL ORDER BY coalesce(done_at, due_at)"
            ),
            {"e": enrollment_id},
        ).all()
    print(f"{template.name}: {e.status}" + (f" ({e.result})" if e.result else ""))
    if e.reason:
        print(f"Reason: {e.reason}")
    if e.step_key:
        print(
            f"Step {sequences.step_number(steps, e.step_key)} of {len(steps)}: {e.step_key}, "
            f"due {_when(e.due_at)}"
        )
    for subject, kind, outcome, done_at, due_at in history:
        moment = agenda.parse_sql_time(done_at or due_at)
        state = outcome or "open"
        print(f"  {_when(moment)}  {kind:<8} {subject} — {state}")
    return 0


def _enrollment_action(
    action: Callable[[Session, str], Any], verb: str
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _open(args) as store, store.transaction() as session:
            enrollment_id = _by_id(session, "sequence_enrollments", "enrollment", args.id)
            try:
                if action is enrollments.exit_enrollment:
                    enrollments.exit_enrollment(session, enrollment_id, reason=args.reason)
                else:
                    action(session, enrollment_id)
            except ValidationError as exc:
                raise _problem(exc) from None
        print(f"{verb} enrollment {_short(enrollment_id)}.")
        return 0

    return run


def cmd_log_outcome(args: argparse.Namespace) -> int:
    with _open(args) as store, store.transaction() as session:
        activity_id = _by_id(session, "activities", "activity", args.activity)
        try:
            advanced = enrollments.record_outcome(
                session, activity_id, args.outcome, notes=args.notes, duration_minutes=args.minutes
            )
        except ValidationError as exc:
            raise _problem(exc) from None
        decision = advanced.decision
        following = ""
        if decision is not None and decision.step_key and advanced.next_activity_id:
            subject = session.execute(
                text("SELECT subject FROM activities WHERE id = :i"), {"i": advanced.next_activity_id}
            ).scalar()
            following = (
                f" Next: {subject}, due {_when(decision.due_at)} ({_short(advanced.next_activity_id)})."
            )
        elif decision is not None:
            following = f" The sequence is {decision.status}: {decision.result}."
    print(f"Logged '{args.outcome}'.{following}")
    return 0


# -- agenda ----------------------------------------------------------------------------------------------


def cmd_agenda(args: argparse.Namespace) -> int:
    if not 0 <= args.days <= 366:
        raise CliError("--days must be from 0 to 366.")
    now = utcnow()
    with _open(args) as store:
        with store.transaction() as session:
            conn = session.connection()
            if args.rep:
                owners: list[str] | None = [resolve(session, "users", login) for login in args.rep]
            else:
                me = _local_user(conn)
                owners = [me] if me else None
            enrollment_upkeep.exit_orphans(session, owners, now=now)
            enrollment_upkeep.reconcile(session, now=now)  # after syncs that merged two laptops' work
        with store.engine.connect() as conn:
            items = agenda.agenda_items(conn, owners, now=now, days=args.days)
            shown = agenda.details(conn, [i.activity_id for i in items])
    if args.ics is not None:
        data = ical.calendar([shown[i.activity_id] for i in items if i.activity_id in shown], now=now)
        Path(args.ics).write_bytes(data)
        print(f"Wrote {len(items)} activities to {args.ics}.")
        return 0
    if not items:
        print("Nothing due: no overdue, today's or upcoming activities.")
        return 0
    for row in agenda.layout(items):
        if row.kind == "bucket":
            print(f"\n{row.label} ({row.size})")
        elif row.kind == "group":
            print(f"  {row.label}")
        else:
            d = shown.get(row.activity_id)
            if d is None:
                continue
            who = f" — {d.person}" if d.person else ""
            step = f"  [{d.sequence}: {d.progress}]" if d.is_step else ""
            print(f"    {_when(d.due_at)}  {d.kind:<7} {d.subject}{who}{step}  {_short(d.activity_id)}")
    return 0


# -- central import --------------------------------------------------------------------------------------


def cmd_central_import(args: argparse.Namespace) -> int:
    from sfa_desktop.cli_central import _writer
    from sfa_desktop.core.sequences import template_file
    from sfa_desktop.sync import sequence_import

    templates = template_file.read_path(Path(args.file))
    with _writer(args) as writer:
        added, changed = sequence_import.import_templates(writer, templates)
    print(
        f"Imported {len(templates)} sequences: {added} added, {changed} updated. "
        "Laptops get them at their next sync."
    )
    return 0


# -- the parser ------------------------------------------------------------------------------------------


def _days(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of days") from None


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "sequences",
        parents=[common],
        help="sequence templates",
        description="The sequence templates on this laptop.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help="list the sequences").set_defaults(
        handler=cmd_sequences_list
    )
    show = actions.add_parser(
        "show", parents=[common], help="show a sequence's steps and what each outcome does"
    )
    show.add_argument("template", metavar="SEQUENCE", help="the sequence's name, id or id prefix")
    show.add_argument("--scripts", action="store_true", help="also print each step's instructions")
    show.set_defaults(handler=cmd_sequences_show)

    enroll = commands.add_parser(
        "enroll",
        parents=[common],
        help="enroll leads, contacts or opportunities in a sequence",
        description="Enroll records in a sequence: each gets the sequence's first step as a due activity. "
        "Records are named by id, id prefix or name; records already in the sequence are skipped.",
    )
    enroll.add_argument("template", metavar="SEQUENCE", help="the sequence's name, id or id prefix")
    for kind, table in _KINDS.items():
        enroll.add_argument(f"--{kind}", nargs="+", metavar="REF", help=f"one or more {table}")
    enroll.set_defaults(handler=cmd_enroll)

    group = commands.add_parser(
        "enrollments",
        parents=[common],
        help="list, pause, resume, skip or end enrollments",
        description="Enrollments of records in sequences (yours unless --everyone).",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    lister = actions.add_parser("list", parents=[common], help="list enrollments")
    lister.add_argument(
        "--status",
        choices=("active", "paused", "completed", "exited", "all"),
        default="active",
        help="(active)",
    )
    lister.add_argument("--everyone", action="store_true", help="everyone's, not only yours")
    lister.set_defaults(handler=cmd_enrollments_list)
    shower = actions.add_parser("show", parents=[common], help="where an enrollment stands, with its history")
    shower.add_argument("id", metavar="ID", help="the enrollment's id or id prefix")
    shower.set_defaults(handler=cmd_enrollments_show)
    for name, action, verb, summary in (
        ("pause", enrollments.pause, "Paused", "pause: its steps leave the agenda"),
        ("resume", enrollments.resume, "Resumed", "resume: a step that fell due is due now"),
        ("skip", enrollments.skip_step, "Skipped the current step of", "skip the current step"),
        ("exit", enrollments.exit_enrollment, "Ended", "end the enrollment"),
    ):
        parser = actions.add_parser(
            name, parents=[common], help=summary, description=summary.capitalize() + "."
        )
        parser.add_argument("id", metavar="ID", help="the enrollment's id or id prefix")
        if name == "exit":
            parser.add_argument("--reason", default=None, metavar="TEXT", help="why it ends")
        parser.set_defaults(handler=_enrollment_action(action, verb))

    log = commands.add_parser(
        "log-outcome",
        parents=[common],
        help="log the outcome of a due activity (advances its sequence)",
        description="Log the outcome of a due activity; for a sequence step, the sequence goes on as its "
        "template says. 'sfa agenda' shows the activities and their ids.",
    )
    log.add_argument("activity", metavar="ACTIVITY", help="the activity's id or id prefix")
    log.add_argument("outcome", metavar="OUTCOME", help="for example 'no answer', 'interested', 'completed'")
    log.add_argument("--notes", default=None, metavar="TEXT")
    log.add_argument("--minutes", type=_days, default=None, metavar="N", help="how long it took")
    log.set_defaults(handler=cmd_log_outcome)

    agenda_parser = commands.add_parser(
        "agenda",
        parents=[common],
        help="overdue, today's and upcoming activities, or an iCalendar file of them",
        description="Your agenda: open activities (sequence steps and tasks) overdue, due today and in the "
        "next days, grouped by account. With --ics, write them as an iCalendar file for your calendar.",
    )
    agenda_parser.add_argument(
        "--days", type=_days, default=7, metavar="N", help="upcoming days to include (7)"
    )
    agenda_parser.add_argument(
        "--rep", action="append", metavar="LOGIN", help="whose agenda (may be repeated)"
    )
    agenda_parser.add_argument(
        "--ics", type=Path, default=None, metavar="FILE", help="write an iCalendar file"
    )
    agenda_parser.set_defaults(handler=cmd_agenda)


def register_central(actions: Any, url: argparse.ArgumentParser) -> None:
    """Add ``sfa central sequences import FILE`` (called by ``cli_central.register``)."""
    group = actions.add_parser(
        "sequences", help="sequence templates on the central store", description="Sequence templates."
    )
    sequence_actions = group.add_subparsers(dest="sequences_action", metavar="ACTION", required=True)
    importer = sequence_actions.add_parser(
        "import",
        parents=[url],
        help="add or update sequence templates from a JSON file",
        description="Add or update sequence templates from a JSON file: a list of templates (name, "
        "description, target, active, steps). A template with the name of an existing one replaces it. "
        "Every template is checked first; if one is invalid, nothing is written.",
    )
    importer.add_argument("file", metavar="FILE", help="the JSON file")
    importer.set_defaults(handler=cmd_central_import)


__all__: Sequence[str] = ("register",)
