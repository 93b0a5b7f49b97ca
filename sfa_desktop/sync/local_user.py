"""Compatibility: who uses this laptop, now ``core.access`` (``this_user``, ``may_write_reference``,
``require_reference_writer``, ``NotPermitted``).  Kept for the callers that have not switched yet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from sfa_desktop.core import access
from sfa_desktop.core.access import NotPermitted, require_reference_writer

__all__ = ["LocalUser", "NotPermitted", "local_user", "may_write_reference", "require_reference_writer"]


@dataclass(frozen=True)
class LocalUser:
    user_id: str
    login: str
    role: str
    full_name: str


def local_user(conn: Connection) -> LocalUser | None:
    """The user this laptop syncs as; None when it was never connected (``access.this_user``)."""
    who = access.this_user(conn)
    if who is None:
        return None
    return LocalUser(who.user_id, who.login, who.role, who.name)


def may_write_reference(user: LocalUser | None, table: str) -> bool:
    """May this laptop's user change rows of an admin-written table (as the central store will judge)?"""
    if user is None:
        return True
    return access.may_write_reference(
        access.Identity(user.user_id, user.login, user.role, frozenset()), table
    )
