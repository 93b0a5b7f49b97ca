"""``sfa duplicates``, ``sfa merge``, ``sfa import`` and ``sfa export``: the records workbench in a terminal.

The same core modules as the window: ``core.duplicates`` and ``core.merge``, ``core.importer`` (a preview
of every row, then one transaction) and ``core.exporter``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, label_of, open_store, print_table, resolve, short
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records import duplicates
from sfa_desktop.core.records.columns import IMPORT_KINDS, targets
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.records.matching import KINDS
from sfa_desktop.core.records.merge import MergeError
from sfa_desktop.core.transfer import exporter, import_source, importer, vcards
from sfa_desktop.ops import data as data_ops

#: Rejected rows printed before "... and N more".
SHOWN_PROBLEMS = 20


# -- duplicates and merge -------------------------------------------------------------------------------


def cmd_duplicates(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        groups = data_ops.find_groups(store, args.kind)
    if args.format == "json":
        json.dump([duplicates.describe_group(g) for g in groups], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not groups:
        sys.stderr.write(f"No likely duplicates among the {args.kind}.\n")
        return 0
    rows: list[list[str]] = []
    for number, group in enumerate(groups, start=1):
        reasons = group.reasons()
        for position, member in enumerate(group.members):
            why = "; ".join(reasons) if position == 0 else ""
            rows.append(
                [
                    str(number) if position == 0 else "",
                    str(group.score) if position == 0 else "",
                    short(member.ref),
                    member.label,
                    why,
                ]
            )
    print_table(["Group", "Score", "ID", "Name", "Why"], rows, sys.stdout)
    noun = "group" if len(groups) == 1 else "groups"
    sys.stderr.write(
        f"{len(groups):,} {noun} of likely duplicates. "
        f"Merge two with 'sfa merge {args.kind} SURVIVOR OTHER'.\n"
    )
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    take_names = [t.strip() for item in args.take or [] for t in item.split(",") if t.strip()]
    with open_store(args) as store:
        survivor = resolve(store, args.kind, args.survivor)
        loser = resolve(store, args.kind, args.other)
        if survivor == loser:
            raise MergeError(f"'{args.survivor}' and '{args.other}' are the same {ent.singular}; name two.")
        names = {
            "survivor": label_of(store, args.kind, survivor),
            "other": label_of(store, args.kind, loser),
        }
        result = data_ops.merge_records(
            store, args.kind, survivor, [loser], take=dict.fromkeys(take_names, loser)
        )
    took = ", ".join(ent.by_name[f].label.lower() for f in result.changed) or "nothing"
    print(
        f"Merged {ent.singular} {names['other']} ({loser}) into {names['survivor']} ({survivor}): "
        f"took {took}; moved {result.summary()}. The merge is sent at the next sync."
    )
    return 0


# -- import and export -----------------------------------------------------------------------------------


def _mapping(source: import_source.Source, kind: str, given: list[str]) -> list[str | None] | None:
    if source.format != "csv":
        return None
    from sfa_desktop.core.records import columns

    mapping = columns.suggest(kind, source.headers)
    known = targets(kind)
    folded = {columns.fold_header(h): i for i, h in enumerate(source.headers)}
    for item in given:
        header, sep, target = item.partition("=")
        at = folded.get(columns.fold_header(header))
        if not sep or at is None:
            raise CliError(
                f"--map {item!r}: give COLUMN=FIELD with a column of the file "
                f"({', '.join(source.headers[:6])}...)."
            )
        target = target.strip()
        if target in ("", "-", "none"):
            mapping[at] = None
        elif target not in known and target != "id":
            raise CliError(
                f"--map {item!r}: '{target}' is not a field of {kind}; fields: {', '.join(known)}."
            )
        else:
            mapping = [None if m == target else m for m in mapping]
            mapping[at] = target
    return mapping


class _Bar:
    """Progress on standard error once a job has taken more than a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0 or not total:
            return
        sys.stderr.write(f"\r{stage}: {100 * done // total}% ({done:,} of {total:,})")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def cmd_import(args: argparse.Namespace) -> int:
    source = import_source.read_path(Path(args.file), args.type)
    kind = args.type or source.kind
    source = import_source.reread_cards(source, kind)
    print(f"Read {Path(args.file).name}: {source.describe()}; importing {kind}.")
    for note in source.notes:
        print(f"Note: {note}")
    bar = _Bar()
    progress = Progress(bar)

    def report(plan: importer.Plan) -> bool:
        """Report the plan's rows; go on unless this is a dry run."""
        _report_rows(plan)
        if args.rejects:
            Path(args.rejects).write_text(importer.rejects_csv(plan), encoding="utf-8-sig", newline="")
        bar.finish()
        for merge in plan.merges():
            print(merge)
        if args.dry_run:
            print(f"Dry run, nothing written: {plan.summary()}.")
            return False
        return True

    with open_store(args) as store:
        mapping = _mapping(source, kind, args.map or [])
        if source.format == "csv" and mapping is not None:
            shown = [f"{h} -> {t}" for h, t in zip(source.headers, mapping, strict=True) if t]
            print(
                "Columns: " + ", ".join(shown)
                if shown
                else "Columns: none recognised; use --map COLUMN=FIELD."
            )
        plan, result = data_ops.plan_and_import(store, source, kind, mapping, args.on_match, progress, report)
    if result is None:
        return 1 if plan.wrote_nothing() else 0
    bar.finish()
    saved = f" (see {args.rejects})" if args.rejects and result.rejected else ""
    print(f"{plan.outcome(result)}{saved}.")
    return 1 if plan.wrote_nothing() else 0


