"""Whom a Session's writes are checked against: this laptop's user, remembered for the Session's
transaction, or whom :func:`check_as` names; a territory created in it is that user's too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from sfa_desktop.core.access.identity import Identity, this_user
from sfa_desktop.core.records.models import Territory

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
