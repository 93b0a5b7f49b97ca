"""``sfa central add-rule | rules | remove-rule | move-territory``: the territory tree and its assignment
rules on the central store (see ``server.admin_territories``)."""

from __future__ import annotations

import argparse

from sfa_desktop.cli.central.common import Usage, add, central_writer
from sfa_desktop.cli.common import Commands
from sfa_desktop.core.records.fields import INDUSTRIES, RULE_SCOPES
from sfa_desktop.server import admin_territories

_RULE_OPTIONS = (
    "name",
    "priority",
    "applies_to",
    "country",
    "region",
    "postcode_prefixes",
    "postcode_from",
    "postcode_to",
    "city",
    "industry",
    "min_employees",
    "max_employees",
)


def cmd_add_rule(args: argparse.Namespace) -> int:
    if args.postcode_prefixes and (args.postcode_from or args.postcode_to):
        raise Usage("Give --postcodes or --postcode-from/--postcode-to, not both.")
    values = {name: getattr(args, name) for name in _RULE_OPTIONS}
    with central_writer(args) as writer:
        admin_territories.add_rule(writer, args.code, values)
    print(f"Added rule '{args.name}' to {args.code}. Laptops get it at their next sync.")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        listed = admin_territories.list_rules(writer.conn, args.code)
    if not listed:
        print("No assignment rules." if args.code is None else f"{args.code} has no assignment rules.")
        return 0
    for item in listed:
        rule = item.rule
        print(
            f"{rule.id[:8]}\t{item.code}\t{rule.priority}\t{rule.applies_to}\t{rule.name}\t{rule.describe()}"
        )
    return 0


def cmd_remove_rule(args: argparse.Namespace) -> int:
    with central_writer(args) as writer:
        name = admin_territories.remove_rule(writer, args.rule)
    print(f"Removed rule '{name}'.")
    return 0


def cmd_move_territory(args: argparse.Namespace) -> int:
    if (args.parent is None) == (not args.top):
        raise Usage("Say where: --parent CODE, or --top for a territory with no parent.")
    with central_writer(args) as writer:
        admin_territories.move_territory(writer, args.code, args.parent)
    where = f"under {args.parent}" if args.parent else "at the top"
    print(f"Moved {args.code} {where}; its records stay in it, and who sees them follows the tree.")
    return 0


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None


def register(commands: Commands) -> None:
    """Add ``sfa central add-rule``, ``rules``, ``remove-rule`` and ``move-territory``."""
    rule = add(commands, "add-rule", cmd_add_rule, "add an assignment rule to a territory")
    rule.add_argument("code", metavar="TERRITORY", help="the territory's code")
    rule.add_argument("--name", required=True, metavar="NAME", help="what the rule is, e.g. 'Greater Boston'")
    rule.add_argument("--priority", type=_whole, default=None, metavar="N", help="lower numbers first (100)")
    rule.add_argument(
        "--applies-to", dest="applies_to", choices=RULE_SCOPES, default=None, help="accounts, leads or both"
    )
    rule.add_argument("--country", metavar="CC", help="two-letter country code, e.g. US")
    rule.add_argument("--region", metavar="STATE", help="state or region, e.g. MA")
    rule.add_argument(
        "--postcodes", dest="postcode_prefixes", metavar="P1,P2", help="postcode prefixes, e.g. 021,022"
    )
    rule.add_argument("--postcode-from", dest="postcode_from", metavar="A", help="postcode range: first")
    rule.add_argument("--postcode-to", dest="postcode_to", metavar="B", help="postcode range: last")
    rule.add_argument("--city", metavar="CITY")
    rule.add_argument("--industry", metavar="INDUSTRY", help="one of: " + ", ".join(INDUSTRIES))
    rule.add_argument("--min-employees", dest="min_employees", type=_whole, metavar="N")
    rule.add_argument("--max-employees", dest="max_employees", type=_whole, metavar="N")
    rules = add(
        commands,
        "rules",
        cmd_rules,
        "list the assignment rules (id, territory, priority, scope, name, conditions)",
    )
    rules.add_argument("code", metavar="TERRITORY", nargs="?", default=None, help="only this territory's")
    remove = add(commands, "remove-rule", cmd_remove_rule, "remove an assignment rule")
    remove.add_argument("rule", metavar="RULE", help="the rule's id (or id prefix, as in 'rules') or name")
    move = add(commands, "move-territory", cmd_move_territory, "put a territory under another one")
    move.add_argument("code", metavar="CODE")
    move.add_argument("--parent", metavar="CODE", default=None, help="the new parent territory")
    move.add_argument("--top", action="store_true", help="make it a territory with no parent")
