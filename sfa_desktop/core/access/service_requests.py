"""Service requests and complaints: who raises, handles and comments on a request, and the workflow a rep
may not change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.access.comments import may_write_authored
from sfa_desktop.core.access.identity import Identity, NotPermitted, Who, changes
from sfa_desktop.core.access.records import sees

SERVICE_REQUESTS = "service_requests"
REQUEST_COMMENTS = "request_comments"
#: The statuses of a request being worked on, between which its assignee moves it.
WORKING_STATUSES = ("in progress", "waiting on customer")
#: What only the territory's managers (and admins) change on a request; the central store's trigger
#: ``sfa_service_request_guard`` (migration c0701) says the same.
REQUEST_WORKFLOW = ("raised_by_id", "assigned_to_id", "resolved_at", "resolution")


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
    if any(changes(current, new, name) for name in REQUEST_WORKFLOW):
        return False
    mine = current.get("assigned_to_id") == who.user_id
    if changes(current, new, "status") and not (
        mine and current.get("status") in WORKING_STATUSES and new.get("status") in WORKING_STATUSES
    ):
        return False
    return not (
        changes(current, new, "first_answered_at") and not (mine and current.get("first_answered_at") is None)
    )


def may_write_comment(who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """A comment on a request is written by its author (an admin may write any); its text and author
    change only by that author (or an admin).  It moves and goes with its account like the request."""
    return may_write_authored(who, current, new, ("body", "author_id"))


def request_refusal(who: Identity, what: str) -> NotPermitted:
    """The error for a request change that is not ``who``'s to make; ``what`` says which."""
    return NotPermitted(
        f"You may not {what}: a territory's managers and administrators assign, answer for and resolve its "
        f"requests ({who.signed_in_as()}). Add a comment instead, or ask your manager."
    )
