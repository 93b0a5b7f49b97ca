"""Records of a territory: who sees (holds) and writes the records of a territory, or, without one, of an
owner."""

from __future__ import annotations

from sfa_desktop.core.access.identity import Who
from sfa_desktop.core.records import tables

#: Records that a rep may make with no territory yet (a lead of their own), which their manager sees too.
TEAM_TABLES = frozenset({"leads"})


def sees(who: Who, territory_id: str | None, owner_id: str | None = None, table: str | None = None) -> bool:
    """May the user see (hold) a record of this territory, or one without a territory of this owner?  A
    manager also sees the records of ``TEAM_TABLES`` without a territory that their team own.  Rows of an
    owner-only table (``tables.OWNER_ONLY``: a user's read state) are their owner's alone, whoever asks."""
    if table in tables.OWNER_ONLY:
        return who is None or (territory_id is None and owner_id is not None and owner_id == who.user_id)
    if who is None or who.is_admin:
        return True
    if territory_id is None:
        if owner_id is None:
            return False
        return owner_id == who.user_id or (table in TEAM_TABLES and who.is_manager and owner_id in who.team)
    return territory_id in who.territories


def may_write(who: Who, territory_id: str | None, owner_id: str | None, table: str | None = None) -> bool:
    """May the user write a record of this territory (or, without one, of this owner)?  The same as seeing
    it: everyone edits the records they hold."""
    return sees(who, territory_id, owner_id, table)


def may_move(who: Who, from_id: str | None, to_id: str | None, owner_id: str | None) -> bool:
    """May the user move a record (of this owner) from one territory to the other?"""
    return may_write(who, from_id, owner_id) and may_write(who, to_id, owner_id)
