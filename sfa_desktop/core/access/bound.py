"""This laptop's user, bound: the rules bound to one user, for screens that ask many of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from sfa_desktop.core.access.identity import Identity, this_user
from sfa_desktop.core.access.records import may_move
from sfa_desktop.core.access.rows import may_write_row
from sfa_desktop.core.access.territories import (
    describe,
    manages,
    may_add_territory,
    may_edit_in,
    may_edit_territory,
    may_move_territory,
)


@dataclass(frozen=True)
class Rights:
    """``core.access``'s rules bound to one user (this laptop's: :func:`rights`), for screens that ask many of
    them; the window and ``sfa`` offer exactly what the central store will accept."""

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
        return manages(self.identity)

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
        return may_move(self.identity, from_id, to_id, owner_id)

    def may_write(self, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
        return may_write_row(self.identity, table, current, new)

    def may_edit_territory(self, territory: Mapping[str, Any]) -> bool:
        return may_edit_territory(self.identity, territory)

    def may_add_territory(self, parent_id: str | None) -> bool:
        return may_add_territory(self.identity, parent_id)

    def may_move_territory(self, territory: Mapping[str, Any], parent_id: str | None) -> bool:
        return may_move_territory(self.identity, territory, parent_id)

    def may_edit_in(self, territory_id: str) -> bool:
        return may_edit_in(self.identity, territory_id)

    def describe(self) -> str:
        return describe(self.identity)


def rights(db: Connection | Session) -> Rights:
    """The rights of this laptop's user (``this_user``)."""
    who = this_user(db)
    return Rights(who, who.name if who is not None else "")
