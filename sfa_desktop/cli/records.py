"""``sfa accounts|contacts|leads|opportunities list|add|show|edit|delete``: the record commands.

They are generated from the field specs (``fields.ENTITIES``) and the list specs (``store.lists.LISTS``), so
every field is settable and every list column can be sorted on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from sfa_desktop.cli.common import (
    DEFAULT_TABLE_LIMIT,
    CliError,
    Commands,
    count,
    label_of,
    open_store,
    print_table,
    resolve,
    short,
)
from sfa_desktop.core import csvfiles
from sfa_desktop.core.records.fields import ENTITIES, Entity, Field, clean, display_value
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.records.stages import StageIndex
from sfa_desktop.core.records.validation import ValidationError, format_money, format_phone
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.ops import records as record_ops
from sfa_desktop.ops import related as related_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.list_spec import Column, ListSpec
from sfa_desktop.store.lists import LISTS

#: Record kinds with the full set of list/add/show/edit/delete commands.
RECORD_KINDS = tuple(LISTS)


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


# -- records ---------------------------------------------------------------------------------------------


def _field_values(ent: Entity, args: argparse.Namespace) -> dict[str, Any]:
    return {f.name: getattr(args, f.name) for f in ent.fields if getattr(args, f.name, None) is not None}


def _prepare(
    store: LocalStore, ent: Entity, values: dict[str, Any], *, partial: bool, record_id: str | None = None
) -> None:
    """Resolve referenced records (id, id prefix or name) in place, and report every bad field at once:
    unknown references together with the services' validation messages."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        spec = ent.by_name[name]
        if spec.kind == "ref" and value.strip():
            try:
                values[name] = resolve(store, spec.ref or "", value)
            except (record_ops.Ambiguous, NotFound) as exc:
                errors[name] = str(exc)
    try:
        region = record_ops.phone_region(store)
        country = record_ops.record_country(store, ent.key, record_id)  # numbers are read there first
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

    with open_store(args) as store:
        filters: dict[str, Any] = {}
        for key in spec.filters:
            given = getattr(args, f"filter_{key}", None)
            if given is None:
                continue
            if key.endswith("_id"):
                filters[key] = resolve(store, _filter_target(kind, key), given)
            elif key == "stage":
                filters[key] = _stage_key(store, given)
            else:
                filters[key] = _canonical_choice(key, given)
        with store.engine.connect() as conn:
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
            [short(i), *(_cell_text(c, v) for c, v in zip(spec.columns, row, strict=True))]
            for i, row in ordered
        ]
        if body:
            print_table(headers, body, out)
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


def _stage_key(store: LocalStore, given: str) -> str:
    """The key of the stage a list filter names (key or name, active or retired)."""
    index = StageIndex(pipeline_ops.load_stages(store).stages)
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
    with open_store(args) as store:
        values = _field_values(ent, args)
        _prepare(store, ent, values, partial=False)
        record_id = record_ops.save_record(store, ent.key, None, values)
        label = label_of(store, ent.key, record_id)
    print(f"Added {ent.singular} {label} ({record_id}).")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    with open_store(args) as store:
        record_id = resolve(store, ent.key, args.id)
        loaded = record_ops.load_record(store, ent.key, record_id)
        values = loaded.values
        lines: list[tuple[str, str]] = [("ID", record_id)]
        for spec in ent.fields:
            value = values.get(spec.name)
            if spec.kind == "ref" and value:
                name = loaded.ref_labels.get(spec.name) or label_of(store, spec.ref or "", value)
                shown = f"{name} ({short(value)})"
            else:
                shown = display_value(spec, value)
            lines.append((spec.label, shown))
        if "territory_id" in values and "territory_id" not in ent.by_name and values["territory_id"]:
            territory = values["territory_id"]
            lines.append(("Territory", f"{label_of(store, 'territories', territory)} ({short(territory)})"))
    for key, label in (("created_at", "Created"), ("updated_at", "Updated")):
        moment = values.get(key)
        lines.append((label, moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""))
    width = max(len(label) for label, _ in lines)
    for label, shown in lines:
        indent = "\n" + " " * (width + 2)
        print(f"{label.ljust(width)}  {shown.replace(chr(10), indent)}".rstrip())
    if ent.key == "accounts":  # what the account's Related tab shows
        with open_store(args) as store:
            for line in related_ops.summary_lines(related_ops.related_of(store, record_id)):
                print(line)
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
    with open_store(args) as store:
        record_id = resolve(store, ent.key, args.id)
        _prepare(store, ent, values, partial=True, record_id=record_id)
        record_ops.save_record(store, ent.key, record_id, values)
        label = label_of(store, ent.key, record_id)
    changed = ", ".join(ent.by_name[n].label.lower() for n in values)
    print(f"Updated {ent.singular} {label} ({record_id}): {changed}.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    ent = ENTITIES[args.kind]
    with open_store(args) as store:
        record_id = resolve(store, ent.key, args.id)
        label = label_of(store, ent.key, record_id)
        count = record_ops.delete_record(store, ent.key, record_id)
    extra = f" with {count - 1:,} related record{'s' if count != 2 else ''}" if count > 1 else ""
    print(f"Deleted {ent.singular} {label} ({record_id}){extra}.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa KIND list|add|show|edit|delete`` for every record kind."""
    for kind in RECORD_KINDS:
        _add_record_commands(commands, kind)


def _add_record_commands(commands: Commands, kind: str) -> None:
    common = commands.data_dir
    ent = ENTITIES[kind]
    spec = LISTS[kind]
    commands.group(
        kind,
        parents=[common],
        help=f"list, add, show, edit and delete {ent.plural}",
        description=f"Work with {ent.plural}. Records are named by id, a unique id prefix (as in lists) "
        "or their name.",
    )

    lister = commands.command(
        f"{kind} list",
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
    lister.add_argument("--limit", type=count, metavar="N", help="at most N rows; 0 for all")
    lister.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    lister.set_defaults(handler=cmd_list, kind=kind)

    adder = commands.command(
        f"{kind} add",
        parents=[common],
        help=f"add {_a(ent.singular)}",
        description=f"Add {_a(ent.singular)}. Every field is an option; values are checked and nothing is "
        "saved if any is wrong.",
    )
    editor = commands.command(
        f"{kind} edit",
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
        parser = commands.command(f"{kind} {action}", parents=[common], help=summary, description=description)
        parser.add_argument("id", metavar="ID", help=f"the {ent.singular}'s id, id prefix or name")
        parser.set_defaults(handler=handler, kind=kind)
