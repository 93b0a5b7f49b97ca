"""Who the user is and what they may do: every permission rule, written once.

The window, the command line, the core services and sync all ask here.  The central store applies the
same rules to each push (``server.apply``) and, on PostgreSQL, row-level security applies them again in the
database (migrations c0002, c0004, c0301); ``tests/integration/test_access_policies.py`` walks these rules
against those policies so that the two cannot drift.

An :class:`Identity` is a user of the company: their role (``rep``, ``manager``, ``admin``) and the
territories they see (a rep their own, a manager theirs and everything below them, an admin every one).
On a laptop, :func:`this_user` is the user it syncs as; ``None`` means a laptop never connected to a
central store, whose user keeps their own data and so may do everything in it.  A laptop connected but
not synced yet knows the login only: its role is ``unknown`` and it is offered nothing company-wide.

The rules take ``Identity | None`` and answer True or False; the ``require_*`` functions raise
:class:`NotPermitted`, whose message says who may.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from sfa_desktop.core import audience
from sfa_desktop.core.access.announcements import (
    announcement_refusal,
)
from sfa_desktop.core.access.attachments import (
    may_use_blob,
)
from sfa_desktop.core.access.call_sheets import (
    Person,
    call_sheet_people,
    call_sheet_refusal,
    in_team,
    managers,
    may_print_call_sheet,
    may_see_agenda,
    people,
)
from sfa_desktop.core.access.comments import (
    may_edit_comment,
)
from sfa_desktop.core.access.identity import (
    ROLES,
    TERRITORY_COLUMNED,
    Identity,
    NotPermitted,
    Who,
    identify,
    record_defaults,
    signed_in,
    territories_above,
    this_user,
    visible_territories,
)
from sfa_desktop.core.access.knowledge import (
    may_author_articles,
    may_manage_sequences,
)
from sfa_desktop.core.access.records import (
    TEAM_TABLES,
    may_move,
    may_write,
    sees,
)
from sfa_desktop.core.access.reference import (
    may_carry_with_account,
    may_write_reference,
)
from sfa_desktop.core.access.service_requests import (
    REQUEST_COMMENTS,
    REQUEST_WORKFLOW,
    SERVICE_REQUESTS,
    WORKING_STATUSES,
    handles_requests,
    may_handle_request,
    may_raise_request,
    may_set_request_status,
    may_write_comment,
    may_write_request,
    request_refusal,
)
from sfa_desktop.core.access.service_terms import (
    MANAGER_ACCOUNT_FIELDS,
    _changes_service_terms,
    may_set_service_terms,
)
from sfa_desktop.core.records import tables
from sfa_desktop.core.records.models import Territory

# -- records of a territory -----------------------------------------------------------------------------


# -- reference data and company records -----------------------------------------------------------------


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


# -- comments -------------------------------------------------------------------------------------------


# -- territories ----------------------------------------------------------------------------------------


def manages(who: Who) -> bool:
    """May edit territories, memberships and rules (somewhere) and move records between territories."""
    return who is None or who.is_admin or who.is_manager


def may_edit_territory(who: Who, territory: Mapping[str, Any]) -> bool:
    return may_write_row(who, Territory.__tablename__, territory, {})


def may_add_territory(who: Who, parent_id: str | None) -> bool:
    return may_write_row(who, Territory.__tablename__, None, {"parent_id": parent_id})


def may_move_territory(who: Who, territory: Mapping[str, Any], parent_id: str | None) -> bool:
    return may_write_row(who, Territory.__tablename__, territory, {"parent_id": parent_id})


def may_edit_in(who: Who, territory_id: str) -> bool:
    """May the user change the memberships and assignment rules of this territory?"""
    return may_write_row(who, "territory_rules", None, {"territory_id": territory_id})


def describe(who: Who) -> str:
    """What the user may change in the territory tree, in a sentence."""
    if who is None:
        return "This laptop is not connected to a central store: you may change everything in it."
    if who.is_admin:
        return f"{who.name}, administrator: you may change every territory."
    if who.is_manager:
        return f"{who.name}, manager: you change the territories you manage and those below them."
    return f"{who.name}, sales rep: territories are changed by your manager."


# -- knowledge base, sequences --------------------------------------------------------------------------


# -- announcements (their audience rules: ``core.audience``) ---------------------------------------------


# -- service requests and complaints ---------------------------------------------------------------------


# -- people: call sheets and agendas --------------------------------------------------------------------


# -- this laptop's user, bound ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rights:
    """This module's rules bound to one user (this laptop's: :func:`rights`), for screens that ask many of
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


# -- refusing -------------------------------------------------------------------------------------------


