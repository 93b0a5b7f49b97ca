"""``sfa stages``, ``sfa pipeline`` and ``sfa opportunities won|lost``: the pipeline from the command line.

Stages are named by key or name.  Only administrators change them (others get a one-line refusal), as on
the central store, which would refuse a rep's change anyway.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, label_of, open_store, print_table, resolve
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.records.fields import STAGE_CATEGORIES
from sfa_desktop.core.records.pipeline import StageEdit
from sfa_desktop.core.records.stages import Stage, StageIndex
from sfa_desktop.core.records.validation import format_money
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore


def _percent(value: str) -> int:
    try:
        number = int(value.strip().rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of percent") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError("must be from 0 to 100")
    return number


def _yes_no(value: str) -> bool:
    folded = value.strip().lower()
    if folded in ("yes", "y", "true", "1", "on"):
        return True
    if folded in ("no", "n", "false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"'{value}' is not yes or no")


# -- stages ----------------------------------------------------------------------------------------------


def _stage(index: StageIndex, given: str) -> Stage:
    stage = index.find(given)
    if stage is None:
        names = ", ".join(s.name for s in index.stages)
        raise CliError(f"There is no stage '{given}'; the stages are: {names}.")
    return stage


def _edits(stages: list[Stage]) -> list[StageEdit]:
    return [StageEdit(s.name, s.probability, s.category, s.active, s.id, s.key) for s in stages]


def _save(store: LocalStore, edits: list[StageEdit]) -> list[Stage]:
    try:
        return pipeline_ops.save_stages(store, edits)
    except NotPermitted as exc:
        raise CliError(str(exc)) from None


def cmd_stages(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        stages = pipeline_ops.load_stages(store).stages
        if args.action == "list":
            _print_stages([s for s in stages if s.active or args.all], args.format)
            return 0
        index = StageIndex(stages)
        current = [s for s in index.stages if s.active or args.action == "edit"]
        edits = _edits(current)
        if args.action == "add":
            edit = StageEdit(args.name, args.probability, args.category, not args.inactive)
            edits.insert(_insert_at(index, edits, args), edit)
            done = f"Added the stage {args.name}"
        else:
            stage = _stage(index, args.stage)
            at = next(i for i, e in enumerate(edits) if e.id == stage.id)
            edit = edits.pop(at)
            changed = _apply(edit, args)
            if not changed and args.position is None:
                raise CliError(
                    "Nothing to change: give --name, --probability, --category, --active or --position."
                )
            position = at if args.position is None else min(max(args.position - 1, 0), len(edits))
            edits.insert(position, edit)
            done = f"Updated the stage {edit.name}"
        saved = _save(store, edits)
    print(f"{done}. The pipeline is now:")
    _print_stages([s for s in saved if s.active], "table")
    return 0


def _insert_at(index: StageIndex, edits: list[StageEdit], args: argparse.Namespace) -> int:
    if args.position is not None:
        return min(max(int(args.position) - 1, 0), len(edits))
    if args.after is not None:
        after = _stage(index, args.after)
        found: int = next(i for i, e in enumerate(edits) if e.id == after.id)
        return found + 1
    # by default a new stage joins the end of its category: open ones before the closed stages
    order = {"open": 0, "won": 1, "lost": 2}
    rank = order[args.category]
    return max((i + 1 for i, e in enumerate(edits) if order.get(e.category, 0) <= rank), default=0)


def _apply(edit: StageEdit, args: argparse.Namespace) -> bool:
    changed = False
    for name in ("name", "probability", "category", "active"):
        value = getattr(args, name, None)
        if value is not None:
            setattr(edit, name, value)
            changed = True
    return changed


def _print_stages(stages: list[Stage], fmt: str) -> None:
    if fmt == "json":
        rows = [
            {
                "position": n,
                "key": s.key,
                "name": s.name,
                "probability": s.probability,
                "category": s.category,
                "active": s.active,
            }
            for n, s in enumerate(stages, start=1)
        ]
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    print_table(
        ["#", "Key", "Name", "Probability", "Category", "Active"],
        [
            [str(n), s.key, s.name, f"{s.probability}%", s.category, "yes" if s.active else "no"]
            for n, s in enumerate(stages, start=1)
        ],
        sys.stdout,
    )


# -- won, lost, totals ---------------------------------------------------------------------------------


def cmd_close(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        record_id = resolve(store, "opportunities", args.id)
        closed = pipeline_ops.close(store, record_id, args.outcome, args.reason)
        label = label_of(store, "opportunities", record_id)
    print(f"{label} is {args.outcome} ({closed.stage}, closed {closed.close_date}): {args.reason}.")
    return 0


def cmd_pipeline(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        owner_id = None
        owner_label = "everyone"
        if args.owner is not None:
            if args.owner.strip().lower() == "me":
                user = sync_ops.local_user(store)
                if user is None:
                    raise CliError(
                        "This laptop is not connected, so 'me' is nobody; give a login with --owner."
                    )
                owner_id = user.user_id
            else:
                owner_id = resolve(store, "users", args.owner)
            owner_label = label_of(store, "users", owner_id)
        totals = pipeline_ops.load_totals(store, owner_id)
    if args.format == "json":
        document: dict[str, Any] = {"owner": owner_label if owner_id else None, **totals.as_json()}
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    rows = [
        [
            t.stage.name,
            f"{t.count:,}",
            format_money(t.amount_cents),
            f"{t.stage.probability}%",
            format_money(t.weighted_cents),
        ]
        for t in totals.open
    ]
    rows.append(
        [
            "Open pipeline",
            f"{totals.open_count:,}",
            format_money(totals.open_amount_cents),
            "",
            format_money(totals.weighted_cents),
        ]
    )
    for category in ("won", "lost"):
        count, amount = totals.closed(category)
        rows.append([f"Closed {category}", f"{count:,}", format_money(amount), "", ""])
    print(f"Pipeline of {owner_label}:")
    print_table(["Stage", "Deals", "Amount", "Stage %", "Weighted"], rows, sys.stdout)
    print("Weighted: each deal's amount times its own probability. Closed deals are not in the pipeline.")
    return 0


# -- the parser ------------------------------------------------------------------------------------------


def register(commands: Commands) -> None:
    """Add ``sfa stages``, ``sfa pipeline`` and ``sfa opportunities won|lost``."""
    common = commands.data_dir
    commands.group(
        "stages",
        parents=[common],
        help="list and change the pipeline stages",
        description="The stages of the sales pipeline, in order. Named by key or name. Only administrators "
        "change them; the change reaches every laptop at its next sync.",
    )
    lister = commands.command("stages list", parents=[common], help="the stages in order")
    lister.add_argument("--all", action="store_true", help="include retired (inactive) stages")
    lister.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    adder = commands.command(
        "stages add",
        parents=[common],
        help="add a stage",
        description="Add a stage. Its key (what opportunities store) is made from its name and never "
        "changes.",
    )
    adder.add_argument("name", metavar="NAME", help="the stage's name, e.g. 'Demo scheduled'")
    adder.add_argument(
        "--probability", type=_percent, required=True, metavar="P", help="default win %% (0-100)"
    )
    adder.add_argument(
        "--category", choices=STAGE_CATEGORIES, default="open", help="open (default), won or lost"
    )
    place = adder.add_mutually_exclusive_group()
    place.add_argument("--after", metavar="STAGE", help="place it after this stage")
    place.add_argument("--position", type=int, metavar="N", help="place it at position N (1 is first)")
    adder.add_argument("--inactive", action="store_true", help="add it retired (not offered yet)")
    editor = commands.command(
        "stages edit", parents=[common], help="change a stage: name, probability, order..."
    )
    editor.add_argument("stage", metavar="STAGE", help="the stage's key or name")
    editor.add_argument("--name", help="a new name (the key stays)")
    editor.add_argument("--probability", type=_percent, metavar="P", help="default win %% (0-100)")
    editor.add_argument("--category", choices=STAGE_CATEGORIES)
    editor.add_argument("--position", type=int, metavar="N", help="move it to position N (1 is first)")
    editor.add_argument("--active", type=_yes_no, metavar="yes|no", help="no: retire it (yes: bring it back)")
    for parser in (lister, adder, editor):
        parser.set_defaults(handler=cmd_stages)

    totals = commands.command(
        "pipeline",
        parents=[common],
        help="weighted pipeline totals per stage",
        description="Deals, amounts and weighted amounts (amount x probability) per open stage and overall, "
        "with the closed deals below.",
    )
    totals.add_argument("--owner", metavar="LOGIN", help="only this owner's deals ('me': this laptop's user)")
    totals.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    totals.set_defaults(handler=cmd_pipeline)

    for outcome, example in (("won", "best value for money"), ("lost", "price too high")):
        parser = commands.command(
            f"opportunities {outcome}",
            parents=[common],
            help=f"mark an opportunity {outcome}, with the reason",
            description=f"Mark an opportunity {outcome}: it moves to the pipeline's {outcome} stage with the "
            "reason; a close date in the future becomes today.",
        )
        parser.add_argument("id", metavar="ID", help="the opportunity's id, id prefix or name")
        parser.add_argument("--reason", required=True, help=f"why, e.g. '{example}'")
        parser.set_defaults(handler=cmd_close, outcome=outcome)
