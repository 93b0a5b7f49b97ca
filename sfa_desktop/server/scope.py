"""Who may see and write what on the central store (DESIGN.md, sync rule 4), as sync applies it.

Territory tables hold records that belong to one territory (accounts carry it; contacts, opportunities and
activities follow their account; leads carry their own); reference tables go to everyone.  The table lists
come from the facts declared on the models (``core.records.tables``) and the rules from ``core.access``,
where they are written once; on PostgreSQL row-level security enforces the same rules in the database
itself (migrations c0002, c0004).
"""

from __future__ import annotations

from sqlalchemy import Connection

from sfa_desktop.core import access
from sfa_desktop.core.access import Identity, may_write, may_write_reference, may_write_row
from sfa_desktop.core.records import tables
from sfa_desktop.server.central import Incompatible, Revoked

TERRITORY_TABLES = tables.TERRITORY_TABLES
REFERENCE_TABLES = tables.REFERENCE_TABLES
#: Tables only admins write: reference data, and the sales history that comes from the company's systems.
ADMIN_WRITTEN = tables.ADMIN_WRITTEN
#: ... except that managers write these too: the knowledge base and sequence templates everywhere, the
#: territory tree, memberships and assignment rules below their own territories.
MANAGER_WRITTEN = tables.MANAGER_WRITTEN
#: Records the central store moves to their account's new territory itself (no laptop may write them).
MOVED_WITH_ACCOUNT = tables.COMPANY_TABLES

__all__ = [
    "ADMIN_WRITTEN",
    "MANAGER_WRITTEN",
    "MOVED_WITH_ACCOUNT",
    "REFERENCE_TABLES",
    "TERRITORY_TABLES",
    "Identity",
    "identify",
    "may_write",
    "may_write_reference",
    "may_write_row",
]


def identify(conn: Connection, login: str) -> Identity:
    """The identity of an active user of the central store.

    Revoked (the one answer that wipes a laptop) only when the store knows the user and says they may no
    longer sync (made inactive or removed); a store that has no such user at all is another company's, or
    one restored from before the user existed: Incompatible, and nothing is wiped."""
    found = access.identify(conn, login=login, active=True)
    if found is not None:
        return found
    if access.identify(conn, login=login) is None:
        raise Incompatible(
            f"This central store has no user '{login}': it is not the store this laptop syncs with, or the "
            "user was never granted access. Nothing on this laptop was changed; check the store's address."
        )
    raise Revoked(f"The central store no longer accepts '{login}': access was revoked.")
