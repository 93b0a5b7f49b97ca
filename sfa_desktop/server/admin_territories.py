"""Administering the territory tree and assignment rules on the central store (``sfa central add-rule``,
``rules``, ``remove-rule``, ``move-territory``): written through :class:`central.Writer`, so every change is
numbered and logged and reaches the laptops like any other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from sfa_desktop.core.records.fields import ENTITIES, clean
from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.territories.rules import Rule, check_rule, clean_prefixes
from sfa_desktop.server import schema
from sfa_desktop.server.admin import _territory
from sfa_desktop.server.central import CentralError, Writer

TERRITORIES = schema.SYNCED["territories"]
RULES = schema.SYNCED["territory_rules"]


def add_rule(writer: Writer, code: str, values: Mapping[str, Any]) -> str:
    """Add an assignment rule to a territory; ``values`` as typed (name, priority, conditions...)."""
    territory = _territory(writer.conn, code)
    given = {"priority": 100, "applies_to": "both", **{k: v for k, v in values.items() if v is not None}}
    if "postcode_prefixes" in given:
        given["postcode_prefixes"] = clean_prefixes(str(given["postcode_prefixes"]))
    cleaned = clean(ENTITIES["territory_rules"], {**given, "territory_id": territory["id"], "active": True})
    check_rule(cleaned)
    record_id = new_id()
    writer.insert("territory_rules", {**cleaned, "id": record_id})
    return record_id


@dataclass(frozen=True)
class ListedRule:
    rule: Rule
    code: str


def list_rules(conn: Connection, code: str | None = None) -> list[ListedRule]:
    """The live rules (of one territory, or all), best first."""
    territories = {
        row["id"]: row
        for row in conn.execute(select(TERRITORIES).where(TERRITORIES.c.deleted_at.is_(None))).mappings()
    }
    query = select(RULES).where(RULES.c.deleted_at.is_(None))
    if code is not None:
        query = query.where(RULES.c.territory_id == _territory(conn, code)["id"])
    listed = []
    for row in conn.execute(query).mappings():
        territory = territories.get(row["territory_id"])
        if territory is None:
            continue
        label = f"{territory['name']} ({territory['code']})"
        listed.append(ListedRule(Rule.from_row(dict(row), label), territory["code"]))
    return sorted(listed, key=lambda r: r.rule.rank)


def remove_rule(writer: Writer, given: str) -> str:
    """Delete a rule named by its id, an id prefix or its name.  Returns its name."""
    rows = writer.conn.execute(select(RULES).where(RULES.c.deleted_at.is_(None))).mappings().all()
    wanted = given.strip()
    matches = [r for r in rows if r["id"] == wanted]
    if not matches:
        matches = [r for r in rows if r["name"].casefold() == wanted.casefold()]
    if not matches and len(wanted) >= 4:
        matches = [r for r in rows if r["id"].startswith(wanted.lower())]
    if not matches:
        raise CentralError(f"There is no rule '{given}'. 'sfa central rules' lists them with their ids.")
    if len(matches) > 1:
        ids = ", ".join(r["id"][:8] for r in matches[:4])
        raise CentralError(f"'{given}' names several rules ({ids}); give the id instead.")
    rule = matches[0]
    writer.update("territory_rules", rule["id"], {"deleted_at": writer.now}, op="delete")
    return str(rule["name"])


def move_territory(writer: Writer, code: str, parent: str | None) -> None:
    """Put a territory under another (None: at the top).  Refuses to put it under itself or below it."""
    conn = writer.conn
    territory = _territory(conn, code)
    parent_id = _territory(conn, parent)["id"] if parent is not None else None
    current: str | None = parent_id
    seen: set[str] = set()
    while current is not None and current not in seen:
        if current == territory["id"]:
            raise CentralError(f"'{code}' cannot be put under itself or one of the territories below it.")
        seen.add(current)
        current = conn.execute(select(TERRITORIES.c.parent_id).where(TERRITORIES.c.id == current)).scalar()
    if territory["parent_id"] != parent_id:
        writer.update("territories", territory["id"], {"parent_id": parent_id})