def who_may(table: str) -> str:
    """Who may write this table, for messages: 'administrators', 'managers and administrators'..."""
    if table in tables.COMPANY_TABLES or (
        table in tables.ADMIN_WRITTEN and table not in tables.MANAGER_WRITTEN
    ):
        return "administrators"
    if table in tables.MANAGER_WRITTEN:
        territory = " of the territory (or one above it)" if table in TERRITORY_COLUMNED else ""
        return f"managers{territory} and administrators"
    return "the users who hold the record's territory (or its owner), and administrators"


def refusal(who: Identity, table: str, what: str) -> NotPermitted:
    """The error for a write ``who`` may not make to ``table``; ``what`` names it for people."""
    if table in tables.ADMIN_WRITTEN:
        may = who_may(table)
        ask = "an administrator" if may == "administrators" else "one of them"
        return NotPermitted(f"Only {may} change {what}; {who.signed_in_as()}. Ask {ask}, or sign in as one.")
    return NotPermitted(
        f"You may not change {what}: it belongs to a territory that is not yours ({who.signed_in_as()}). "
        "Its territory's people, their managers and administrators may; ask your manager or an administrator."
    )


def require_reference_writer(db: Connection | Session, table: str, what: str) -> None:
    """Raise NotPermitted unless this laptop's user may change rows of ``table`` (as the central store will
    judge); ``what`` names them for people."""
    who = this_user(db)
    if not may_write_reference(who, table):
        assert who is not None
        raise refusal(who, table, what)


def require_write(
    db: Connection | Session, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any], what: str
) -> None:
    """Raise NotPermitted unless this laptop's user may make this write (see :func:`may_write_here`)."""
    who = user_of(db)
    if not may_write_here(who, table, current, new):
        assert who is not None
        if _changes_service_terms(table, current, new) and not may_set_service_terms(who):
            raise NotPermitted(
                f"An account's segment and visit frequency are set by managers; {who.signed_in_as()}. "
                "Ask your manager to change them."
            )
        raise refusal(who, table, what)


_IDENTITY = "sfa_access_identity"


def user_of(db: Connection | Session) -> Identity | None:
    """:func:`this_user`, remembered for the rest of a Session's transaction (the services ask per write),
    or whom :func:`check_as` named."""
    if not isinstance(db, Session):
        return this_user(db)
    if _IDENTITY not in db.info:
        check_as(db, this_user(db))
    found: Identity | None = db.info[_IDENTITY]
    return found


def check_as(session: Session, who: Identity | None) -> None:
    """Check this Session's writes, until its transaction ends, against ``who`` instead of this laptop's
    user; ``None`` checks nothing (a laptop of its own).  For tools that act for someone, and for tests of
    what the central store does with a laptop that writes behind its services' back."""
    from sqlalchemy import event

    def forget(*_args: Any) -> None:
        session.info.pop(_IDENTITY, None)

    if _IDENTITY not in session.info:
        event.listen(session, "after_commit", forget, once=True)
        event.listen(session, "after_rollback", forget, once=True)
    session.info[_IDENTITY] = who


def note_created(session: Session, table: str, record_id: str, values: Mapping[str, Any]) -> None:
    """A territory this Session's user just created below one of theirs is theirs too (its memberships
    and rules may follow in the same transaction), as the central store grows a manager's territories
    within one push."""
    who = session.info.get(_IDENTITY)
    if table == Territory.__tablename__ and who is not None and values.get("parent_id") in who.territories:
        session.info[_IDENTITY] = replace(who, territories=who.territories | {record_id})


__all__ = [
    "MANAGER_ACCOUNT_FIELDS",
    "REQUEST_COMMENTS",
    "REQUEST_WORKFLOW",
    "ROLES",
    "SERVICE_REQUESTS",
    "TEAM_TABLES",
    "TERRITORY_COLUMNED",
    "WORKING_STATUSES",
    "Identity",
    "NotPermitted",
    "Person",
    "Rights",
    "Who",
    "announcement_refusal",
    "call_sheet_people",
    "call_sheet_refusal",
    "check_as",
    "describe",
    "handles_requests",
    "identify",
    "in_team",
    "managers",
    "manages",
    "may_add_territory",
    "may_author_articles",
    "may_carry_with_account",
    "may_edit_comment",
    "may_edit_in",
    "may_edit_territory",
    "may_handle_request",
    "may_manage_sequences",
    "may_move",
    "may_move_territory",
    "may_print_call_sheet",
    "may_raise_request",
    "may_see_agenda",
    "may_see_row",
    "may_set_request_status",
    "may_set_service_terms",
    "may_use_blob",
    "may_write",
    "may_write_comment",
    "may_write_here",
    "may_write_reference",
    "may_write_request",
    "may_write_row",
    "note_created",
    "people",
    "record_defaults",
    "refusal",
    "request_refusal",
    "require_reference_writer",
    "require_write",
    "rights",
    "sees",
    "signed_in",
    "territories_above",
    "this_user",
    "user_of",
    "visible_territories",
    "who_may",
]