def _report_rows(plan: importer.Plan) -> None:
    rejected = [r for r in plan.rows if r.action == "reject"]
    for row in rejected[:SHOWN_PROBLEMS]:
        sys.stderr.write(f"line {row.line}: {row.problem_text}\n")
    if len(rejected) > SHOWN_PROBLEMS:
        sys.stderr.write(
            f"... and {len(rejected) - SHOWN_PROBLEMS:,} more rows with problems (--rejects FILE)\n"
        )
    warned = [r for r in plan.rows if r.warnings and r.action != "reject"]
    for row in warned[:SHOWN_PROBLEMS]:
        sys.stderr.write(f"line {row.line}: note: {' '.join(row.warnings)}\n")


def cmd_export(args: argparse.Namespace) -> int:
    version = args.vcard_version
    to_stdout = args.output == "-"
    out = sys.stdout if to_stdout else None
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
    with open_store(args) as store:
        target = Path(args.output)
        if not to_stdout and not target.parent.exists():
            raise CliError(f"The folder {target.parent} does not exist; choose another place with -o.")
        stream: Any = out or target.open("w", encoding=encoding, newline="")
        try:
            count = data_ops.export_to(store, args.kind, args.format, version, stream)
        finally:
            if out is None:
                stream.close()
    if not to_stdout:
        what = f"vCard {version}" if args.format == "vcard" else "CSV"
        print(f"Exported {count:,} {args.kind} as {what} to {target}.")
    return 0


# -- the parser -------------------------------------------------------------------------------------------


def register(commands: Commands) -> None:
    common = commands.data_dir
    dup = commands.command(
        "duplicates",
        parents=[common],
        help="list likely duplicate accounts, contacts or leads",
        description="Groups of likely duplicates, with the reasons: the same email, phone or web domain, or "
        "similar names at the same company.",
    )
    dup.add_argument("kind", choices=KINDS, help="which records")
    dup.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    dup.set_defaults(handler=cmd_duplicates)

    mer = commands.command(
        "merge",
        parents=[common],
        help="merge a duplicate into the record that stays",
        description="Merge OTHER into SURVIVOR: the survivor keeps its values (empty fields take the other's "
        "value, --take FIELD takes the other's value of that field) and gets every related record and the "
        "history; OTHER is deleted and its id leads to the survivor. One transaction; syncs.",
    )
    mer.add_argument("kind", choices=KINDS, metavar="KIND", help="accounts, contacts or leads")
    mer.add_argument("survivor", metavar="SURVIVOR", help="the record that stays (id, id prefix or name)")
    mer.add_argument("other", metavar="OTHER", help="the duplicate merged into it (id, id prefix or name)")
    mer.add_argument(
        "--take",
        action="append",
        metavar="FIELD",
        help="take OTHER's value of this field (repeatable, or a,b)",
    )
    mer.set_defaults(handler=cmd_merge)

    imp = commands.command(
        "import",
        parents=[common],
        help="import contacts, leads or accounts from CSV or vCards",
        description="Import a CSV file (Salesforce, HubSpot, Outlook, Google Contacts, LinkedIn and this "
        "app's exports are recognised; any encoding and separator) or vCards (2.1, 3.0, 4.0). Every row is "
        "checked first; rows with problems are listed and left out; a row that matches a record already here "
        "completes its empty fields (or is skipped with --on-match skip), so importing a file twice adds "
        "nothing. Everything else is written in one transaction.",
    )
    imp.add_argument("file", metavar="FILE", help="the CSV or vCard file")
    imp.add_argument(
        "--type", choices=IMPORT_KINDS, help="what the file holds (default: guessed from its columns)"
    )
    imp.add_argument("--dry-run", action="store_true", help="check every row and report, write nothing")
    imp.add_argument(
        "--rejects", metavar="FILE", help="save the rows with problems (line, reason, row) as CSV"
    )
    imp.add_argument(
        "--on-match",
        choices=("update", "skip"),
        default="update",
        help="a row matching an existing record: fill its empty fields (update, default) or skip it",
    )
    imp.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="map a column to a field (FIELD '-' ignores it)",
    )
    imp.set_defaults(handler=cmd_import)

    exp = commands.command(
        "export",
        parents=[common],
        help="export contacts, leads or accounts as CSV or vCards",
        description="Export every contact, lead or account as CSV (UTF-8, one column per field, importable "
        "again) or as vCards.",
    )
    exp.add_argument("kind", choices=IMPORT_KINDS, help="which records")
    exp.add_argument("--format", choices=exporter.FORMATS, default="csv", help="csv (default) or vcard")
    exp.add_argument("--vcard-version", choices=vcards.VERSIONS, default="3.0", help="vCard version (3.0)")
    exp.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the file to write ('-': the screen)"
    )
    exp.set_defaults(handler=cmd_export)
