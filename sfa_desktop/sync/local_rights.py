"""What the local user may change: the rules of ``core.access`` bound to this laptop's user, so that the
window and ``sfa`` offer exactly what the central store will accept and nothing comes back as "not
permitted".  Kept for the callers that have not switched to ``core.access`` yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from sfa_desktop.core import access
from sfa_desktop.core.access import Identity


@dataclass(frozen=True)
class LocalRights:
    #: None when this laptop is not connected (its own data: everything may change).
    identity: Identity | None
    full_name: str = ""

    @property
    def connected(self) -> bool:
        return self.identity is not None

    @property
    def role(self) -> str:
        return "admin" if self.identity is None else self.identity.role

    @property
    def manages(self) -> bool:
        """May edit territories, memberships and rules (somewhere) and move records between territories."""
        return access.manages(self.identity)

    @property
    def visible(self) -> frozenset[str] | None:
        """The territories whose records the user holds (None: all of them)."""
        if self.identity is None or self.identity.is_admin:
            return None
        return self.identity.territories

    def sees(self, territory_id: str | None) -> bool:
        """Is this territory one of the user's (a member of it or of one above it)?"""
        if self.identity is None or self.identity.is_admin:
            return True
        return territory_id in self.identity.territories

    def may_move(self, from_id: str | None, to_id: str | None, owner_id: str | None) -> bool:
        return access.may_move(self.identity, from_id, to_id, owner_id)

    def may_write(self, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
        return access.may_write_row(self.identity, table, current, new)

    def may_edit_territory(self, territory: Mapping[str, Any]) -> bool:
        return access.may_edit_territory(self.identity, territory)

    def may_add_territory(self, parent_id: str | None) -> bool:
        return access.may_add_territory(self.identity, parent_id)

    def may_move_territory(self, territory: Mapping[str, Any], parent_id: str | None) -> bool:
        return access.may_move_territory(self.identity, territory, parent_id)

    def may_edit_in(self, territory_id: str) -> bool:
        return access.may_edit_in(self.identity, territory_id)

    def describe(self) -> str:
        return access.describe(self.identity)


def load(conn: Connection) -> LocalRights:
    """The rights of this laptop's user (``access.this_user``)."""
    who = access.this_user(conn)
    return LocalRights(who, who.name if who is not None else "")
