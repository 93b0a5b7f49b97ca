"""Comments on records, with @mentions (issue 15, item 3).

A comment names its record by table and id (accounts and opportunities now; any table whose rows carry an
``account_id``, or accounts themselves, can have them), follows that account's territory, and is plain text
in which ``@login`` names a user: the ids of the users named are kept with it (``mentions``), and each of
them is told when the comment reaches their laptop (``core.notifications.sources.mentions``).  Shown, a
mention reads as the user's name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.records.models import Account, Comment, User, utcnow

#: The tables whose records take comments (the window shows a Comments section on their pages).
COMMENTABLE = ("accounts", "opportunities")
MAX_LENGTH = 5000
#: ``@login``: not inside a word or an e-mail address; a login's last character is not a full stop.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])")


class CommentError(UserError):
    """A comment cannot be written as given; the message says why and what to do."""


@dataclass(frozen=True)
class CommentView:
    id: str
    author_id: str | None
    author: str
    body: str
    #: The body with each @login shown as @Full Name.
    shown: str
    mentions: tuple[str, ...]  # names
    created_at: dt.datetime
    edited_at: dt.datetime | None
    mine: bool


@dataclass(frozen=True)
class Person:
    user_id: str
    login: str
    name: str


def logins_in(body: str) -> list[str]:
    """The logins ``@named`` in a text, each once, in order."""
    return list(dict.fromkeys(m.group(1).lower() for m in MENTION.finditer(body)))


def resolve_mentions(session: Session, body: str) -> list[str]:
    """The ids of the live users ``@named`` in ``body``; an unknown login is refused, naming it."""
    named = logins_in(body)
    if not named:
        return []
    users = User.__table__
    rows = session.execute(
        select(users.c.id, users.c.login).where(users.c.deleted_at.is_(None), users.c.active.is_(True))
    ).all()
    by_login = {str(login).lower(): str(uid) for uid, login in rows}
    unknown = [login for login in named if login not in by_login]
    if unknown:
        raise CommentError(
            f"There is no user '@{unknown[0]}'. Mention people by their login (type @ for a list), "
            "or write the name without the @."
        )
    return [by_login[login] for login in named]


def account_of(session: Session, table: str, record_id: str) -> str | None:
    """The account a record belongs to (itself for an account; its ``account_id`` otherwise)."""
    if table == Account.__tablename__:
        return record_id
    model = ENTITIES[table].model
    column = getattr(model, "account_id", None)
    if column is None:
        return None
    found = session.execute(select(column).where(model.id == record_id)).scalar()
    return str(found) if found is not None else None


def _check_record(session: Session, table: str, record_id: str) -> None:
    if table not in ENTITIES or table not in COMMENTABLE:
        raise CommentError(
            f"Comments go on {', '.join(COMMENTABLE)}; '{table}' takes none. "
            "Name one of those tables and the record's id."
        )
    services.get(session, table, record_id)  # NotFound says which record is missing


def _clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise CommentError("A comment needs some text.")
    if len(text) > MAX_LENGTH:
        raise CommentError(f"A comment holds at most {MAX_LENGTH} characters ({len(text)} given).")
    return text


def add(session: Session, table: str, record_id: str, body: str) -> Comment:
    """Comment on a record as this laptop's user."""
    _check_record(session, table, record_id)
    text = _clean_body(body)
    mentions = resolve_mentions(session, text)
    author, _login = access.signed_in(session)
    record = services.create(
        session,
        "comments",
        {
            "table_name": table,
            "record_id": record_id,
            "account_id": account_of(session, table, record_id),
            "author_id": author,
            "owner_id": author,
            "body": text,
            "mentions": json.dumps(mentions) if mentions else None,
        },
    )
    assert isinstance(record, Comment)
    return record


def edit(session: Session, comment_id: str, body: str) -> Comment:
    """Change a comment's text (its author only); the mentions are read again."""
    comment = services.get(session, "comments", comment_id)
    assert isinstance(comment, Comment)
    if not access.may_edit_comment(access.user_of(session), comment.author_id):
        raise CommentError("Only the author of a comment may change it.")
    text = _clean_body(body)
    mentions = resolve_mentions(session, text)
    changes = {"body": text, "edited_at": utcnow(), "mentions": json.dumps(mentions) if mentions else None}
    services.update(session, "comments", comment_id, changes)
    return comment


def delete(session: Session, comment_id: str) -> None:
    comment = services.get(session, "comments", comment_id)
    assert isinstance(comment, Comment)
    if not access.may_edit_comment(access.user_of(session), comment.author_id):
        raise CommentError("Only the author of a comment may delete it.")
    services.delete(session, "comments", comment_id)


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    users = User.__table__
    rows = session.execute(select(users.c.id, users.c.login, users.c.full_name)).all()
    return (
        {str(r.id): str(r.full_name or r.login) for r in rows},
        {str(r.login).lower(): str(r.full_name or r.login) for r in rows},
    )


def shown(body: str, name_of_login: dict[str, str]) -> str:
    """The body with each known @login written as @Full Name."""

    def name(match: re.Match[str]) -> str:
        found = name_of_login.get(match.group(1).lower())
        return f"@{found}" if found else match.group(0)

    return MENTION.sub(name, body)


def listing(session: Session, table: str, record_id: str) -> list[CommentView]:
    """The live comments on a record, oldest first."""
    _check_record(session, table, record_id)
    c = Comment.__table__
    # an account's own comments by their account: those of accounts merged into it come along
    mine = c.c.account_id == record_id if table == Account.__tablename__ else c.c.record_id == record_id
    rows = session.execute(
        select(c.c.id, c.c.author_id, c.c.body, c.c.mentions, c.c.created_at, c.c.edited_at)
        .where(c.c.table_name == table, mine, c.c.deleted_at.is_(None))
        .order_by(c.c.created_at, c.c.id)
    ).all()
    by_id, by_login = _names(session)
    me, _login = access.signed_in(session)
    views = []
    for row in rows:
        mentioned = tuple(by_id.get(uid, "someone") for uid in json.loads(row.mentions or "[]"))
        views.append(
            CommentView(
                str(row.id),
                row.author_id,
                by_id.get(str(row.author_id), "someone") if row.author_id else "someone",
                str(row.body),
                shown(str(row.body), by_login),
                mentioned,
                row.created_at,
                row.edited_at,
                me is None or row.author_id == me,
            )
        )
    return views


def mentionable(session: Session, table: str, record_id: str) -> list[Person]:
    """The active users who can see the record (those a mention reaches), by name: the @ completer's list."""
    _check_record(session, table, record_id)
    record = services.get(session, table, record_id)
    territory = getattr(record, "territory_id", None)
    owner = getattr(record, "owner_id", None)
    people = []
    connected = access.signed_in(session)[0] is not None
    for person in access.people(session):
        if not person.active:
            continue
        if not connected:  # a laptop of one person's own data: anyone it knows
            people.append(Person(person.user_id, person.login, person.full_name))
            continue
        who = access.identify(session, user_id=person.user_id, active=True)
        if who is not None and access.sees(who, territory, owner, table):
            people.append(Person(person.user_id, person.login, person.full_name))
    return people
