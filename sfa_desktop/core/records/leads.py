"""Leads a person captures in a hurry, and status changes by name (the rules are in ``lead_status``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Lead

#: The fields of the quick-capture form, in order.
QUICK_FIELDS = ("first_name", "last_name", "company", "email", "phone", "source")


def quick_capture(session: Session, values: Mapping[str, Any], *, owner_id: str | None = None) -> Lead:
    """A new lead from the few fields of the quick-capture form, owned by ``owner_id`` (this laptop's user)
    and placed in the owner's territory when they cover exactly one."""
    given = {k: v for k, v in values.items() if k in QUICK_FIELDS}
    given["status"] = "new"
    if owner_id is not None:
        given["owner_id"] = owner_id
        territories = (
            session.execute(
                text(
                    "SELECT DISTINCT territory_id FROM territory_memberships WHERE user_id = :u "
                    "AND deleted_at IS NULL"
                ),
                {"u": owner_id},
            )
            .scalars()
            .all()
        )
        if len(territories) == 1:
            given["territory_id"] = territories[0]
    record = services.create(session, "leads", given)
    assert isinstance(record, Lead)
    return record


def set_status(session: Session, lead_id: str, status: str, reason: str | None = None) -> Lead:
    """Move a lead to another status (the rules of ``lead_status`` apply); ``reason``: why (required to
    disqualify)."""
    changes: dict[str, Any] = {"status": status}
    if reason is not None:
        changes["status_reason"] = reason
    record = services.update(session, "leads", lead_id, changes)
    assert isinstance(record, Lead)
    return record
