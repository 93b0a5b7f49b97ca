"""Territories: who changes the territory tree, its memberships and assignment rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.access.identity import Who
from sfa_desktop.core.access.rows import may_write_row
from sfa_desktop.core.records.models import Territory


def manages(who: Who) -> bool:
    """May edit territories, memberships and rules (somewhere) and move records between territories."""
    return who is None or who.is_admin or who.is_manager


def may_edit_territory(who: Who, territory: Mapping[str, Any]) -> bool:
    return may_write_row(who, Territory.__tablename__, territory, {})


def may_add_territory(who: Who, parent_id: str | None) -> bool:
    return may_write_row(who, Territory.__tablename__, None, {"parent_id": parent_id})


def may_move_territory(who: Who, territory: Mapping[str, Any], parent_id: str | None) -> bool:
    return may_write_row(who, Territory.__tablename__, territory, {"parent_id": parent_id})


def may_edit_in(who: Who, territory_id: str) -> bool:
    """May the user change the memberships and assignment rules of this territory?"""
    return may_write_row(who, "territory_rules", None, {"territory_id": territory_id})


def describe(who: Who) -> str:
    """What the user may change in the territory tree, in a sentence."""
    if who is None:
        return "This laptop is not connected to a central store: you may change everything in it."
    if who.is_admin:
        return f"{who.name}, administrator: you may change every territory."
    if who.is_manager:
        return f"{who.name}, manager: you change the territories you manage and those below them."
    return f"{who.name}, sales rep: territories are changed by your manager."
