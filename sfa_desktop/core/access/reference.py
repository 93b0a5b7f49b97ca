"""Reference data and company records: the admin-written tables (and those managers write too), and
company records carried along with their account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.access.identity import Who
from sfa_desktop.core.records import tables
from sfa_desktop.core.records.models import Territory


def may_write_reference(
    who: Who, table: str, current: Mapping[str, Any] | None = None, new: Mapping[str, Any] | None = None
) -> bool:
    """May this user write this row of an admin-written table (``current``: the row now, None for a new
    one)?  Admins always; managers the tables declared ``managers_write`` (knowledge base, sequence
    templates, the territory tree, memberships and rules), a territory by its place in the tree: itself when
    it exists, its parent when it is new or moves.  Rows that name a territory are checked against it by
    :func:`may_write_row`."""
    if who is None or who.is_admin:
        return True
    if not who.is_manager or table not in tables.MANAGER_WRITTEN:
        return False
    if table == Territory.__tablename__:
        new = new or {}
        visible = who.territories
        parent = new.get("parent_id", current["parent_id"] if current is not None else None)
        if current is not None and current["id"] not in visible:
            return False
        return parent in visible if current is None or "parent_id" in new else True
    return True


def may_carry_with_account(who: Who, from_id: str | None, to_id: str | None) -> bool:
    """May the central store, acting for this user, move a company record (an order) from one territory to
    the other along with its account?  Admins always; others between territories they see."""
    if who is None or who.is_admin:
        return True
    return from_id in who.territories and to_id in who.territories
