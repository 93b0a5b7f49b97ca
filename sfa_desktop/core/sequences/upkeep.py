"""Keeping enrollments right when the world changes around them: automatic exits when a lead converts or an
opportunity is won or lost (run after ``services.update`` by the store's sessions) or the enrolled record
was deleted, here or on another laptop; and, after a sync, enrollments made to agree with their current step
(``reconcile``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import (
    Activity,
    PipelineStage,
    SequenceEnrollment,
    utcnow,
)
from sfa_desktop.core.sequences.enrollments import (
    _RECORD_OF,
    OPEN,
    _close_activity,
    _enrollment,
    end_orphan,
    exit_enrollment,
    tries_before,
)

# -- automatic exits --------------------------------------------------------------------------------------


def _open_enrollments(session: Session, column: str, record_id: str) -> list[SequenceEnrollment]:
    return list(
        session.execute(
            select(SequenceEnrollment).where(
                getattr(SequenceEnrollment, column) == record_id,
                SequenceEnrollment.status.in_(OPEN),
                SequenceEnrollment.deleted_at.is_(None),
            )
        ).scalars()
    )


def stage_category(session: Session, stage: str | None) -> str:
    category = session.execute(select(PipelineStage.category).where(PipelineStage.key == stage)).scalar()
    if category:
        return str(category)
    return {"closed won": "won", "closed lost": "lost"}.get(stage or "", "open")


def on_record_updated(session: Session, kind: str, record: Any, changes: Mapping[str, Any]) -> None:
    """Run after ``services.update`` (see ``services.AFTER_UPDATE``): a converted lead, a won or lost
    opportunity leaves its sequences."""
    result: str | None = None
    column = ""
    if kind == "leads" and (changes.get("status") == "converted" or changes.get("converted_at")):
        result, column = "converted", "lead_id"
    elif kind == "opportunities" and "stage" in changes:
        category = stage_category(session, changes["stage"])
        if category in ("won", "lost"):
            result, column = category, "opportunity_id"
    if result is None:
        return
    for enrollment in _open_enrollments(session, column, record.id):
        reason = "The lead was converted." if result == "converted" else f"The opportunity was {result}."
        exit_enrollment(session, enrollment.id, result=result, reason=reason)


def exit_orphans(
    session: Session, owner_ids: Iterable[str] | None = None, *, now: dt.datetime | None = None
) -> int:
    """End the open enrollments (of these owners; all when None) whose record was deleted, here or on
    another laptop (the tombstone came with a sync).  Returns how many ended."""
    now = now or utcnow()
    e = SequenceEnrollment
    gone = []
    for column, model, _noun in _RECORD_OF:
        alive = select(model.id).where(model.id == getattr(e, column), model.deleted_at.is_(None))
        gone.append(getattr(e, column).is_not(None) & ~alive.exists())
    query = select(e).where(e.status.in_(OPEN), e.deleted_at.is_(None), or_(*gone))
    if owner_ids is not None:
        query = query.where(e.owner_id.in_(list(owner_ids)))
    orphans = session.execute(query).scalars().all()
    for enrollment in orphans:
        end_orphan(session, enrollment, now)
    return len(orphans)


# -- after a sync---------------------------------------------------------------------------------------------


_DRIFTED = text(
    """
    SELECT e.id FROM sequence_enrollments e
    LEFT JOIN activities a ON a.id = e.activity_id AND a.deleted_at IS NULL
    WHERE e.deleted_at IS NULL AND (
        (e.status IN ('active', 'paused') AND a.id IS NOT NULL AND a.done_at IS NULL AND (
            e.step_key IS NOT a.step_key OR e.due_at IS NOT a.due_at
            OR e.attempt <> (SELECT count(*) FROM activities p WHERE p.enrollment_id = e.id
                             AND p.step_key = a.step_key AND p.id <> a.id AND p.deleted_at IS NULL)))
        OR (e.status IN ('completed', 'exited') AND a.id IS NOT NULL AND a.done_at IS NULL)
        OR (e.status IN ('completed', 'exited') AND EXISTS (
            SELECT 1 FROM activities o WHERE o.enrollment_id = e.id AND o.done_at IS NULL
            AND o.deleted_at IS NULL AND o.id IS NOT e.activity_id)))
    """
)


def reconcile(session: Session, *, now: dt.datetime | None = None) -> int:
    """Make each enrollment agree with its current step's activity, after a sync merged the work of two
    laptops that advanced it offline.

    Both laptops made the same next activity (``step_activity_id``), and sync keeps one version of it (the
    later arrival's) whole; but an enrollment field one laptop left unchanged (a repeat keeps the step, a
    new step keeps attempt 0) is not sent, so the merged enrollment can mix both.  The activity is the
    truth: the step, its due time and the tries are taken from it.  An ended enrollment whose current
    activity is open was carried on by the later laptop: it is active again; open steps of an enrollment
    that ended anyway are closed.  Every laptop computes the same values.  Returns how many were fixed."""
    now = now or utcnow()
    ids = list(session.execute(_DRIFTED).scalars())
    for enrollment_id in ids:
        enrollment = _enrollment(session, enrollment_id)
        activity = session.get(Activity, enrollment.activity_id) if enrollment.activity_id else None
        if activity is not None and activity.deleted_at is None and activity.done_at is None:
            key = activity.step_key or enrollment.step_key
            changes: dict[str, Any] = {
                "step_key": key,
                "due_at": activity.due_at,
                "attempt": tries_before(session, enrollment_id, key or "", activity.id),
            }
            if enrollment.status not in OPEN:
                changes.update(status="active", ended_at=None, result=None, reason=None)
            services.update(session, "sequence_enrollments", enrollment_id, changes)
            continue
        strays = session.execute(
            select(Activity.id).where(
                Activity.enrollment_id == enrollment_id,
                Activity.done_at.is_(None),
                Activity.deleted_at.is_(None),
            )
        ).scalars()
        for stray in list(strays):
            _close_activity(session, stray, "The sequence had ended (on another laptop).", now)
    return len(ids)
