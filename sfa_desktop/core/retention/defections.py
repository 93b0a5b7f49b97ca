"""Defections: a customer lost, or declining (flagged in the at-risk list), with its defection type and the
reason in the rep's words.

The six defection types are the textbook's: customers leave for a lower price (price), a better product
elsewhere (product), poor service (service), because their market changed or they left it (market), for a
newer technology or a substitute (technological), or because of their organisation (a merger, a new buyer,
a policy to buy centrally: organisational).

Each recording is a row of ``defections`` that follows its account (territory and sync), so the account
keeps its history: a declining customer recorded in March and lost in June has both.  The rep of a defection
is the account's owner when it is recorded; who typed it in is ``recorded_by_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, Defection, User
from sfa_desktop.core.records.vocabularies import DEFECTION_STATUSES, DEFECTION_TYPES

#: What each type means, as the dialog and ``sfa accounts defect --help`` explain it.
TYPE_HINTS: Mapping[str, str] = {
    "price": "a competitor is cheaper, or our price rose",
    "product": "a better or more suitable product elsewhere",
    "service": "poor service: late deliveries, errors, complaints not handled",
    "market": "the customer's market changed, shrank or they left it",
    "technological": "a new technology or a substitute replaced what we sell",
    "organisational": "a merger, a new buyer or central purchasing decided it",
}
STATUS_LABELS: Mapping[str, str] = {"lost": "Lost", "declining": "Declining"}
#: The reason is what the manager reads in the report: a few words at least.
MIN_REASON = 3
MAX_REASON = 2000
#: Other spellings people type for a type.
_ALIASES = {"organizational": "organisational", "technology": "technological", "tech": "technological"}


class DefectionError(UserError, ValueError):
    """The defection cannot be recorded as given; the message says what to change."""


def defection_type(given: str) -> str:
    """The type named (any case; 'organizational' too), or DefectionError listing the types."""
    word = " ".join(given.split()).casefold()
    word = _ALIASES.get(word, word)
    if word not in DEFECTION_TYPES:
        raise DefectionError(
            f"'{given.strip()}' is not a defection type: choose one of {', '.join(DEFECTION_TYPES)}."
            if word
            else f"Choose the defection type: {', '.join(DEFECTION_TYPES)}."
        )
    return word


def defection_status(given: str) -> str:
    word = given.strip().casefold()
    if word not in DEFECTION_STATUSES:
        raise DefectionError(
            f"'{given.strip()}' is not a defection status: the account is either lost or declining."
        )
    return word


def check_reason(given: str) -> str:
    reason = given.strip()
    if len(reason) < MIN_REASON:
        raise DefectionError(
            "Say why the customer is leaving in a few words (for example 'moved to a cheaper supplier'): "
            "the reason is what the manager reads in the territory report."
        )
    if len(reason) > MAX_REASON:
        raise DefectionError(
            f"The reason is {len(reason):,} characters long; keep it under {MAX_REASON:,} "
            "(put the long story in a note on the account)."
        )
    return reason


def check_date(day: dt.date, today: dt.date) -> dt.date:
    if day > today:
        raise DefectionError(
            f"The date {day.isoformat()} is in the future: give the day the customer left or started "
            f"buying less (today, {today.isoformat()}, or before)."
        )
    return day


@dataclass(frozen=True)
class Given:
    """A defection as a person gives it (the dialog, the command line), before it is checked."""

    account_id: str
    status: str
    defection_type: str
    reason: str
    defected_on: dt.date | None = None


def record(session: Session, given: Given, today: dt.date | None = None) -> Defection:
    """Check and write a defection of the account (offline, in the caller's transaction; the outbox takes
    it to the central store).  Raises DefectionError, or NotPermitted when the user may not write the
    account's territory."""
    day = today or dt.date.today()
    account = session.get(Account, given.account_id)
    if account is None or account.deleted_at is not None:
        raise DefectionError("The account is not on this laptop any more (deleted here or by a sync).")
    if account.merged_into_id:
        raise DefectionError(f"{account.name} was merged into another account: record it there.")
    values: dict[str, object] = {
        "account_id": account.id,
        "status": defection_status(given.status),
        "defection_type": defection_type(given.defection_type),
        "reason": check_reason(given.reason),
        "defected_on": check_date(given.defected_on or day, day),
        "owner_id": account.owner_id,
    }
    user = access.this_user(session.connection())
    if user is not None and user.user_id:
        values["recorded_by_id"] = user.user_id
    record = services.create(session, "defections", values)
    assert isinstance(record, Defection)
    return record


@dataclass(frozen=True)
class DefectionRow:
    id: str
    account_id: str
    account: str
    status: str
    defection_type: str
    reason: str
    defected_on: dt.date
    rep: str
    recorded_by: str
    recorded_at: dt.datetime


def history(session: Session, account_id: str) -> list[DefectionRow]:
    """The account's defections, latest first."""
    return listing(session, account_id=account_id)


def listing(
    session: Session,
    *,
    account_id: str | None = None,
    defection_type: str | None = None,
    status: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[DefectionRow]:
    """Defections on this laptop (its territories), latest first, narrowed as asked."""
    owner, writer = aliased(User), aliased(User)
    query = (
        select(Defection, Account.name, owner.full_name, writer.full_name)
        .join(Account, Account.id == Defection.account_id)
        .outerjoin(owner, owner.id == Defection.owner_id)
        .outerjoin(writer, writer.id == Defection.recorded_by_id)
        .where(Defection.deleted_at.is_(None))
        .order_by(Defection.defected_on.desc(), Defection.created_at.desc(), Defection.id)
    )
    if account_id is not None:
        query = query.where(Defection.account_id == account_id)
    if defection_type is not None:
        query = query.where(Defection.defection_type == defection_type)
    if status is not None:
        query = query.where(Defection.status == status)
    if since is not None:
        query = query.where(Defection.defected_on >= since)
    if limit is not None:
        query = query.limit(limit)
    return [
        DefectionRow(
            d.id,
            d.account_id,
            name,
            d.status,
            d.defection_type,
            d.reason,
            d.defected_on,
            rep or "(no owner)",
            by or "",
            d.created_at,
        )
        for d, name, rep, by in session.execute(query)
    ]
