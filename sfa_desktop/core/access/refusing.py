"""Refusing: who may write a table, for messages, and the errors (:class:`NotPermitted`) the services
raise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from sfa_desktop.core.access.identity import TERRITORY_COLUMNED, Identity, NotPermitted, this_user
from sfa_desktop.core.access.reference import may_write_reference
from sfa_desktop.core.access.rows import may_write_here
from sfa_desktop.core.access.service_terms import _changes_service_terms, may_set_service_terms
from sfa_desktop.core.access.session import user_of
from sfa_desktop.core.records import tables


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
