"""Service requests and complaints for the window and ``sfa requests`` (issue 15): list, show, raise,
comment, assign, change status, resolve; each one short transaction, the rules in ``core.access``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from sfa_desktop.core import access, service_levels
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.records.fields import REQUEST_STATUSES
from sfa_desktop.core.records.models import Activity, ServiceRequest, User
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.requests import events, listing, sla, stats, workflow
from sfa_desktop.ops.records import resolve_id, resolve_ref
from sfa_desktop.store.database import LocalStore

__all__ = ["Detail", "events", "stats"]

#: The service levels the lists measure against (the lead points this at the segments' after the merge).
#: The hours to answer and resolve a request about an account: its service level's.
TARGETS: sla.Targets = service_levels.request_targets


@dataclass(frozen=True)
class Detail:
    """One request as its page shows it, with what this user may do with it."""

    row: listing.RequestRow
    description: str
    resolution: str
    links: list[str]
    activity: str
    thread: list[listing.Comment]
    may_handle: bool
    #: The statuses this user may set (its handlers: all but the current one).
    statuses: tuple[str, ...]


def me(store: LocalStore) -> str | None:
    """The id of this laptop's user (None: a laptop never connected)."""
    with store.engine.connect() as conn:
        return access.signed_in(conn)[0]


def list_requests(
    store: LocalStore, filters: listing.Filters, *, now: dt.datetime | None = None
) -> list[listing.RequestRow]:
    with store.reading() as session:
        user_id = access.signed_in(session)[0]
        return listing.query_rows(session, filters, user_id, targets=TARGETS, now=now)


def find_requests(
    store: LocalStore, filters: listing.Filters, *, now: dt.datetime | None = None
) -> listing.Found:
    """The ids of the matching requests and which are overdue (the Requests page's list)."""
    with store.reading() as session:
        user_id = access.signed_in(session)[0]
        return listing.find(session, filters, user_id, targets=TARGETS, now=now)


def request_rows(store: LocalStore, ids: list[str]) -> dict[str, listing.RequestRow]:
    """The rows of these requests (a page of the list)."""
    with store.reading() as session:
        return listing.rows_for(session, ids, targets=TARGETS)


def request_id(store: LocalStore, given: str) -> str:
    """The id of the request ``given`` names (its id or the start of it)."""
    return resolve_id(store, ServiceRequest.__tablename__, "request", given)


def detail(store: LocalStore, request_id: str, *, now: dt.datetime | None = None) -> Detail:
    with store.reading() as session:
        row = listing.one_row(session, request_id, targets=TARGETS, now=now)
        request = session.get(ServiceRequest, request_id)
        if row is None or request is None:
            raise NotFound(f"There is no request with id {request_id}.")
        who = access.user_of(session)
        rule_row = workflow.as_rule_row(request)
        statuses = tuple(
            s
            for s in REQUEST_STATUSES
            if s != request.status and access.may_set_request_status(who, rule_row, s)
        )
        activity = ""
        if request.activity_id:
            found = session.get(Activity, request.activity_id)
            activity = f"{found.kind}: {found.subject}" if found is not None else ""
        return Detail(
            row=row,
            description=request.description or "",
            resolution=request.resolution or "",
            links=workflow.links_of(request),
            activity=activity,
            thread=listing.thread(session, request_id),
            may_handle=access.may_handle_request(who, rule_row),
            statuses=statuses,
        )


def raise_request(
    store: LocalStore,
    *,
    account: str,
    category: str,
    severity: str,
    subject: str,
    description: str | None = None,
    contact_id: str | None = None,
    activity_id: str | None = None,
    links: Sequence[str] = (),
) -> str:
    """Raise a request about ``account`` (an id or a name); returns its id."""
    account_id = resolve_ref(store, "accounts", account)
    with store.transaction() as session:
        made = workflow.raise_request(
            session,
            account_id=account_id,
            category=category,
            severity=severity,
            subject=subject,
            description=description,
            contact_id=contact_id,
            activity_id=activity_id,
            links=links,
        )
        return made.id


def raise_from_activity(
    store: LocalStore,
    activity_id: str,
    *,
    category: str,
    severity: str,
    subject: str,
    description: str | None = None,
) -> str:
    """Raise a request from a visit (or any activity about an account)."""
    with store.reading() as session:
        found = session.get(Activity, activity_id)
        if found is None or found.account_id is None:
            raise UserError(
                "That activity is not about an account: raise the request from the account instead."
            )
        account_id = found.account_id
    return raise_request(
        store,
        account=account_id,
        category=category,
        severity=severity,
        subject=subject,
        description=description,
        activity_id=activity_id,
    )


def comment(store: LocalStore, request_id: str, body: str) -> str:
    with store.transaction() as session:
        return workflow.comment(session, request_id, body).id


def user_id_for(store: LocalStore, login: str) -> str:
    """The id of the active user with this login (as ``sfa requests assign`` names them)."""
    with store.reading() as session:
        found = session.execute(
            select(User.id).where(
                User.login == login.strip(), User.deleted_at.is_(None), User.active.is_(True)
            )
        ).scalar()
    if found is None:
        raise UserError(f"There is no active user '{login}'. 'sfa users list' shows the logins.")
    return str(found)


def assign(store: LocalStore, request_id: str, user_id: str | None) -> None:
    with store.transaction() as session:
        workflow.assign(session, request_id, user_id)


def set_status(store: LocalStore, request_id: str, status: str, note: str | None = None) -> None:
    with store.transaction() as session:
        workflow.set_status(session, request_id, status, note)


def resolve(store: LocalStore, request_id: str, note: str | None = None) -> None:
    set_status(store, request_id, "resolved", note)


def assignable(store: LocalStore, request_id: str) -> list[tuple[str, str]]:
    """(user id, name) of the active users who see the request's territory: whom it may be assigned to."""
    with store.reading() as session:
        request = session.get(ServiceRequest, request_id)
        if request is None:
            return []
        found = []
        for person in access.people(session):
            if not person.active:
                continue
            who = access.identify(session, user_id=person.user_id)
            if who is not None and access.sees(who, request.territory_id, request.owner_id):
                found.append((person.user_id, person.full_name))
        return found


def notification_events(store: LocalStore, since: dt.datetime | None = None) -> list[NotificationEvent]:
    """What this laptop's user should be told about requests (see ``core.requests.events``)."""
    with store.reading() as session:
        user_id = access.signed_in(session)[0]
        if user_id is None:
            return []
        return events.notification_events(session, user_id, since)


def activity_account(store: LocalStore, activity_id: str) -> tuple[str, str] | None:
    """(account id, "visit: subject") of an activity about an account; None when it is about none."""
    with store.reading() as session:
        found = session.get(Activity, activity_id)
        if found is None or found.account_id is None or found.deleted_at is not None:
            return None
        return found.account_id, f"{found.kind}: {found.subject}"
