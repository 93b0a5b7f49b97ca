"""The ``sfa`` command line: the same services as the window, for scripts, tests and people at a terminal.

``sfa init``, ``sfa demo``, ``sfa search``, ``sfa settings`` and, for each of accounts, contacts, leads and
opportunities, ``list``, ``add``, ``show``, ``edit`` and ``delete``.  The record commands are generated
from the field specs (``fields.ENTITIES``) and the list specs (``store.lists.LISTS``), so every field is
settable and every list column can be sorted on.

Errors a person can cause end in one line ``sfa: error: <what is wrong and what to do>`` on stderr and
exit code 1 (argparse usage errors exit 2); never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sfa_desktop import __version__
from sfa_desktop.core import csvfiles, settings
from sfa_desktop.core.demo.generator import STAFF as DEMO_STAFF
from sfa_desktop.core.demo.generator import DemoDataError
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ENTITIES, Entity, Field, clean, display_value
from sfa_desktop.core.records.merge import MergeError, survivor_of
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.records.validation import ValidationError, format_money, format_phone
from sfa_desktop.core.transfer.textfile import FileError
from sfa_desktop.store.database import DB_FILENAME, LocalStore, StoreError, default_data_dir
from sfa_desktop.store.lists import LISTS, Column, ListSpec
from sfa_desktop.sync.central import CentralError

#: Record kinds with the full set of list/add/show/edit/delete commands.
RECORD_KINDS = tuple(LISTS)
SHORT_ID = 8
MAX_CELL = 40
DEFAULT_TABLE_LIMIT = 50

_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
#: How a person names a record of each kind, besides its id (SQL over the record's own table).
_LABELS: dict[str, tuple[str, ...]] = {
    "accounts": ("name",),
    "contacts": (_PERSON,),
    "leads": (_PERSON,),
    "opportunities": ("name",),
    "activities": ("subject",),
    "users": ("login", "full_name"),
    "territories": ("code", "name"),
    "territory_memberships": ("id",),
    "products": ("sku", "name"),
}
_HEXISH = re.compile(r"[0-9a-fA-F-]{4,36}")


class CliError(UserError):
    """A mistake on the command line; the message says what to do."""


# -- helpers ---------------------------------------------------------------------------------------------


def _option(spec: Field) -> str:
    """A field's option: ``account_id`` -> ``--account``, ``amount_cents`` -> ``--amount``."""
    name = spec.name
    if spec.kind == "ref":
        name = name.removesuffix("_id")
    if spec.kind == "money":
        name = name.removesuffix("_cents")
    return "--" + name.replace("_", "-")


def _field_help(spec: Field, *, for_add: bool) -> str:
    hints = {
        "email": "an email address",
        "phone": "a phone number; national numbers are read in the phone_region setting",
        "url": "a web address such as www.company.com",
        "int": "a whole number",
        "money": "an amount such as 12500 or 12500.50",
        "date": "a date, YYYY-MM-DD",
        "datetime": "local date and time, YYYY-MM-DD HH:MM",
        "bool": "yes or no",
        "country": "a two-letter country code such as US",
    }
    if spec.choices_from == "pipeline_stages":
        hint = "a pipeline stage's key or name (see 'sfa stages list')"
    elif spec.kind == "choice":
        hint = "one of: " + ", ".join(spec.choices)
    elif spec.kind == "ref":
        hint = f"the {ENTITIES[spec.ref or ''].singular}'s id, id prefix or name"
    else:
        hint = hints.get(spec.kind, "")
    text_ = spec.label + (f": {hint}" if hint else "")
    if spec.required and for_add:
        text_ += " (required)"
    return text_.replace("%", "%%")


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _short(record_id: str) -> str:
    return record_id[:SHORT_ID]


def _label_of(session: Session, kind: str, record_id: str) -> str:
    expr = _LABELS[kind][-1]
    value = session.execute(text(f"SELECT {expr} FROM {kind} WHERE id = :id"), {"id": record_id}).scalar()
    return str(value) if value else record_id


