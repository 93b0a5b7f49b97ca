"""What the local user may change, by the rules the central store applies to their pushes (``scope``), so
that the window and ``sfa`` offer exactly that and nothing comes back as "not permitted".

The identity is built from this laptop's copy of the users, territories and memberships (all reference
data, so every laptop has them) and the user ``sync.local_user`` names.  A laptop never connected to a
central store belongs to no one else: its user may change everything in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.territories.tree import below
from sfa_desktop.sync import scope
from sfa_desktop.sync.local_user import local_user
from sfa_desktop.sync.scope import Identity


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
        return self.identity is None or self.identity.is_admin or self.identity.is_manager

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
        """May the user move a record (of this owner) from one territory to the other?"""
        if self.identity is None:
            return True
        return scope.may_write(self.identity, from_id, owner_id) and scope.may_write(
            self.identity, to_id, owner_id
        )

    def may_write(self, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
        """Would the central store accept this write (``current``: the row now, None for a new one)?"""
        identity = self.identity
        if identity is None:
            return True
        if table in scope.ADMIN_WRITTEN and not scope.may_write_reference(identity, table, current, new):
            return False
        if table in ("territory_memberships", "territory_rules", *scope.TERRITORY_TABLES):
            territory = new.get("territory_id", current.get("territory_id") if current else None)
            if not scope.may_write(identity, territory, new.get("owner_id")):
                return False
            if current is not None and not scope.may_write(identity, current.get("territory_id"), None):
                return False
        return True

    def may_edit_territory(self, territory: Mapping[str, Any]) -> bool:
        return self.may_write("territories", territory, {})

    def may_add_territory(self, parent_id: str | None) -> bool:
        return self.may_write("territories", None, {"parent_id": parent_id})

    def may_move_territory(self, territory: Mapping[str, Any], parent_id: str | None) -> bool:
        return self.may_write("territories", territory, {"parent_id": parent_id})

    def may_edit_in(self, territory_id: str) -> bool:
        """May the user change the memberships and rules of this territory?"""
        return self.may_write("territory_rules", None, {"territory_id": territory_id})

    def describe(self) -> str:
        if self.identity is None:
            return "This laptop is not connected to a central store: you may change everything in it."
        who = self.full_name or self.identity.login
        if self.identity.is_admin:
            return f"{who}, administrator: you may change every territory."
        if self.identity.is_manager:
            return f"{who}, manager: you change the territories you manage and those below them."
        return f"{who}, sales rep: territories are changed by your manager."


def load(conn: Connection) -> LocalRights:
    """The rights of this laptop's user (``local_user``: the one answer to who that is)."""
    user = local_user(conn)
    if user is None:
        return LocalRights(None)
    tree = conn.execute(text("SELECT id, parent_id FROM territories WHERE deleted_at IS NULL")).all()
    if user.role == "admin":
        visible = {t.id for t in tree}
    else:
        children: dict[str | None, list[str]] = {}
        for t in tree:
            children.setdefault(t.parent_id, []).append(t.id)
        live = {t.id for t in tree}
        roots = conn.execute(
            text("SELECT territory_id FROM territory_memberships WHERE user_id = :u AND deleted_at IS NULL"),
            {"u": user.user_id},
        ).scalars()
        visible = below([r for r in roots if r in live], children)
    return LocalRights(Identity(user.user_id, user.login, user.role, frozenset(visible)), user.full_name)
