"""Who announcements are for and who oversees them: the permission rules of announcements and their read
receipts (``core.access`` re-exports them, and its ``may_write_row`` and ``may_see_row`` apply them).

A user here is anything shaped like ``access.Identity`` (:class:`Person`); ``None`` is a laptop never
connected to a central store, whose user may do everything in it.  The central store applies the same rules
to pushes (``server.apply``) and pulls (``server.audience``), and row-level security again (c0702).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Person(Protocol):
    """What the rules read of a user (``access.Identity``)."""

    @property
    def user_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def territories(self) -> frozenset[str]: ...
    @property
    def team(self) -> frozenset[str]: ...
    @property
    def above(self) -> frozenset[str]: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def is_manager(self) -> bool: ...


Who = Person | None

ANNOUNCEMENTS = "announcements"
RECEIPTS = "announcement_receipts"
#: Whom an announcement is for: everyone, a territory with its children, or the users of a role.
AUDIENCES = ("everyone", "territory", "role")
AUDIENCE_ROLES = ("rep", "manager")
#: What no one changes once an announcement is posted (withdraw it and post another instead): laptops
#: received it by its audience, and would keep a copy they should no longer have.
AUDIENCE_COLUMNS = ("audience", "audience_territory_id", "audience_role", "author_id")


def may_post_announcement(who: Who, audience: str, territory_id: str | None = None) -> bool:
    """May the user post an announcement to this audience?  The office (admins) to anyone; a manager to
    a territory they manage (theirs or one below it); a rep never."""
    if who is None or who.is_admin:
        return True
    return who.is_manager and audience == "territory" and territory_id in who.territories


def may_write_announcement(who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Would the central store accept this write of an announcement?  Admins any; a manager their own,
    addressed to a territory they manage, its audience and author unchanged once posted."""
    if who is None or who.is_admin:
        return True
    if not who.is_manager:
        return False
    merged = {**(current or {}), **new}
    if merged.get("author_id") != who.user_id:
        return False
    if current is not None:
        if current.get("author_id") != who.user_id:
            return False
        if any(k in new and new[k] != current.get(k) for k in AUDIENCE_COLUMNS):
            return False
    return may_post_announcement(who, str(merged.get("audience")), merged.get("audience_territory_id"))


def may_write_receipt(who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Read receipts are written by their reader (admins any)."""
    if who is None or who.is_admin:
        return True
    if current is not None and current.get("user_id") != who.user_id:
        return False
    return {**(current or {}), **new}.get("user_id") == who.user_id


def addressed_to(who: Who, row: Mapping[str, Any]) -> bool:
    """Is the announcement addressed to the user (for them to read, counted unread until they do)?
    Everyone; the users of its role; the members of its territory and of every territory below it."""
    audience = row.get("audience")
    if audience == "everyone":
        return True
    if who is None:
        return False
    if audience == "role":
        return row.get("audience_role") == who.role
    if audience == "territory":
        return row.get("audience_territory_id") in who.above
    return False


def oversees_announcement(who: Who, row: Mapping[str, Any]) -> bool:
    """Does the user oversee the announcement (sees it and who has read it)?  Its writer, admins, and a
    manager whose territories hold its audience (a territory they manage, reps, or everyone: for the
    people of their team)."""
    if who is None or who.is_admin or row.get("author_id") == who.user_id:
        return True
    if not who.is_manager:
        return False
    audience = row.get("audience")
    if audience == "territory":
        return row.get("audience_territory_id") in who.territories
    # their team is part of everyone, and reps are who they manage
    return audience == "everyone" or (audience == "role" and row.get("audience_role") == "rep")


def receives_announcement(who: Who, row: Mapping[str, Any]) -> bool:
    """Does the announcement go to the user's laptop?  Addressed to them, or overseen by them."""
    return addressed_to(who, row) or oversees_announcement(who, row)


def may_see_receipt(who: Who, receipt_user_id: str | None, announcement: Mapping[str, Any] | None) -> bool:
    """May the user see this read receipt?  Their own; admins every one; the announcement's writer, and a
    manager over its audience for the people of their team.  Reps never see others' receipts."""
    if who is None or who.is_admin:
        return True
    if receipt_user_id == who.user_id:
        return True
    if announcement is None or not receives_announcement(who, announcement):
        return False
    if announcement.get("author_id") == who.user_id:
        return True
    return who.is_manager and receipt_user_id in who.team


def may_see_read_receipts(who: Who, announcement: Mapping[str, Any]) -> bool:
    """May the user see who has read the announcement (the "Read by" view)?"""
    return who is None or who.is_admin or oversees_announcement(who, announcement)