def resolve(session: Session, kind: str, given: str) -> str:
    """The id of the live record of ``kind`` that ``given`` names: a full id, a name, or an id prefix."""
    ent = ENTITIES[kind]
    wanted = given.strip()
    if not wanted:
        raise CliError(f"No {ent.singular} given.")
    alive = f"SELECT id FROM {kind} WHERE deleted_at IS NULL AND "
    found = session.execute(text(alive + "id = :v"), {"v": wanted}).scalars().all()
    if found:
        return str(found[0])
    if kind in ("accounts", "contacts", "leads") and (survivor := survivor_of(session, kind, wanted)):
        return survivor  # a merged-away record's id leads to the record it was merged into
    matches: list[str] = []
    for expr in _LABELS[kind]:
        rows = session.execute(text(alive + f"{expr} = :v COLLATE NOCASE LIMIT 5"), {"v": wanted}).scalars()
        matches += [r for r in rows if r not in matches]
    if not matches and _HEXISH.fullmatch(wanted):
        pattern = wanted.lower().replace("%", "").replace("_", "") + "%"
        matches = list(session.execute(text(alive + "id LIKE :p LIMIT 5"), {"p": pattern}).scalars())
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(_short(m) for m in matches[:4]) + (", ..." if len(matches) > 4 else "")
        raise CliError(f"'{wanted}' matches several {ent.plural} ({listed}); give the id instead.")
    if _HEXISH.fullmatch(wanted):
        hint = f" It may have been deleted; 'sfa {kind} list' shows the ids." if kind in LISTS else ""
    else:
        hint = f" Find it with 'sfa search {wanted}' or 'sfa {kind} list'." if kind in LISTS else ""
    raise NotFound(f"There is no {ent.singular} '{wanted}'.{hint}")


