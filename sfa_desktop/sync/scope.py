"""Who may see and write what on the central store (DESIGN.md, sync rule 4).

Territory tables hold records that belong to one territory (accounts carry it; contacts, opportunities and
activities follow their account; leads carry their own); reference tables go to everyone.  A user sees the
territories they are a member of and everything below them; an admin sees every territory.  On PostgreSQL
row-level security enforces the same rule in the database itself (migration c0002).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from sfa_desktop.sync import schema
from sfa_desktop.sync.central import Revoked

TERRITORY_TABLES = (
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "sequence_enrollments",
    "activities",
    "orders",
    "order_lines",
)
REFERENCE_TABLES = (
    "users",
    "territories",
    "territory_memberships",
    "products",
    "pipeline_stages",
    "kb_articles",
    "sequence_templates",
    "territory_rules",
)
#: Tables only admins write: reference data, and the sales history that comes from the company's systems.
ADMIN_WRITTEN = (*REFERENCE_TABLES, "orders", "order_lines")
#: ... except that managers write these too: the knowledge base and sequence templates everywhere, the
#: territory tree, memberships and assignment rules below their own territories.
MANAGER_WRITTEN = (
    "kb_articles",
    "sequence_templates",
    "territories",
    "territory_memberships",
    "territory_rules",
)
#: Records the central store moves to their account's new territory itself (no laptop may write them).
MOVED_WITH_ACCOUNT = ("orders", "order_lines")


@dataclass(frozen=True)
class Identity:
    user_id: str
    login: str
    role: str
    territories: frozenset[str]  # visible: memberships and everything below them

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def identify(conn: Connection, login: str) -> Identity:
    users = schema.SYNCED["users"]
    user = conn.execute(select(users).where(users.c.login == login)).mappings().first()
    if user is None or not user["active"] or user["deleted_at"] is not None:
        raise Revoked(f"The central store has no active user '{login}': access was revoked or never granted.")
    territories = schema.SYNCED["territories"]
    members = schema.SYNCED["territory_memberships"]
    tree = conn.execute(
        select(territories.c.id, territories.c.parent_id).where(territories.c.deleted_at.is_(None))
    ).all()
    if user["role"] == "admin":
        return Identity(user["id"], login, "admin", frozenset(t.id for t in tree))
    roots = set(
        conn.execute(
            select(members.c.territory_id).where(
                members.c.user_id == user["id"], members.c.deleted_at.is_(None)
            )
        ).scalars()
    )
    children: dict[str | None, list[str]] = {}
    for t in tree:
        children.setdefault(t.parent_id, []).append(t.id)
    visible: set[str] = set()
    stack = [r for r in roots if any(t.id == r for t in tree)]
    while stack:
        current = stack.pop()
        if current not in visible:
            visible.add(current)
            stack.extend(children.get(current, ()))
    return Identity(user["id"], login, str(user["role"]), frozenset(visible))


def may_write_reference(
    identity: Identity, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> bool:
    """May this user write this row of an admin-written table?  Admins always; managers the knowledge
    base and sequence templates, and territories, memberships and rules within the territories they see
    (a territory by its place in the tree: itself when it exists, its parent when it is new or moves)."""
    if identity.is_admin:
        return True
    if not identity.is_manager or table not in MANAGER_WRITTEN:
        return False
    if table == "territories":
        visible = identity.territories
        parent = new.get("parent_id", current["parent_id"] if current is not None else None)
        if current is not None and current["id"] not in visible:
            return False
        return parent in visible if current is None or "parent_id" in new else True
    return True  # rows with a territory are checked against it like any territory row


def may_write(identity: Identity, territory: str | None, owner: str | None) -> bool:
    if identity.is_admin:
        return True
    if territory is None:
        return owner == identity.user_id
    return territory in identity.territories
