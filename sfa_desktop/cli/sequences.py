"""Guided selling from the command line: sequence templates, enrollments, logging outcomes and the agenda.

``sfa sequences list|show``, ``sfa enroll TEMPLATE --lead|--contact|--opportunity REF...``,
``sfa enrollments list|show|pause|resume|skip|exit``, ``sfa log-outcome ACTIVITY OUTCOME``,
``sfa agenda [--days N] [--rep LOGIN] [--ics FILE]``; ``sfa central sequences import FILE`` is in
:mod:`sfa_desktop.cli.central.sequences`.  The same services as the window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sfa_desktop.cli.common import CliError, Commands, open_store, print_table, resolve, short
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import sequences as sequence_ops
from sfa_desktop.ops import sync as sync_ops

_KINDS = {"lead": "leads", "contact": "contacts", "opportunity": "opportunities"}


def _problem(exc: ValidationError) -> CliError:
    return CliError(" ".join(exc.errors.values()))


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%a %d %b %H:%M") if moment else ""


# -- sequences ------------------------------------------------------------------------------------------


def cmd_sequences_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        templates = sequence_ops.list_templates(store)
    rows = [
        [
            short(t.template_id),
            t.name,
            t.target,
            str(len(t.steps)),
            "yes" if t.active else "no",
            str(t.enrolled),
        ]
        for t in templates
    ]
    if not rows:
        sys.stderr.write(
            "No sequences yet; a manager adds them (Tools > Sequences…, or 'sfa central sequences import').\n"
        )
        return 0
    print_table(["ID", "Name", "For", "Steps", "Active", "Enrolled"], rows, sys.stdout)
    return 0


def cmd_sequences_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        template = sequence_ops.find_template(store, args.template)
    try:
        steps = sequences.parse_steps(template.steps_json)
    except sequences.TemplateError as exc:
        raise CliError(f"The sequence '{template.name}' is damaged: {exc.message}") from None
    out = sys.stdout
    out.write(
        f"{template.name}  ({template.template_id})\n"
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
    with open_store(args) as store:
        template = sequence_ops.find_template(store, args.template)
        ids = [resolve(store, table, ref) for ref in refs]
        try:
            done = sequence_ops.enroll(store, template.template_id, table, ids)
        except ValidationError as exc:
            raise _problem(exc) from None
    noun = kind if len(done.enrollment_ids) == 1 else f"{table}"
    print(f"Enrolled {len(done.enrollment_ids)} {noun} in '{template.name}'.")
    for record_id, why in done.skipped:
        print(f"  skipped {short(record_id)}: {why}")
    return 0


def cmd_enrollments_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        owner = None if args.everyone else sync_ops.sync_state(store).user_id
        views = sequence_ops.list_enrollments(store, None if args.status == "all" else args.status, owner)
    rows = [
        [
            short(e.enrollment_id),
            e.record_label,
            e.template,
            e.status,
            f"{e.step_position}/{e.step_count} {e.step_key}" if e.step_key else (e.result or ""),
            _when(e.due_at),
        ]
        for e in views
    ]
    if not rows:
        sys.stderr.write("No enrollments found.\n")
        return 0
    print_table(["ID", "Enrolled", "Sequence", "Status", "Step", "Due"], rows, sys.stdout)
    return 0


def cmd_enrollments_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        e = sequence_ops.enrollment(store, sequence_ops.resolve_enrollment(store, args.id))
    print(f"{e.template}: {e.status}" + (f" ({e.result})" if e.result else ""))
    if e.reason:
        print(f"Reason: {e.reason}")
    if e.step_key:
        print(f"Step {e.step_position} of {e.step_count}: {e.step_key}, due {_when(e.due_at)}")
    for step in e.history:
        print(f"  {_when(step.when)}  {step.kind:<8} {step.title} — {step.outcome or 'open'}")
    return 0


def _enrollment_action(action: str, verb: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with open_store(args) as store:
            enrollment_id = sequence_ops.resolve_enrollment(store, args.id)
            try:
                sequence_ops.enrollment_action(store, action, enrollment_id, getattr(args, "reason", None))
            except ValidationError as exc:
                raise _problem(exc) from None
        print(f"{verb} enrollment {short(enrollment_id)}.")
        return 0

    return run


def cmd_log_outcome(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        activity_id = agenda_ops.activity_id(store, args.activity)
        try:
            advanced = agenda_ops.log_outcome(store, activity_id, args.outcome, args.notes, args.minutes)
        except ValidationError as exc:
            raise _problem(exc) from None
        decision = advanced.decision
        following = ""
        if decision is not None and decision.step_key and advanced.next_activity_id:
            shown = agenda_ops.load_details(store, [advanced.next_activity_id]).get(advanced.next_activity_id)
            subject = shown.subject if shown is not None else None
            following = (
                f" Next: {subject}, due {_when(decision.due_at)} ({short(advanced.next_activity_id)})."
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
    with open_store(args) as store:
        if args.rep:
            owners: list[str] | None = [resolve(store, "users", login) for login in args.rep]
        else:
            me = sync_ops.sync_state(store).user_id
            owners = [me] if me else None
        if args.ics is not None:
            agenda_ops.mend_enrollments(store, owners, now)
            written = agenda_ops.export_agenda(store, owners, args.days, str(args.ics), now=now)
            print(f"Wrote {written} activities to {args.ics}.")
            return 0
        loaded = agenda_ops.load_agenda(store, owners, args.days, now, mend=True)
        shown = agenda_ops.load_details(store, [r.activity_id for r in loaded.rows if r.kind == "item"])
    if not loaded.items:
        print("Nothing due: no overdue, today's or upcoming activities.")
        return 0
    for row in loaded.rows:
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
            print(f"    {_when(d.due_at)}  {d.kind:<7} {d.subject}{who}{step}  {short(d.activity_id)}")
    return 0


# -- the parser ------------------------------------------------------------------------------------------


def _days(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of days") from None


def register(commands: Commands) -> None:
    common = commands.data_dir
    commands.group(
        "sequences",
        parents=[common],
        help="sequence templates",
        description="The sequence templates on this laptop.",
    )
    commands.command("sequences list", parents=[common], help="list the sequences").set_defaults(
        handler=cmd_sequences_list
    )
    show = commands.command(
        "sequences show", parents=[common], help="show a sequence's steps and what each outcome does"
    )
    show.add_argument("template", metavar="SEQUENCE", help="the sequence's name, id or id prefix")
    show.add_argument("--scripts", action="store_true", help="also print each step's instructions")
    show.set_defaults(handler=cmd_sequences_show)

    enroll = commands.command(
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

    commands.group(
        "enrollments",
        parents=[common],
        help="list, pause, resume, skip or end enrollments",
        description="Enrollments of records in sequences (yours unless --everyone).",
    )
    lister = commands.command("enrollments list", parents=[common], help="list enrollments")
    lister.add_argument(
        "--status",
        choices=("active", "paused", "completed", "exited", "all"),
        default="active",
        help="(active)",
    )
    lister.add_argument("--everyone", action="store_true", help="everyone's, not only yours")
    lister.set_defaults(handler=cmd_enrollments_list)
    shower = commands.command(
        "enrollments show", parents=[common], help="where an enrollment stands, with its history"
    )
    shower.add_argument("id", metavar="ID", help="the enrollment's id or id prefix")
    shower.set_defaults(handler=cmd_enrollments_show)
    for name, verb, summary in (
        ("pause", "Paused", "pause: its steps leave the agenda"),
        ("resume", "Resumed", "resume: a step that fell due is due now"),
        ("skip", "Skipped the current step of", "skip the current step"),
        ("exit", "Ended", "end the enrollment"),
    ):
        parser = commands.command(
            f"enrollments {name}", parents=[common], help=summary, description=summary.capitalize() + "."
        )
        parser.add_argument("id", metavar="ID", help="the enrollment's id or id prefix")
        if name == "exit":
            parser.add_argument("--reason", default=None, metavar="TEXT", help="why it ends")
        parser.set_defaults(handler=_enrollment_action(name, verb))

    log = commands.command(
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

    agenda_parser = commands.group(
        "agenda",
        required=False,
        parents=[common],
        help="overdue, today's and upcoming activities, or an iCalendar file of them",
        description="Your agenda: open activities (sequence steps and tasks) overdue, due today and in the "
        "next days, grouped by account. With --ics, write them as an iCalendar file for your calendar. "
        "'sfa agenda week' lists a week as a calendar and 'sfa agenda move' reschedules an activity.",
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


__all__: Sequence[str] = ("register",)