def _open(args: argparse.Namespace, *, create: bool = False) -> LocalStore:
    folder = args.data_dir if args.data_dir is not None else default_data_dir()
    return LocalStore.open(folder, create=create)


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    def cut(value: str) -> str:
        value = value.replace("\n", " ")
        return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"

    cells = [[cut(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _parse_sql_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _cell_text(column: Column, value: Any) -> str:
    """A list value as a person reads it."""
    if value is None:
        return ""
    if column.kind == "money":
        return format_money(int(value))
    if column.kind == "phone":
        return format_phone(str(value))
    if column.kind == "datetime":
        moment = _parse_sql_datetime(value)
        return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""
    return str(value)


def _cell_data(column: Column, value: Any) -> Any:
    """A list value for CSV and JSON: exact and machine-readable (E.164 phones, decimal amounts)."""
    if value is None:
        return None
    if column.kind == "money":
        cents = int(value)
        return f"{cents // 100}.{cents % 100:02d}"
    if column.kind == "datetime":
        moment = _parse_sql_datetime(value)
        return moment.isoformat().replace("+00:00", "Z") if moment else None
    return value


# -- init, demo ------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    folder = args.data_dir if args.data_dir is not None else default_data_dir()
    existed = (folder / DB_FILENAME).exists()
    with _open(args, create=True) as store:
        state = "is up to date" if existed else "was created"
        print(f"The local database {store.path} {state}.")
    return 0


class _Progress:
    """Progress on stderr when seeding takes long: a live line on a terminal, a few lines otherwise."""

    def __init__(self, out: TextIO, *, after: float = 1.0) -> None:
        self.out = out
        self.started = time.monotonic()
        self.after = after
        self.shown = False
        self.last = 0.0
        self.next_step = 25
        self.tty = out.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.after or total == 0:
            return
        percent = 100 * done // total
        message = f"Seeding demo data: {percent}% ({done:,} of {total:,} accounts)"
        if self.tty:
            if now - self.last >= 0.2 or done == total:
                self.out.write("\r" + message)
                self.out.flush()
                self.shown = True
                self.last = now
        elif percent >= self.next_step:
            self.out.write(message + "\n")
            self.next_step = (percent // 25 + 1) * 25

    def finish(self) -> None:
        if self.tty and self.shown:
            self.out.write("\n")
            self.out.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    from sfa_desktop.core.demo import generator as demo

    progress = _Progress(sys.stderr)
    with _open(args, create=True) as store:
        started = time.perf_counter()
        with store.transaction() as session:
            if not demo.is_empty(session):
                accounts = session.execute(text("SELECT count(*) FROM accounts")).scalar_one()
                if demo.holds_demo_data(session):
                    # pasting 'sfa demo && sfa-desktop' again must not fail: the demo data is there
                    print(
                        f"The database {store.path} already holds demo data ({accounts:,} accounts); "
                        "nothing was added. For fresh demo data, choose a new folder with --data-dir DIR."
                    )
                    return 0
                raise DemoDataError(
                    f"The database {store.path} already holds data ({accounts:,} accounts); demo data only "
                    "goes into an empty one, so that it never mixes with real records. Choose a new folder "
                    "with --data-dir DIR."
                )
            summary = demo.seed(
                session, accounts=args.accounts, seed=args.seed, today=args.today, progress=progress
            )
        progress.finish()
        elapsed = time.perf_counter() - started
        print(f"Demo data (seed {args.seed}) written to {store.path} in {elapsed:.1f} s:")
        counts = summary.counts()
        width = max(len(k) for k in counts)
        for kind, number in counts.items():
            label = ENTITIES[kind].plural if kind in ENTITIES else kind
            print(f"  {label.ljust(width)}  {number:>9,}")
        if not args.no_central:
            from sfa_desktop.sync.demo import publish_and_connect

            started = time.perf_counter()
            made = publish_and_connect(store, login=args.login)
            role = next(r for login, _name, r, _code in demo.STAFF if login == made.login)
            print(
                f"Demo central store {made.path} made in {time.perf_counter() - started:.1f} s; this laptop "
                f"is connected as the {role} '{made.login}' and synced ({made.report.summary()}): it now "
                f"holds what that {role} may see. Run 'sfa sync' any time."
            )
    return 0


# -- records ---------------------------------------------------------------------------------------------


def _field_values(ent: Entity, args: argparse.Namespace) -> dict[str, Any]:
    return {f.name: getattr(args, f.name) for f in ent.fields if getattr(args, f.name, None) is not None}


def _prepare(
    session: Session, ent: Entity, values: dict[str, Any], *, partial: bool, record_id: str | None = None
) -> None:
    """Resolve referenced records (id, id prefix or name) in place, and report every bad field at once:
    unknown references together with the services' validation messages."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        spec = ent.by_name[name]
        if spec.kind == "ref" and value.strip():
            try:
                values[name] = resolve(session, spec.ref or "", value)
            except (CliError, NotFound) as exc:
                errors[name] = str(exc)
    try:
        region = settings.get(session, "phone_region")
        country = services.record_country(session, ent.key, record_id)  # numbers are read there first
        given = {k: v for k, v in values.items() if k not in errors}
        clean(ent, given, partial=partial, phone_region=region, country=country)
    except ValidationError as exc:
        errors = {**exc.errors, **errors}  # an unknown reference says more than 'is required'
    if errors:
        raise ValidationError({f.name: errors[f.name] for f in ent.fields if f.name in errors})


def cmd_list(args: argparse.Namespace) -> int:
    kind: str = args.kind
    spec: ListSpec = LISTS[kind]
    from sfa_desktop.store import lists

    with _open(args) as store, store.Session() as session:
        filters: dict[str, Any] = {}
        for key in spec.filters:
            given = getattr(args, f"filter_{key}", None)
            if given is None:
                continue
            if key.endswith("_id"):
                filters[key] = resolve(session, _filter_target(kind, key), given)
            elif key == "stage":
                filters[key] = _stage_key(session, given)
            else:
                filters[key] = _canonical_choice(key, given)
        conn = session.connection()
        limit = args.limit
        if limit is None:
            limit = DEFAULT_TABLE_LIMIT if args.format == "table" else 0
        total = lists.count(conn, kind, filter_text=args.filter or "", filters=filters)
        ids = lists.list_ids(
            conn,
            kind,
            filter_text=args.filter or "",
            filters=filters,
            sort=args.sort,
            descending=args.desc,
            limit=limit or None,
        )
        rows: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(ids), 500):
            rows.update(lists.fetch_rows(conn, kind, ids[start : start + 500]))
    ordered = [(i, rows[i]) for i in ids if i in rows]
    out = sys.stdout
    if args.format == "table":
        headers = ["ID", *(c.label for c in spec.columns)]
        body = [
            [_short(i), *(_cell_text(c, v) for c, v in zip(spec.columns, row, strict=True))]
            for i, row in ordered
        ]
        if body:
            _print_table(headers, body, out)
        shown = len(body)
        if shown < total:
            sys.stderr.write(
                f"{shown:,} of {total:,} {kind} shown; use --limit N for more (--limit 0 for all).\n"
            )
        elif not body:
            sys.stderr.write(f"No {kind} found.\n")
        return 0
    records = [
        {"id": i, **{c.key: _cell_data(c, v) for c, v in zip(spec.columns, row, strict=True)}}
        for i, row in ordered
    ]
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        writer = csvfiles.writer(out)
        writer.writerow(["id", *(c.key for c in spec.columns)])
        writer.writerows(csvfiles.row(r.values()) for r in records)
    return 0


def _filter_target(kind: str, key: str) -> str:
    """The record kind a list's ``..._id`` filter points at: ``owner_id`` -> ``users``."""
    spec = ENTITIES[kind].by_name.get(key)
    if spec is not None and spec.ref:
        return spec.ref
    return {"territory_id": "territories", "owner_id": "users"}.get(key, key.removesuffix("_id") + "s")


def _stage_key(session: Session, given: str) -> str:
    """The key of the stage a list filter names (key or name, active or retired)."""
    from sfa_desktop.core.records.stages import StageIndex

    index = StageIndex.load(session)
    stage = index.find(given)
    if stage is None:
        raise CliError(
            f"--stage: '{given}' is not a stage; the stages are: {', '.join(s.name for s in index.stages)}."
        )
    return stage.key


def _canonical_choice(key: str, given: str) -> str:
    """'Closed Won' -> 'closed won' for equality filters on choice fields."""
    for ent in ENTITIES.values():
        spec = ent.by_name.get(key)
        if spec is not None and spec.kind == "choice":
            folded = {c.lower(): c for c in spec.choices}
            if given.strip().lower() not in folded:
                raise CliError(
                    f"--{key.replace('_', '-')}: '{given}' is not one of: {', '.join(spec.choices)}."
                )
            return folded[given.strip().lower()]
    return given


def cmd_add(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    with _open(args) as store, store.transaction() as session:
        values = _field_values(ent, args)
        _prepare(session, ent, values, partial=False)
        record = services.create(session, ent.key, values)
        label = _label_of(session, ent.key, record.id)
        record_id = record.id
    print(f"Added {ent.singular} {label} ({record_id}).")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    with _open(args) as store, store.Session() as session:
        record_id = resolve(session, ent.key, args.id)
        record = services.get(session, ent.key, record_id)
        values = services.as_dict(record)
        lines: list[tuple[str, str]] = [("ID", record_id)]
        for spec in ent.fields:
            value = values.get(spec.name)
            if spec.kind == "ref" and value:
                shown = f"{_label_of(session, spec.ref or '', value)} ({_short(value)})"
            else:
                shown = display_value(spec, value)
            lines.append((spec.label, shown))
        if "territory_id" in values and "territory_id" not in ent.by_name and values["territory_id"]:
            territory = values["territory_id"]
            lines.append(
                ("Territory", f"{_label_of(session, 'territories', territory)} ({_short(territory)})")
            )
        for key, label in (("created_at", "Created"), ("updated_at", "Updated")):
            moment = values.get(key)
            lines.append((label, moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""))
    width = max(len(label) for label, _ in lines)
    for label, shown in lines:
        indent = "\n" + " " * (width + 2)
        print(f"{label.ljust(width)}  {shown.replace(chr(10), indent)}".rstrip())
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    values = _field_values(ent, args)
    if not values:
        example = _option(ent.fields[0])
        raise CliError(
            f"Nothing to change: give at least one field, for example {example} VALUE "
            f"(see 'sfa {ent.key} edit --help'). An empty value (\"\") clears a field."
        )
    with _open(args) as store, store.transaction() as session:
        record_id = resolve(session, ent.key, args.id)
        _prepare(session, ent, values, partial=True, record_id=record_id)
        services.update(session, ent.key, record_id, values)
        label = _label_of(session, ent.key, record_id)
    changed = ", ".join(ent.by_name[n].label.lower() for n in values)
    print(f"Updated {ent.singular} {label} ({record_id}): {changed}.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    with _open(args) as store, store.transaction() as session:
        record_id = resolve(session, ent.key, args.id)
        label = _label_of(session, ent.key, record_id)
        count = services.delete(session, ent.key, record_id)
    extra = f" with {count - 1:,} related record{'s' if count != 2 else ''}" if count > 1 else ""
    print(f"Deleted {ent.singular} {label} ({record_id}){extra}.")
    return 0


# -- search, settings ------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    from sfa_desktop.store.search import search

    words = " ".join(args.text)
    with _open(args) as store, store.engine.connect() as conn:
        hits = search(conn, words, limit=args.limit, kind=args.kind)
    if not hits:
        sys.stderr.write(f"Nothing matches '{words}'.\n")
        return 0
    _print_table(
        ["Kind", "Name", "Detail", "ID"],
        [[ENTITIES[h.kind].singular, h.title, h.detail, _short(h.record_id)] for h in hits],
        sys.stdout,
    )
    return 0


def _check_setting(key: str, value: str) -> str:
    if key not in settings.DEFAULTS:
        raise CliError(f"There is no setting '{key}'. Known settings: {', '.join(settings.DEFAULTS)}.")
    validator = settings.VALIDATORS.get(key)
    if validator is not None:
        try:
            return validator(value)
        except ValueError as exc:
            raise CliError(f"{key} was not changed: {exc}") from None
    return value.strip()


def cmd_settings(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if args.action == "set":
            value = _check_setting(args.key, args.value)
            with store.transaction() as session:
                settings.put(session, args.key, value)
            print(f"{args.key} = {value}")
            return 0
        with store.Session() as session:
            if args.action == "get":
                _check_setting_known(args.key)
                print(settings.get(session, args.key))
                return 0
            current = settings.all_settings(session)
    width = max(len(k) for k in current)
    for key, value in current.items():
        shown = " ".join(value.split())
        if len(shown) > 60:  # a JSON document: 'sfa settings get KEY' shows all of it
            shown = shown[:24] + f"…  ('sfa settings get {key}' for all)"
        print(f"{key.ljust(width)}  {shown}")
    return 0


def _check_setting_known(key: str) -> None:
    if key not in settings.DEFAULTS:
        raise CliError(f"There is no setting '{key}'. Known settings: {', '.join(settings.DEFAULTS)}.")


# -- the parser ------------------------------------------------------------------------------------------


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from None


def _add_record_commands(subparsers: Any, common: argparse.ArgumentParser, kind: str) -> None:
    ent = ENTITIES[kind]
    spec = LISTS[kind]
    group = subparsers.add_parser(
        kind,
        parents=[common],
        help=f"list, add, show, edit and delete {ent.plural}",
        description=f"Work with {ent.plural}. Records are named by id, a unique id prefix (as in lists) "
        "or their name.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    lister = actions.add_parser(
        "list",
        parents=[common],
        help=f"list {ent.plural}",
        description=f"List {ent.plural}, filtered and sorted by the database. Tables show the first "
        f"{DEFAULT_TABLE_LIMIT} rows unless --limit is given; csv and json show all.",
    )
    lister.add_argument("--filter", metavar="TEXT", help="only records matching these words (prefixes)")
    for key in spec.filters:
        option = "--" + key.removesuffix("_id").replace("_", "-")
        what = "id, id prefix or name" if key.endswith("_id") else "value"
        lister.add_argument(
            option,
            dest=f"filter_{key}",
            metavar="X",
            help=f"only {ent.plural} whose {key.removesuffix('_id').replace('_', ' ')} is X ({what})",
        )
    lister.add_argument(
        "--sort",
        choices=[c.key for c in spec.columns],
        default=None,
        help=f"column (default {spec.default_sort})",
    )
    lister.add_argument("--desc", action="store_true", help="sort in descending order")
    lister.add_argument("--limit", type=_count, metavar="N", help="at most N rows; 0 for all")
    lister.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    lister.set_defaults(handler=cmd_list, kind=kind)

    adder = actions.add_parser(
        "add",
        parents=[common],
        help=f"add {_a(ent.singular)}",
        description=f"Add {_a(ent.singular)}. Every field is an option; values are checked and nothing is "
        "saved if any is wrong.",
    )
    editor = actions.add_parser(
        "edit",
        parents=[common],
        help=f"change fields of {_a(ent.singular)}",
        description=f'Change the given fields of {_a(ent.singular)}; an empty value ("") clears a field.',
    )
    editor.add_argument("id", metavar="ID", help=f"the {ent.singular}'s id, id prefix or name")
    for field_spec in ent.fields:
        metavar = {"text": "TEXT", "longtext": "TEXT", "choice": "VALUE", "ref": "ID"}.get(
            field_spec.kind, field_spec.kind.upper()
        )
        for parser, for_add in ((adder, True), (editor, False)):
            parser.add_argument(
                _option(field_spec),
                dest=field_spec.name,
                metavar=metavar,
                help=_field_help(field_spec, for_add=for_add),
            )
    adder.set_defaults(handler=cmd_add, kind=kind)
    editor.set_defaults(handler=cmd_edit, kind=kind)

    for action, handler, summary in (
        ("show", cmd_show, f"show every field of {_a(ent.singular)}"),
        ("delete", cmd_delete, f"delete {_a(ent.singular)}"),
    ):
        description = summary[0].upper() + summary[1:] + "."
        if kind == "accounts" and action == "delete":
            description += " Its contacts, opportunities and activities are deleted with it."
        parser = actions.add_parser(action, parents=[common], help=summary, description=description)
        parser.add_argument("id", metavar="ID", help=f"the {ent.singular}'s id, id prefix or name")
        parser.set_defaults(handler=handler, kind=kind)


def build_parser() -> argparse.ArgumentParser:
    data_help = "folder of the local database (default: $SFA_DATA_DIR, else the platform's user data folder)"
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", type=Path, default=argparse.SUPPRESS, help=data_help)

    parser = argparse.ArgumentParser(
        prog="sfa",
        description="SFA Desktop from the command line: the local database, demo data, records and search.",
        epilog="Every command has --help, for example 'sfa contacts add --help'.",
    )
    parser.add_argument("--data-dir", metavar="DIR", type=Path, default=None, help=data_help)
    parser.add_argument("--version", action="version", version=f"sfa {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser(
        "init",
        parents=[common],
        help="create or upgrade the local database",
        description="Create the local database (or bring an existing one up to date) and say where it is.",
    )
    init.set_defaults(handler=cmd_init)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="fill an empty database with demo data",
        description="Fill an empty database with realistic demo data: the East region with three "
        "territories, a manager and three reps, products, and per account about 2.5 contacts, one lead, "
        "1.5 opportunities and a history of activities. The same --seed and --today give the same data. "
        "Demo data only goes into an empty database, so it never mixes with real records: on a "
        "database that holds other data the command fails (exit 1); on one that already holds demo data it "
        "adds nothing and succeeds. Use --data-dir with a new folder for fresh demo data.",
    )
    demo.add_argument("--accounts", type=_count, default=200, metavar="N", help="number of accounts (200)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (0)")
    demo.add_argument(
        "--today",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the history leads up to (default: today)",
    )
    demo.add_argument(
        "--as",
        dest="login",
        choices=tuple(login for login, *_rest in DEMO_STAFF),
        default="dokafor",
        help="whose laptop this is: a rep (dokafor, default) or the region's manager (cwalsh), who edits "
        "territories and reports on the whole region",
    )
    demo.add_argument(
        "--no-central",
        action="store_true",
        help="only seed this laptop; do not make the embedded demo central store nor connect to it",
    )
    demo.set_defaults(handler=cmd_demo)

    for kind in RECORD_KINDS:
        _add_record_commands(commands, common, kind)

    search = commands.add_parser(
        "search",
        parents=[common],
        help="find accounts, contacts and leads",
        description="Find accounts, contacts and leads by name, company, email, phone or city; each word "
        "matches as a prefix. Best matches first.",
    )
    search.add_argument("text", nargs="+", metavar="TEXT", help="words to look for")
    search.add_argument("--limit", type=_count, default=20, metavar="N", help="at most N matches (20)")
    search.add_argument(
        "--kind", choices=("accounts", "contacts", "leads"), default=None, help="only records of this kind"
    )
    search.set_defaults(handler=cmd_search)

    settings_parser = commands.add_parser(
        "settings",
        parents=[common],
        help="show or change this laptop's settings",
        description="Show or change this laptop's settings: " + ", ".join(settings.DEFAULTS) + ".",
    )
    actions = settings_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help="every setting and its value").set_defaults(
        handler=cmd_settings
    )
    getter = actions.add_parser("get", parents=[common], help="one setting's value")
    getter.add_argument("key", metavar="KEY")
    getter.set_defaults(handler=cmd_settings)
    setter = actions.add_parser("set", parents=[common], help="change a setting")
    setter.add_argument("key", metavar="KEY")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(handler=cmd_settings)
    from sfa_desktop.cli_central import register as register_central

    register_central(commands)
    from sfa_desktop.cli_sync import register as register_sync

    register_sync(commands, common)
    from sfa_desktop.cli_sequences import register as register_sequences

    register_sequences(commands, common)
    from sfa_desktop.cli_story import register as register_story  # timeline, log, sales, order imports

    register_story(commands, common)
    from sfa_desktop.cli_leads import register as register_leads
    from sfa_desktop.cli_pipeline import register as register_pipeline

    register_pipeline(commands, common)
    register_leads(commands, common)
    from sfa_desktop.cli_data import register as register_data

    register_data(commands, common)
    from sfa_desktop.cli_kb import register as register_kb

    register_kb(commands, common)
    from sfa_desktop.cli_callsheet import register as register_callsheet

    register_callsheet(commands, common)
    from sfa_desktop.cli_territories import register as register_territories

    register_territories(commands, common)
    return parser


# -- entry point -----------------------------------------------------------------------------------------


def _error(message: str) -> None:
    sys.stderr.write(f"sfa: error: {' '.join(message.split())}\n")


def _tolerant_output() -> None:
    """Names such as Łukasz or Nguyễn must not crash a console that cannot show them: print a '?'."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # not a plain text stream after all
                reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ValidationError as exc:
        for name, message in exc.errors.items():
            _error(f"{name}: {message}")
        return 1
    except (StoreError, NotFound, CliError, DemoDataError, CentralError, FileError, MergeError) as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:  # output piped into 'head' and the like: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        return 1
    except DBAPIError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            _error(
                "The database is busy: another SFA Desktop window or a sync is writing to it. "
                "Nothing was saved; try again in a moment."
            )
        else:
            _error(f"The database refused the change: {exc.orig}. Nothing was saved.")
        return 1
    except KeyboardInterrupt:
        _error("interrupted; nothing was saved by the unfinished command.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
