"""Raising, commenting, assigning and resolving requests: the services the window and ``sfa requests`` call.

Each function takes a Session the caller opened as one short transaction and writes through
``core.records.services`` (validation, territory from the account, change capture); who may do what is
``core.access`` (:func:`~sfa_desktop.core.access.may_write_request` and friends), asked before anything
is written, with a message that says who may.

The first answer: the first comment, status change or resolution by someone who works the request (a
handler of its territory or its assignee) who is not the person who raised it; its time is kept in
``first_answered_at`` and measured against the service level (:mod:`.sla`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import REQUEST_CATEGORIES, REQUEST_SEVERITIES, REQUEST_STATUSES
from sfa_desktop.core.records.models import (
    Account,
    Activity,
    Contact,
    RequestComment,
    ServiceRequest,
    User,
    utcnow,
)
from sfa_desktop.core.records.validation import ValidationError

KIND = "service_requests"
COMMENTS = "request_comments"
OPEN_STATUSES = ("new", "in progress", "waiting on customer")
_URL = re.compile(r"^(https?://\S+|kb:[0-9a-fA-F-]{8,36})$")


class RequestError(UserError):
    """A request change that makes no sense as asked (already resolved, nobody to assign to...)."""


def _who(session: Session) -> access.Identity | None:
    return access.user_of(session)


def _user_id(session: Session) -> str | None:
    who = _who(session)
    if who is not None:
        return who.user_id
    return access.record_defaults(session).get("owner_id")


def _actor(session: Session, what: str) -> str:
    """Who raises or comments: this laptop's user; on a laptop never connected (its own data), its first
    user by login."""
    found = _user_id(session) or session.execute(select(User.id).order_by(User.login).limit(1)).scalar()
    if found is None:
        raise RequestError(f"This laptop has no users yet: sync first, then {what}.")
    return str(found)


def current(session: Session, request_id: str) -> ServiceRequest:
    found = services.get(session, KIND, request_id)
    assert isinstance(found, ServiceRequest)
    return found


def as_rule_row(request: ServiceRequest) -> dict[str, Any]:
    """What the permission rules read of a request."""
    return {
        "territory_id": request.territory_id,
        "owner_id": request.owner_id,
        "assigned_to_id": request.assigned_to_id,
        "status": request.status,
        "raised_by_id": request.raised_by_id,
    }


def clean_links(links: Sequence[str]) -> str | None:
    """Links as stored: web addresses (http, https) and knowledge-base articles ("kb:<article id>")."""
    kept = [link.strip() for link in links if link.strip()]
    bad = [link for link in kept if not _URL.match(link)]
    if bad:
        raise ValidationError(
            {
                "links": f"'{bad[0]}' is not a link: give a web address (https://...) or a knowledge-base "
                "article as kb:<article id>."
            }
        )
    return json.dumps(kept) if kept else None


def links_of(request: ServiceRequest | Mapping[str, Any]) -> list[str]:
    raw = request.get("links") if isinstance(request, Mapping) else request.links
    return [str(link) for link in json.loads(raw)] if raw else []


def raise_request(
    session: Session,
    *,
    account_id: str,
    category: str,
    severity: str,
    subject: str,
    description: str | None = None,
    contact_id: str | None = None,
    activity_id: str | None = None,
    links: Sequence[str] = (),
) -> ServiceRequest:
    """Raise a request or complaint about an account (offline: it syncs to the territory's queue)."""
    errors: dict[str, str] = {}
    if category not in REQUEST_CATEGORIES:
        errors["category"] = f"Category: choose one of {', '.join(REQUEST_CATEGORIES)} (not '{category}')."
    if severity not in REQUEST_SEVERITIES:
        errors["severity"] = f"Severity: choose one of {', '.join(REQUEST_SEVERITIES)} (not '{severity}')."
    if not subject.strip():
        errors["subject"] = "Subject: say in a few words what the customer asks or complains about."
    if errors:
        raise ValidationError(errors)
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise ValidationError({"account_id": f"Account: there is no account with id {account_id}."})
    if activity_id is not None:
        activity = session.get(Activity, activity_id)
        if activity is None or activity.deleted_at is not None:
            raise ValidationError({"activity_id": "Raised at visit: that activity no longer exists."})
        if activity.account_id not in (None, account_id):
            raise ValidationError({"activity_id": "Raised at visit: that activity is about another account."})
        contact_id = contact_id or activity.contact_id
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is not None and contact.account_id not in (None, account_id):
            raise ValidationError({"contact_id": "Contact: that contact works for another account."})
    raiser = _actor(session, "raise the request")
    values: dict[str, Any] = {
        "account_id": account_id,
        "contact_id": contact_id,
        "activity_id": activity_id,
        "category": category,
        "severity": severity,
        "subject": subject.strip(),
        "description": (description or "").strip() or None,
        "status": "new",
        "raised_by_id": raiser,
        "owner_id": account.owner_id or raiser,
        "links": clean_links(links),
    }
    record = services.create(session, KIND, values)
    assert isinstance(record, ServiceRequest)
    return record


def _answers(session: Session, request: ServiceRequest) -> bool:
    """Does a write by this user now count as the request's first answer?"""
    if request.first_answered_at is not None:
        return False
    who = _who(session)
    user = _user_id(session)
    if user is None or user == request.raised_by_id:
        return False
    return access.may_handle_request(who, as_rule_row(request)) or request.assigned_to_id == user


def comment(session: Session, request_id: str, body: str) -> RequestComment:
    """Add a comment to a request's thread (everyone who sees the request may)."""
    request = current(session, request_id)
    text = body.strip()
    if not text:
        raise ValidationError({"body": "Comment: write something (it is empty)."})
    author = _actor(session, "comment")
    if _answers(session, request):
        services.update(session, KIND, request.id, {"first_answered_at": utcnow()})
    made = services.create(
        session,
        COMMENTS,
        {"request_id": request.id, "account_id": request.account_id, "author_id": author, "body": text},
    )
    assert isinstance(made, RequestComment)
    return made


def assign(session: Session, request_id: str, user_id: str | None) -> ServiceRequest:
    """Assign the request to a user (None: unassign); a new request goes "in progress"."""
    request = current(session, request_id)
    who = _who(session)
    if not access.may_handle_request(who, as_rule_row(request)):
        assert who is not None
        raise access.request_refusal(who, "assign this request")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None or not user.active:
            raise RequestError("That user is not an active user of the company; choose another.")
    if user_id == request.assigned_to_id:
        raise RequestError("The request is already assigned so; nothing to change.")
    changes: dict[str, Any] = {"assigned_to_id": user_id}
    if user_id is not None and request.status == "new":
        changes["status"] = "in progress"
        if _answers(session, request):
            changes["first_answered_at"] = utcnow()
    services.update(session, KIND, request.id, changes)
    return request


def set_status(session: Session, request_id: str, status: str, note: str | None = None) -> ServiceRequest:
    """Give the request a status: resolving or closing stamps its resolution time (and ``note`` as the
    resolution), reopening clears it."""
    if status not in REQUEST_STATUSES:
        raise ValidationError(
            {"status": f"Status: choose one of {', '.join(REQUEST_STATUSES)} (not '{status}')."}
        )
    request = current(session, request_id)
    who = _who(session)
    if not access.may_set_request_status(who, as_rule_row(request), status):
        assert who is not None
        raise access.request_refusal(who, f"set this request to '{status}'")
    if status == request.status:
        raise RequestError(f"The request is already '{status}'; nothing to change.")
    now = utcnow()
    changes: dict[str, Any] = {"status": status}
    if status in ("resolved", "closed"):
        if request.resolved_at is None:
            changes["resolved_at"] = now
        if note and note.strip():
            changes["resolution"] = note.strip()
    elif request.resolved_at is not None:
        changes["resolved_at"] = None
    if _answers(session, request):
        changes["first_answered_at"] = now
    services.update(session, KIND, request.id, changes)
    return request


def resolve(session: Session, request_id: str, note: str | None = None) -> ServiceRequest:
    return set_status(session, request_id, "resolved", note)


def edit(session: Session, request_id: str, changes: Mapping[str, Any]) -> ServiceRequest:
    """Change what the request says (subject, description, category, severity, contact, links)."""
    allowed = {"subject", "description", "category", "severity", "contact_id", "links"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    values = dict(changes)
    if "links" in values:
        values["links"] = clean_links(values["links"] or ())
    request = current(session, request_id)
    services.update(session, KIND, request.id, values)
    return request
