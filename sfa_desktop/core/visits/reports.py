"""Visits on site (issue 16): check in, check out, the visit report and its attachments.

A visit is an agenda activity of kind ``visit``; what happened on site is its :class:`VisitReport` (one per
activity, made at the first check-in or answer), which follows the activity's account (or lead) like the
activity itself.  Every function takes the caller's Session (one short transaction: ``store.transaction``);
each write is checked against the user's rights (``core.access``) and captured for sync.

Submitting a report with an outcome logs the visit as the agenda's "Log outcome" does
(``core.sequences.enrollments.record_outcome``): the activity is done, its time on site becomes its
duration, and a sequence step moves on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity, Attachment, VisitReport, new_id, utcnow
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.core.visits import templates
from sfa_desktop.core.visits.templates import SegmentOf, Template


class VisitError(UserError):
    """A visit action that does not fit the visit's state (checking out before checking in...)."""


ATTACHMENT_KINDS = ("photo", "file", "signature")


@dataclass(frozen=True)
class Place:
    """Where the computer says it is (degrees, WGS 84)."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latitude) and -90 <= self.latitude <= 90):
            raise VisitError(f"A latitude is between -90 and 90, not {self.latitude}.")
        if not (math.isfinite(self.longitude) and -180 <= self.longitude <= 180):
            raise VisitError(f"A longitude is between -180 and 180, not {self.longitude}.")


def visit_activity(session: Session, activity_id: str) -> Activity:
    activity = services.get(session, "activities", activity_id)
    assert isinstance(activity, Activity)
    if activity.kind != "visit":
        raise VisitError(
            f"'{activity.subject}' is a {activity.kind}, not a visit: check-in and reports are for visits."
        )
    return activity


def report_of(session: Session, activity_id: str) -> VisitReport | None:
    return session.execute(
        select(VisitReport)
        .where(VisitReport.activity_id == activity_id, VisitReport.deleted_at.is_(None))
        .order_by(VisitReport.created_at, VisitReport.id)
        .limit(1)
    ).scalar()


def _scope(activity: Activity) -> dict[str, Any]:
    return {
        "account_id": activity.account_id,
        "lead_id": activity.lead_id,
        "territory_id": activity.territory_id,
        "owner_id": activity.owner_id,
    }


def _permit(session: Session, table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
    access.require_write(session, table, current, new, "record visits here")


def ensure_report(session: Session, activity: Activity, segment_of: SegmentOf) -> VisitReport:
    """The activity's report, made (with the checklist of the account's segment) when there is none."""
    found = report_of(session, activity.id)
    if found is not None:
        return found
    segment = segment_of(session, activity.account_id) if activity.account_id else None
    template = templates.for_segment(session, segment)
    values = {**_scope(activity), "activity_id": activity.id, "template_id": template.template_id}
    _permit(session, "visit_reports", None, values)
    report = VisitReport(id=new_id(), answers="{}", **values)
    session.add(report)
    session.flush()
    return report


def _write(session: Session, report: VisitReport, changes: Mapping[str, Any]) -> None:
    current = {"territory_id": report.territory_id, "owner_id": report.owner_id}
    _permit(session, "visit_reports", current, changes)
    for name, value in changes.items():
        setattr(report, name, value)
    session.flush()


def _clock(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%H:%M")


def check_in(
    session: Session,
    activity_id: str,
    *,
    place: Place | None = None,
    now: dt.datetime | None = None,
    segment_of: SegmentOf = templates.no_segment,
) -> VisitReport:
    activity = visit_activity(session, activity_id)
    report = ensure_report(session, activity, segment_of)
    if report.checkin_at is not None:
        raise VisitError(f"You already checked in to '{activity.subject}' at {_clock(report.checkin_at)}.")
    _write(
        session,
        report,
        {
            "checkin_at": now or utcnow(),
            "checkin_latitude": place.latitude if place else None,
            "checkin_longitude": place.longitude if place else None,
        },
    )
    return report


def check_out(
    session: Session, activity_id: str, *, place: Place | None = None, now: dt.datetime | None = None
) -> VisitReport:
    activity = visit_activity(session, activity_id)
    report = report_of(session, activity.id)
    if report is None or report.checkin_at is None:
        raise VisitError(f"Check in to '{activity.subject}' before checking out.")
    if report.checkout_at is not None:
        raise VisitError(f"You already checked out of '{activity.subject}' at {_clock(report.checkout_at)}.")
    moment = now or utcnow()
    if moment < report.checkin_at:
        raise VisitError("The check-out cannot be before the check-in; check this computer's clock.")
    _write(
        session,
        report,
        {
            "checkout_at": moment,
            "checkout_latitude": place.latitude if place else None,
            "checkout_longitude": place.longitude if place else None,
        },
    )
    return report


def minutes_on_site(report: VisitReport) -> int | None:
    if report.checkin_at is None or report.checkout_at is None:
        return None
    return max(round((report.checkout_at - report.checkin_at).total_seconds() / 60), 0)


def answers_of(report: VisitReport | None) -> dict[str, Any]:
    if report is None:
        return {}
    try:
        found = json.loads(report.answers or "{}")
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def photo_counts(session: Session, report_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Attachment.item_key, func.count())
        .where(
            Attachment.record_table == "visit_reports",
            Attachment.record_id == report_id,
            Attachment.deleted_at.is_(None),
            Attachment.item_key.is_not(None),
        )
        .group_by(Attachment.item_key)
    )
    return {str(key): int(n) for key, n in rows}


def save_report(
    session: Session,
    activity_id: str,
    answers: Mapping[str, Any],
    *,
    submit: bool = False,
    outcome: str | None = None,
    notes: str | None = None,
    now: dt.datetime | None = None,
    segment_of: SegmentOf = templates.no_segment,
) -> VisitReport:
    """Keep the answers given (merged over those kept); ``submit``: every required item must be answered,
    the report is marked submitted, an open check-in is checked out, and ``outcome`` (when given) logs the
    visit on the agenda.  Nothing is written when an answer is wrong."""
    moment = now or utcnow()
    activity = visit_activity(session, activity_id)
    report = ensure_report(session, activity, segment_of)
    template = templates.template_by_id(session, report.template_id)
    merged = {**answers_of(report), **answers}
    cleaned = templates.check_answers(template, merged, photo_counts(session, report.id), complete=submit)
    changes: dict[str, Any] = {"answers": json.dumps(cleaned, sort_keys=True, separators=(",", ":"))}
    if submit and report.submitted_at is None:  # a submitted report may still be corrected
        changes["submitted_at"] = moment
        if report.checkin_at is not None and report.checkout_at is None:
            changes["checkout_at"] = max(moment, report.checkin_at)
    _write(session, report, changes)
    if submit and outcome:
        if activity.done_at is None:
            enrollments.record_outcome(
                session,
                activity.id,
                outcome,
                notes=notes,
                duration_minutes=minutes_on_site(report),
                now=moment,
            )
        else:
            raise VisitError(f"'{activity.subject}' was already logged ({activity.outcome or 'done'}).")
    return report


def template_of(
    session: Session, report: VisitReport | None, activity: Activity, segment_of: SegmentOf
) -> Template:
    if report is not None:
        return templates.template_by_id(session, report.template_id)
    segment = segment_of(session, activity.account_id) if activity.account_id else None
    return templates.for_segment(session, segment)


# -- attachments -------------------------------------------------------------------------------------------


def add_attachment(
    session: Session,
    report: VisitReport,
    *,
    sha256: str,
    size_bytes: int,
    file_name: str,
    media_type: str,
    kind: str,
    item_key: str | None = None,
    caption: str | None = None,
) -> Attachment:
    """Attach stored bytes (``store.attachments``) to a visit report; a photo item must be one of the
    report's checklist."""
    if kind not in ATTACHMENT_KINDS:
        raise VisitError(f"An attachment is a {', '.join(ATTACHMENT_KINDS)}, not '{kind}'.")
    if item_key is not None:
        item = templates.template_by_id(session, report.template_id).item(item_key)
        if item.type != "photo":
            raise VisitError(f"'{item.label}' is answered with a {item.type}, not a photo.")
    values = {
        "record_table": "visit_reports",
        "record_id": report.id,
        "item_key": item_key,
        "kind": kind,
        "sha256": sha256,
        "size_bytes": size_bytes,
        "file_name": file_name[:255] or "file",
        "media_type": media_type[:100],
        "caption": caption[:300] if caption else None,
        "account_id": report.account_id,
        "lead_id": report.lead_id,
        "territory_id": report.territory_id,
        "owner_id": report.owner_id,
    }
    _permit(session, "attachments", None, values)
    attachment = Attachment(id=new_id(), **values)
    session.add(attachment)
    session.flush()
    return attachment


def remove_attachment(session: Session, attachment_id: str) -> Attachment:
    found = session.get(Attachment, attachment_id)
    if found is None or found.deleted_at is not None:
        raise VisitError(f"There is no attachment with id {attachment_id}.")
    current = {"territory_id": found.territory_id, "owner_id": found.owner_id}
    _permit(session, "attachments", current, {})
    found.deleted_at = utcnow()
    session.flush()
    return found


def attachments_of(session: Session, record_id: str) -> list[Attachment]:
    return list(
        session.execute(
            select(Attachment)
            .where(Attachment.record_id == record_id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.created_at, Attachment.id)
        ).scalars()
    )


def sign(
    session: Session,
    report: VisitReport,
    signer_name: str,
    attachment_id: str,
    now: dt.datetime | None = None,
) -> None:
    name = signer_name.strip()
    if not name:
        raise VisitError("Give the name of the person who signs.")
    _write(
        session,
        report,
        {"signer_name": name[:200], "signed_at": now or utcnow(), "signature_id": attachment_id},
    )
