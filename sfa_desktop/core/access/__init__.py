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

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from sfa_desktop.core import audience
from sfa_desktop.core.access.identity import (
    ROLES,
    TERRITORY_COLUMNED,
    Identity,
    NotPermitted,
    Who,
    _conn,
    identify,
    record_defaults,
    signed_in,
    territories_above,
    this_user,
    visible_territories,
)
from sfa_desktop.core.records import tables
from sfa_desktop.core.records.models import Territory, User

# -- records of a territory -----------------------------------------------------------------------------


#: Records that a rep may make with no territory yet (a lead of their own), which their manager sees too.
TEAM_TABLES = frozenset({"leads"})


def sees(who: Who, territory_id: str | None, owner_id: str | None = None, table: str | None = None) -> bool:
    """May the user see (hold) a record of this territory, or one without a territory of this owner?  A
    manager also sees the records of ``TEAM_TABLES`` without a territory that their team own.  Rows of an
    owner-only table (``tables.OWNER_ONLY``: a user's read state) are their owner's alone, whoever asks."""
    if table in tables.OWNER_ONLY:
        return who is None or (territory_id is None and owner_id is not None and owner_id == who.user_id)
    if who is None or who.is_admin:
        return True
    if territory_id is None:
        if owner_id is None:
            return False
        return owner_id == who.user_id or (table in TEAM_TABLES and who.is_manager and owner_id in who.team)
    return territory_id in who.territories


def may_write(who: Who, territory_id: str | None, owner_id: str | None, table: str | None = None) -> bool:
    """May the user write a record of this territory (or, without one, of this owner)?  The same as seeing
    it: everyone edits the records they hold."""
    return sees(who, territory_id, owner_id, table)


def may_move(who: Who, from_id: str | None, to_id: str | None, owner_id: str | None) -> bool:
    """May the user move a record (of this owner) from one territory to the other?"""
    return may_write(who, from_id, owner_id) and may_write(who, to_id, owner_id)


# -- reference data and company records -----------------------------------------------------------------


def may_write_reference(
    who: Who, table: str, current: Mapping[str, Any] | None = None, new: Mapping[str, Any] | None = None
) -> bool:
    """May this user write this row of an admin-written table (``current``: the row now, None for a new
    one)?  Admins always; managers the tables declared ``managers_write`` (knowledge base, sequence
    templates, the territory tree, memberships and rules), a territory by its place in the tree: itself when
    it exists, its parent when it is new or moves.  Rows that name a territory are checked against it by
    :func:`may_write_row`."""
    if who is None or who.is_admin:
        return True
    if not who.is_manager or table not in tables.MANAGER_WRITTEN:
        return False
    if table == Territory.__tablename__:
        new = new or {}
        visible = who.territories
        parent = new.get("parent_id", current["parent_id"] if current is not None else None)
        if current is not None and current["id"] not in visible:
            return False
        return parent in visible if current is None or "parent_id" in new else True
    return True


#: Account fields that are a manager's choice (issue 16): the segment whose service level applies and the
#: account's own visit frequency.  Reps see them and plan by them; managers and admins set them.
MANAGER_ACCOUNT_FIELDS = ("segment", "visit_min_days", "visit_max_days")


def may_set_service_terms(who: Who) -> bool:
    """May the user set an account's segment and own visit frequency?  Managers and admins."""
    return who is None or who.is_admin or who.is_manager


