"""The territory hierarchy: the tree with its members and rules, a territory's descendants, and the checks
that keep edits of the tree safe.

Choosing a parent territory anywhere in the app includes all its children: the record lists' territory
filter (``store.lists``) uses :func:`subtree_sql`, the territory report :func:`descendants`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.validation import ValidationError

_SUBTREE = (
    "WITH RECURSIVE subtree(id) AS ("
    "SELECT id FROM territories WHERE id = :{param} "
    "UNION SELECT t.id FROM territories t JOIN subtree s ON t.parent_id = s.id WHERE t.deleted_at IS NULL"
    ") SELECT id FROM subtree"
)


def subtree_sql(param: str) -> str:
    """SQL selecting the id of the territory given as ``:param`` and of every live territory below it."""
    if not param.isidentifier():
        raise ValueError(f"not a parameter name: {param!r}")
    return _SUBTREE.format(param=param)


def _conn(db: Connection | Session) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def descendants(db: Connection | Session, territory_id: str) -> list[str]:
    """The territory and every live territory below it (the territory first)."""
    rows = _conn(db).execute(text(subtree_sql("t")), {"t": territory_id}).scalars().all()
    return [territory_id, *(r for r in rows if r != territory_id)]


def below(parents: Iterable[str], children_of: dict[str | None, list[str]]) -> set[str]:
    """These territories and everything below them, given each territory's children."""
    found: set[str] = set()
    stack = list(parents)
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children_of.get(current, ()))
    return found


class TerritoryError(UserError, ValueError):
    """A territory edit that cannot be made; the message says why and what to do."""


@dataclass
class Member:
    membership_id: str
    user_id: str
    login: str
    full_name: str
    role: str


@dataclass
class TerritoryNode:
    id: str
    code: str
    name: str
    parent_id: str | None
    description: str | None
    depth: int = 0
    accounts: int = 0  # held directly
    leads: int = 0
    rules: int = 0
    members: list[Member] = field(default_factory=list)
    children: list[TerritoryNode] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    def walk(self) -> Iterator[TerritoryNode]:
        """This territory and everything below it, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def total_accounts(self) -> int:
        return sum(n.accounts for n in self.walk())

    @property
    def total_leads(self) -> int:
        return sum(n.leads for n in self.walk())


def load_tree(db: Connection | Session) -> list[TerritoryNode]:
    """Every live territory as a tree (roots sorted by name, children too), with what this laptop holds
    of each: accounts and open leads held directly, members and active rules."""
    conn = _conn(db)
    nodes = {
        row.id: TerritoryNode(row.id, row.code, row.name, row.parent_id, row.description)
        for row in conn.execute(
            text("SELECT id, code, name, parent_id, description FROM territories WHERE deleted_at IS NULL")
        )
    }
    counts = (
        ("accounts", "SELECT territory_id, count(*) FROM accounts WHERE deleted_at IS NULL GROUP BY 1"),
        (
            "leads",
            "SELECT territory_id, count(*) FROM leads WHERE deleted_at IS NULL AND status != 'converted' "
            "GROUP BY 1",
        ),
        (
            "rules",
            "SELECT territory_id, count(*) FROM territory_rules WHERE deleted_at IS NULL AND active "
            "GROUP BY 1",
        ),
    )
    for attribute, sql in counts:
        for territory_id, number in conn.execute(text(sql)):
            if territory_id in nodes:
                setattr(nodes[territory_id], attribute, int(number))
    members = conn.execute(
        text(
            "SELECT m.id, m.territory_id, u.id, u.login, u.full_name, m.role FROM territory_memberships m "
            "JOIN users u ON u.id = m.user_id WHERE m.deleted_at IS NULL AND u.deleted_at IS NULL "
            "ORDER BY m.role DESC, u.full_name"
        )
    )
    for membership_id, territory_id, user_id, login, full_name, role in members:
        if territory_id in nodes:
            nodes[territory_id].members.append(Member(membership_id, user_id, login, full_name, role))
    roots: list[TerritoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.name.casefold())
    roots.sort(key=lambda n: n.name.casefold())
    for root in roots:
        _set_depth(root, 0)
    return roots


def _set_depth(node: TerritoryNode, depth: int) -> None:
    node.depth = depth
    for child in node.children:
        _set_depth(child, depth + 1)


def flatten(roots: Iterable[TerritoryNode]) -> list[TerritoryNode]:
    """The tree in display order: each territory followed by its children."""
    return [node for root in roots for node in root.walk()]


def find(roots: Iterable[TerritoryNode], territory_id: str) -> TerritoryNode | None:
    return next((n for n in flatten(roots) if n.id == territory_id), None)


def delete_territory(session: Session, territory_id: str) -> int:
    """Delete a territory that no longer holds anything: with its memberships and rules, in the caller's
    transaction.  Refused (TerritoryError) while it has territories below it or holds accounts or leads
    on this laptop.  Returns the number of records deleted."""
    record = services.get(session, "territories", territory_id)
    conn = session.connection()
    label = f"{record.name} ({record.code})"  # type: ignore[attr-defined]
    children = conn.execute(
        text("SELECT count(*) FROM territories WHERE parent_id = :t AND deleted_at IS NULL"),
        {"t": territory_id},
    ).scalar_one()
    if children:
        raise TerritoryError(
            f"{label} has {children} territor{'y' if children == 1 else 'ies'} below it: move or delete "
            "them first."
        )
    held = []
    for table, noun in (("accounts", "account"), ("leads", "lead")):
        number = conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE territory_id = :t AND deleted_at IS NULL"),
            {"t": territory_id},
        ).scalar_one()
        if number:
            held.append(f"{number:,} {noun}{'s' if number != 1 else ''}")
    if held:
        raise TerritoryError(
            f"{label} still holds {' and '.join(held)}: give them another territory first (an "
            "assignment rule and Run assignment, or edit them)."
        )
    deleted = 0
    for table in ("territory_memberships", "territory_rules"):
        ids = conn.execute(
            text(f"SELECT id FROM {table} WHERE territory_id = :t AND deleted_at IS NULL"),
            {"t": territory_id},
        ).scalars()
        for record_id in list(ids):
            deleted += services.delete(session, table, record_id)
    return deleted + services.delete(session, "territories", territory_id)


def add_member(session: Session, territory_id: str, user_id: str, role: str = "rep") -> str:
    """Make a user a member of a territory (as a rep or a manager)."""
    taken = session.connection().execute(
        text(
            "SELECT 1 FROM territory_memberships WHERE territory_id = :t AND user_id = :u "
            "AND deleted_at IS NULL"
        ),
        {"t": territory_id, "u": user_id},
    )
    if taken.first() is not None:
        raise ValidationError({"user_id": "That user is already a member of this territory."})
    record = services.create(
        session, "territory_memberships", {"territory_id": territory_id, "user_id": user_id, "role": role}
    )
    return record.id
