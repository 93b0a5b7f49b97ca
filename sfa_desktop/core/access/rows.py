"""The rules per synced table: :func:`may_write_row` (what the central store accepts of a push) and
:func:`may_see_row` hand each table to its feature's rules; :func:`may_write_here` is what a laptop's
services refuse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core import audience
from sfa_desktop.core.access.comments import AUTHORS_OWN, COMMENTS, may_write_authored
from sfa_desktop.core.access.identity import TERRITORY_COLUMNED, Who
from sfa_desktop.core.access.records import may_write, sees
from sfa_desktop.core.access.reference import may_write_reference
from sfa_desktop.core.access.service_requests import (
    REQUEST_COMMENTS,
    SERVICE_REQUESTS,
    may_write_comment,
    may_write_request,
)
from sfa_desktop.core.access.service_terms import _changes_service_terms, may_set_service_terms
from sfa_desktop.core.records import tables


def may_write_row(who: Who, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Would the central store accept this write of a synced row (``current``: the row now, None for a new
    one; ``new``: the values written)?  The one rule ``server.apply`` applies to every push."""
    if who is None:
        return True
    if table == audience.ANNOUNCEMENTS:  # announcements and receipts: ``core.audience``
        return audience.may_write_announcement(who, current, new)
    if table == audience.RECEIPTS:
        return audience.may_write_receipt(who, current, new)
    if table in tables.ADMIN_WRITTEN and not may_write_reference(who, table, current, new):
        return False
    if _changes_service_terms(table, current, new) and not may_set_service_terms(who):
        return False
    if table in TERRITORY_COLUMNED:
        territory_now = current.get("territory_id") if current is not None else None
        owner_now = current.get("owner_id") if current is not None else None
        territory = new.get("territory_id", territory_now)
        if not may_write(who, territory, new.get("owner_id", owner_now), table):
            return False
        if current is not None and not may_write(who, territory_now, owner_now, table):
            return False
    if table == SERVICE_REQUESTS:
        return may_write_request(who, current, new)
    if table == REQUEST_COMMENTS:
        return may_write_comment(who, current, new)
    if table == COMMENTS:
        return may_write_authored(who, current, new, AUTHORS_OWN)
    return True


def may_see_row(who: Who, table: str, row: Mapping[str, Any]) -> bool:
    """May the user see (hold) this row of a synced table?  Reference data: everyone; otherwise
    :func:`sees` its territory (or owner)."""
    if table in tables.REFERENCE_TABLES:
        return True
    if table == audience.ANNOUNCEMENTS:
        return audience.receives_announcement(who, row)
    if (
        table == audience.RECEIPTS
    ):  # own ones; the writer's and managers' need the announcement (may_see_receipt)
        return who is None or who.is_admin or row.get("user_id") == who.user_id
    return sees(who, row.get("territory_id"), row.get("owner_id"), table)


def may_write_here(who: Who, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """What the services of a laptop refuse before anything is written: :func:`may_write_row`, except for a
    territory-scoped record that has no territory before or after the write.  The central store judges such
    a record by its owner, which records made on a laptop do not always name yet (a new lead, say), so the
    laptop keeps it and the central store decides when it arrives."""
    if table in tables.TERRITORY_TABLES and table not in tables.COMPANY_TABLES:
        territory_now = current.get("territory_id") if current is not None else None
        if new.get("territory_id", territory_now) is None and territory_now is None:
            return True
    return may_write_row(who, table, current, new)