def _changes_service_terms(table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    if table != "accounts":
        return False
    return any(
        name in new and new[name] != (current.get(name) if current is not None else None)
        for name in MANAGER_ACCOUNT_FIELDS
    )


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


def may_use_blob(who: Who, references: Iterable[tuple[str | None, str | None]]) -> bool:
    """May the user read (and upload) the bytes of an attachment: does a live attachment naming that content
    sit in a territory (or, without one, with an owner) the user sees?  ``references``: (territory, owner)
    of each live attachment naming it.  Sharing a photo's content with another record shares nothing more:
    whoever sees either record sees the same bytes."""
    return any(sees(who, territory_id, owner_id, "attachments") for territory_id, owner_id in references)


def may_carry_with_account(who: Who, from_id: str | None, to_id: str | None) -> bool:
    """May the central store, acting for this user, move a company record (an order) from one territory to
    the other along with its account?  Admins always; others between territories they see."""
    if who is None or who.is_admin:
        return True
    return from_id in who.territories and to_id in who.territories


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


def may_edit_comment(who: Who, author_id: str | None) -> bool:
    """May the user change or delete this comment?  Its author (and anyone on a laptop never connected,
    which holds one person's data)."""
    return who is None or (author_id is not None and author_id == who.user_id)


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


def may_author_articles(who: Who) -> bool:
    """May the user write (and read the drafts of) knowledge-base articles?  Managers and admins."""
    return may_write_reference(who, "kb_articles")


def may_manage_sequences(who: Who) -> bool:
    """May the user add and change sequence templates?  Managers and admins."""
    return may_write_reference(who, "sequence_templates")


# -- announcements (their audience rules: ``core.audience``) ---------------------------------------------


def announcement_refusal(who: Identity) -> NotPermitted:
    """Why ``who`` may not post (or change) an announcement."""
    if who.is_manager:
        return NotPermitted(
            f"Managers post announcements to the territories they manage; {who.signed_in_as()}. Choose one "
            "of your territories as the audience, or ask the office to post to everyone or a role."
        )
    return NotPermitted(f"Announcements are posted by managers and the office; {who.signed_in_as()}.")


# -- service requests and complaints ---------------------------------------------------------------------

SERVICE_REQUESTS = "service_requests"
REQUEST_COMMENTS = "request_comments"
#: The statuses of a request being worked on, between which its assignee moves it.
WORKING_STATUSES = ("in progress", "waiting on customer")
#: What only the territory's managers (and admins) change on a request; the central store's trigger
#: ``sfa_service_request_guard`` (migration c0701) says the same.
REQUEST_WORKFLOW = ("raised_by_id", "assigned_to_id", "resolved_at", "resolution")


def _stamp(value: Any) -> str | None:
    """A value as the rules compare it: datetimes to the second, as text (the laptop passes datetimes, a
    push the wire's text)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    return str(value).replace("T", " ")[:19]


def _changes(current: Mapping[str, Any], new: Mapping[str, Any], name: str) -> bool:
    return name in new and _stamp(new[name]) != _stamp(current.get(name))


def handles_requests(who: Who) -> bool:
    """Does the user work a territory's queue of requests (assign, answer, resolve, close)?  Its managers
    and admins (and the user of a laptop of its own); reps raise requests, comment on them and, when one is
    assigned to them, move it between "in progress" and "waiting on customer"."""
    return who is None or who.is_admin or who.is_manager


def may_raise_request(who: Who, territory_id: str | None, owner_id: str | None = None) -> bool:
    """May the user raise a request about an account of this territory?  Everyone who sees the account."""
    return sees(who, territory_id, owner_id)


def may_handle_request(who: Who, request: Mapping[str, Any]) -> bool:
    """May the user assign, resolve, close or reopen this request?  A manager who sees its territory, and
    admins."""
    return handles_requests(who) and sees(who, request.get("territory_id"), request.get("owner_id"))


def may_set_request_status(who: Who, request: Mapping[str, Any], status: str) -> bool:
    """May the user give this request this status?  Its handlers any; its assignee (a rep) between the
    working statuses."""
    if may_handle_request(who, request):
        return True
    assert who is not None
    return (
        sees(who, request.get("territory_id"), request.get("owner_id"))
        and request.get("assigned_to_id") == who.user_id
        and request.get("status") in WORKING_STATUSES
        and status in WORKING_STATUSES
    )


def may_write_request(who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """The workflow part of :func:`may_write_row` for ``service_requests`` (the territory part is checked
    there): a rep raises a request as themselves, new and unassigned, and changes neither its raiser, its
    assignee, its resolution nor (but as its assignee, between the working statuses) its status; the
    first-answer time they set only from none, as its assignee.  Everything else (subject, description,
    category, severity, contact, links, the account and territory it moves with) follows the territory."""
    if handles_requests(who):
        return True
    assert who is not None
    if current is None:
        return (
            new.get("raised_by_id") == who.user_id
            and new.get("status", "new") in (None, "new")
            and all(new.get(name) is None for name in ("assigned_to_id", "first_answered_at", "resolved_at"))
        )
    if any(_changes(current, new, name) for name in REQUEST_WORKFLOW):
        return False
    mine = current.get("assigned_to_id") == who.user_id
    if _changes(current, new, "status") and not (
        mine and current.get("status") in WORKING_STATUSES and new.get("status") in WORKING_STATUSES
    ):
        return False
    return not (
        _changes(current, new, "first_answered_at")
        and not (mine and current.get("first_answered_at") is None)
    )


def may_write_comment(who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """A comment on a request is written by its author (an admin may write any); its text and author
    change only by that author (or an admin).  It moves and goes with its account like the request."""
    if who is None or who.is_admin:
        return True
    if current is None:
        return new.get("author_id") == who.user_id
    touched = _changes(current, new, "body") or _changes(current, new, "author_id")
    return not touched or current.get("author_id") == who.user_id


def request_refusal(who: Identity, what: str) -> NotPermitted:
    """The error for a request change that is not ``who``'s to make; ``what`` says which."""
    return NotPermitted(
        f"You may not {what}: a territory's managers and administrators assign, answer for and resolve its "
        f"requests ({who.signed_in_as()}). Add a comment instead, or ask your manager."
    )


# -- people: call sheets and agendas --------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A live user of the company, as the rules about people read them."""

    user_id: str
    full_name: str
    login: str
    role: str
    manager_id: str | None
    active: bool


def people(db: Connection | Session) -> list[Person]:
    """The live users, by full name."""
    users = User.__table__
    rows = _conn(db).execute(
        select(users.c.id, users.c.full_name, users.c.login, users.c.role, users.c.manager_id, users.c.active)
        .where(users.c.deleted_at.is_(None))
        .order_by(users.c.full_name)
    )
    return [
        Person(str(r[0]), str(r[1] or r[2]), str(r[2]), str(r[3] or "rep"), r[4], bool(r[5])) for r in rows
    ]


def managers(everyone: Iterable[Person]) -> dict[str, str | None]:
    """user id -> their manager's id."""
    return {p.user_id: p.manager_id for p in everyone}


def in_team(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """Is this user the user themselves or someone under them (``manager_of``: user id -> manager id, all
    the way up)?  Everyone is in an admin's team, and in that of a laptop never connected."""
    if who is None or who.is_admin or user_id == who.user_id:
        return True
    seen: set[str] = set()
    current = manager_of.get(user_id)
    while current and current not in seen:
        if current == who.user_id:
            return True
        seen.add(current)
        current = manager_of.get(current)
    return False


def may_print_call_sheet(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """May the user print this user's call sheet?  Their own; a manager also those of the people under
    them; an admin everyone's."""
    return in_team(who, user_id, manager_of)


def may_see_agenda(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """May the user show this user's agenda?  The same people as the call sheet."""
    return in_team(who, user_id, manager_of)


def call_sheet_people(who: Who, everyone: list[Person]) -> list[Person]:
    """The active reps whose call sheets the user may print (what the call-sheet dialog offers)."""
    manager_of = managers(everyone)
    return [
        p
        for p in everyone
        if p.active and p.role == "rep" and may_print_call_sheet(who, p.user_id, manager_of)
    ]


def call_sheet_refusal(who: Identity, login: str) -> str:
    """Why ``who`` may not print the call sheet of ``login``: says whose they may print."""
    if who.is_manager:
        return (
            f"You are signed in as the manager {who.login}: {login} does not report to you, so their call "
            "sheet is for their own manager."
        )
    if who.role == "rep":
        return f"You are signed in as the rep {who.login}: call sheets of other reps are for their managers."
    return f"This laptop does not know the role of {who.login} yet: run 'sfa sync' first."


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
