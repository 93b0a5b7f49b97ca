"""Defections, for the window (the defection dialog, the account's history) and ``sfa accounts defect`` /
``sfa accounts defections``.  Each function opens its own session from the store and returns plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text

from sfa_desktop.core.retention import defections
from sfa_desktop.core.retention.defections import DefectionRow, Given
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store.database import LocalStore


@dataclass(frozen=True)
class Recorded:
    defection_id: str
    account: str
    status: str
    defection_type: str
    defected_on: dt.date


def record_defection(store: LocalStore, given: Given, today: dt.date | None = None) -> Recorded:
    """Check and save a defection (undoable, ``ops.undo``); raises DefectionError / NotPermitted."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        row = defections.record(session, given, today)
        name = str(
            session.execute(text("SELECT name FROM accounts WHERE id = :i"), {"i": row.account_id}).scalar()
            or ""
        )
        undo_ops.note(session, since, "defection", f"defection of {name}", ("defections", row.id))
        return Recorded(row.id, name, row.status, row.defection_type, row.defected_on)


def account_defections(store: LocalStore, account_id: str) -> list[DefectionRow]:
    with store.reading() as session:
        return defections.history(session, account_id)


def list_defections(
    store: LocalStore,
    *,
    account_id: str | None = None,
    defection_type: str | None = None,
    status: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[DefectionRow]:
    with store.reading() as session:
        return defections.listing(
            session,
            account_id=account_id,
            defection_type=defection_type,
            status=status,
            since=since,
            limit=limit,
        )


def account_name(store: LocalStore, account_id: str) -> str:
    with store.engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM accounts WHERE id = :i"), {"i": account_id}).scalar()
    return str(name or "")
