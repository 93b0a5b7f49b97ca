"""Enrollments: a lead, contact or opportunity going through a sequence template, step by step.

The current step is an open activity (``activities.enrollment_id`` and ``step_key``) due after the step's
wait; logging its outcome closes it and schedules what the template says (:mod:`sequences`).  The id of
a step's activity is derived from the enrollment and the step's number (``step_activity_id``), so two
laptops that advance the same enrollment offline create the same next activity: sync merges the two into
one record, and where they disagree the later arrival wins and the other value goes to the conflict
archive.

Every function takes the caller's session (one transaction per user action) and writes through
:mod:`services`, so every change is validated and recorded in the outbox.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import (
    Activity,
    Contact,
    Lead,
    Opportunity,
    SequenceEnrollment,
    SequenceTemplate,
    new_id,
    utcnow,
)
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.core.sequences.templates import Decision, Step

#: Enrollable kinds: record table -> (enrollment column, template target).
TARGETS = {
    "leads": ("lead_id", "lead"),
    "contacts": ("contact_id", "contact"),
    "opportunities": ("opportunity_id", "opportunity"),
}
_NAMESPACE = uuid.UUID("6f1e4c1a-8a53-4c63-9d0e-2f7b3c5d9a41")
OPEN = ("active", "paused")


class EnrollmentError(ValidationError):
    """An enrollment action that cannot be done now; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__({"enrollment": message})
        self.message = message


def step_activity_id(enrollment_id: str, step_no: int) -> str:
    """The id of the activity of an enrollment's ``step_no``-th step: the same on every laptop."""
    return str(uuid.uuid5(_NAMESPACE, f"{enrollment_id}:{step_no}"))


# -- templates --------------------------------------------------------------------------------------------


def save_template(session: Session, template_id: str | None, values: Mapping[str, Any]) -> SequenceTemplate:
    """Create or change a template; its steps (a list or JSON text) are validated first (TemplateError)."""
    changes = dict(values)
    if "steps" in changes:
        steps = changes["steps"]
        parsed = sequences.parse_steps(steps if isinstance(steps, (str, list)) else [])
        changes["steps"] = sequences.steps_json(parsed)
    elif template_id is None:
        raise sequences.TemplateError("A sequence needs at least one step.")
    if template_id is None:
        record = services.create(session, "sequence_templates", changes)
    else:
        record = services.update(session, "sequence_templates", template_id, changes)
    assert isinstance(record, SequenceTemplate)
    return record


def template_steps(session: Session, template_id: str) -> tuple[SequenceTemplate, list[Step]]:
    template = services.get(session, "sequence_templates", template_id)
    assert isinstance(template, SequenceTemplate)
    return template, sequences.parse_steps(template.steps)


# -- enrolling --------------------------------------------------------------------------------------------


@dataclass
class Enrolled:
    enrollment_ids: list[str] = field(default_factory=list)
    #: (record id, why it was left out)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def enroll(
    session: Session,
    template_id: str,
    kind: str,
    record_ids: Sequence[str],
    *,
    owner_id: str | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo | None = None,
    make_id: Callable[[], str] = new_id,
) -> Enrolled:
    """Enroll records of ``kind`` (leads, contacts, opportunities): each gets its first step as a due
    activity.  A record already in this sequence (active or paused) is skipped, with the reason."""
    if kind not in TARGETS:
        raise EnrollmentError(f"Only leads, contacts and opportunities can be enrolled, not {kind}.")
    column, target = TARGETS[kind]
    template, steps = template_steps(session, template_id)
    if not template.active:
        raise EnrollmentError(f"The sequence '{template.name}' is inactive; choose an active one.")
    if template.target not in ("any", target):
        raise EnrollmentError(f"The sequence '{template.name}' is for {template.target}s, not {kind}.")
    now = now or utcnow()
    first = sequences.first_step(steps, now, tz)
    done = Enrolled()
    already = set(
        session.execute(
            select(getattr(SequenceEnrollment, column)).where(
                SequenceEnrollment.template_id == template_id,
                SequenceEnrollment.status.in_(OPEN),
                SequenceEnrollment.deleted_at.is_(None),
                getattr(SequenceEnrollment, column).in_(list(record_ids)),
            )
        ).scalars()
    )
    wanted = [r for r in dict.fromkeys(record_ids) if r not in already]
    done.skipped += [(r, f"already in '{template.name}'") for r in dict.fromkeys(record_ids) if r in already]
    model: Any = services.entity(kind).model
    found: dict[str, Any] = {}
    for chunk in range(0, len(wanted), 900):  # one query per 900 records, not one per record
        rows = session.execute(
            select(model).where(model.id.in_(wanted[chunk : chunk + 900]), model.deleted_at.is_(None))
        ).scalars()
        found.update({r.id: r for r in rows})
    step = next(s for s in steps if s.key == first.step_key)
    enrollment_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    for record_id in wanted:
        record = found.get(record_id)
        if record is None:
            raise services.NotFound(f"There is no {services.entity(kind).singular} with id {record_id}.")
        if kind == "leads" and record.status in ("converted", "disqualified"):
            done.skipped.append((record_id, f"the lead is {record.status}"))
            continue
        links = _links(kind, record)
        owner = owner_id or getattr(record, "owner_id", None)
        enrollment_id = make_id()
        activity_id = step_activity_id(enrollment_id, 1)
        enrollment_rows.append(
            {
                "id": enrollment_id,
                "template_id": template_id,
                **links,
                "status": "active",
                "step_key": first.step_key,
                "step_no": 1,
                "attempt": 0,
                "due_at": first.due_at,
                "started_at": now,
                "owner_id": owner,
                "activity_id": activity_id,
            }
        )
        activity_rows.append({"id": activity_id, **_step_values(step, first, enrollment_id, links, owner)})
        done.enrollment_ids.append(enrollment_id)
    services.create_many(session, "sequence_enrollments", enrollment_rows)
    services.create_many(session, "activities", activity_rows)
    return done


def _step_values(
    step: Step, decision: Decision, enrollment_id: str, links: Mapping[str, Any], owner_id: str | None
) -> dict[str, Any]:
    """The due activity of a step: its kind, title (with the try on a repeat), due time and links."""
    title = step.title if not decision.attempt else f"{step.title} (try {decision.attempt + 1})"
    return {
        "kind": step.kind,
        "subject": title[:200],
        "due_at": decision.due_at,
        "enrollment_id": enrollment_id,
        "step_key": step.key,
        "owner_id": owner_id,
        **{k: v for k, v in links.items() if k in ("lead_id", "contact_id", "opportunity_id", "account_id")},
    }


def _links(kind: str, record: Any) -> dict[str, Any]:
    """The enrollment's (and its activities') references for an enrolled record."""
    if kind == "leads":
        return {"lead_id": record.id, "account_id": None}
    if kind == "contacts":
        return {"contact_id": record.id, "account_id": record.account_id}
    return {"opportunity_id": record.id, "account_id": record.account_id, "contact_id": record.contact_id}


def _give_step(
    session: Session,
    enrollment_id: str,
    step_no: int,
    steps: Sequence[Step],
    decision: Decision,
    links: Mapping[str, Any],
    owner_id: str | None,
) -> str:
    """The due activity of a step (made once: the id is the same on every laptop)."""
    step = next(s for s in steps if s.key == decision.step_key)
    activity_id = step_activity_id(enrollment_id, step_no)
    values = _step_values(step, decision, enrollment_id, links, owner_id)
    existing = session.get(Activity, activity_id)
    if existing is not None:  # already made here (e.g. pulled from another laptop that logged it first)
        services.update(
            session, "activities", activity_id, {k: v for k, v in values.items() if v is not None}
        )
    else:
        services.create_many(session, "activities", [{**values, "id": activity_id}])
    return activity_id


# -- advancing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Advanced:
    enrollment_id: str | None
    decision: Decision | None
    next_activity_id: str | None


def _enrollment(session: Session, enrollment_id: str) -> SequenceEnrollment:
    record = services.get(session, "sequence_enrollments", enrollment_id)
    assert isinstance(record, SequenceEnrollment)
    return record


def record_outcome(
    session: Session,
    activity_id: str,
    outcome: str,
    *,
    notes: str | None = None,
    duration_minutes: int | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo | None = None,
) -> Advanced:
    """Log the outcome of a due activity; for a sequence step, schedule what the template says next."""
    now = now or utcnow()
    activity = services.get(session, "activities", activity_id)
    assert isinstance(activity, Activity)
    if activity.done_at is not None:
        raise EnrollmentError(
            f"'{activity.subject}' was already logged ({activity.outcome or 'done'}); "
            "refresh to see what is next."
        )
    done: dict[str, Any] = {"done_at": now, "outcome": outcome}
    if notes:
        done["notes"] = f"{activity.notes}\n\n{notes}" if activity.notes else notes
    if duration_minutes is not None:
        done["duration_minutes"] = duration_minutes
    if activity.enrollment_id is None:
        services.update(session, "activities", activity_id, done)
        return Advanced(None, None, None)
    enrollment = _enrollment(session, activity.enrollment_id)
    if enrollment.activity_id != activity_id or enrollment.status not in OPEN:
        raise EnrollmentError(
            "This step is no longer the sequence's current step (it moved on, maybe on another laptop); "
            "refresh to see what is next."
        )
    if enrollment.status == "paused":
        raise EnrollmentError("The sequence is paused for this record; resume it first.")
    if orphaned(session, enrollment):
        end_orphan(session, enrollment, now)
        raise EnrollmentError("The enrolled record was deleted; the sequence has ended.")
    _template, steps = template_steps(session, enrollment.template_id)
    # the step's own activity says which step this is (see ``reconcile``)
    step_key = activity.step_key or enrollment.step_key or ""
    attempt = tries_before(session, enrollment.id, step_key, activity_id)
    planned = activity.due_at
    if planned is not None and planned.tzinfo is None:
        planned = planned.replace(tzinfo=dt.UTC)
    decision = sequences.decide(steps, step_key, attempt, outcome, now, tz, planned=planned)
    services.update(session, "activities", activity_id, done)
    return _apply(session, enrollment, steps, decision, now)


def _apply(
    session: Session,
    enrollment: SequenceEnrollment,
    steps: Sequence[Step],
    decision: Decision,
    now: dt.datetime,
) -> Advanced:
    if decision.step_key is None:
        services.update(
            session,
            "sequence_enrollments",
            enrollment.id,
            {
                "status": decision.status,
                "step_key": None,
                "due_at": None,
                "activity_id": None,
                "ended_at": now,
                "result": decision.result,
                "reason": decision.reason,
            },
        )
        if decision.lead_status and enrollment.lead_id:
            _set_lead_status(
                session, enrollment.lead_id, decision.lead_status, decision.reason or decision.result
            )
        return Advanced(enrollment.id, decision, None)
    step_no = enrollment.step_no + 1
    links = {
        "lead_id": enrollment.lead_id,
        "contact_id": enrollment.contact_id,
        "opportunity_id": enrollment.opportunity_id,
        "account_id": enrollment.account_id,
    }
    activity_id = _give_step(session, enrollment.id, step_no, steps, decision, links, enrollment.owner_id)
    services.update(
        session,
        "sequence_enrollments",
        enrollment.id,
        {
            "step_key": decision.step_key,
            "step_no": step_no,
            "attempt": decision.attempt,
            "due_at": decision.due_at,
            "activity_id": activity_id,
        },
    )
    return Advanced(enrollment.id, decision, activity_id)


def _set_lead_status(session: Session, lead_id: str, status: str, reason: str | None) -> None:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None or lead.status == "converted":
        return
    services.update(
        session, "leads", lead_id, {"status": status, "status_reason": (reason or "")[:200] or None}
    )


def _close_activity(session: Session, activity_id: str | None, note: str, now: dt.datetime) -> None:
    """The open step of an ending (or skipped) enrollment is closed as cancelled, with why."""
    if not activity_id:
        return
    activity = session.get(Activity, activity_id)
    if activity is None or activity.deleted_at is not None or activity.done_at is not None:
        return
    notes = f"{activity.notes}\n\n{note}" if activity.notes else note
    services.update(
        session, "activities", activity_id, {"done_at": now, "outcome": "cancelled", "notes": notes}
    )


def pause(session: Session, enrollment_id: str) -> None:
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status != "active":
        raise EnrollmentError(f"Only an active sequence can be paused; this one is {enrollment.status}.")
    services.update(session, "sequence_enrollments", enrollment_id, {"status": "paused"})


def resume(session: Session, enrollment_id: str, *, now: dt.datetime | None = None) -> None:
    """Carry on; a step that fell due while paused is due now."""
    now = now or utcnow()
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status != "paused":
        raise EnrollmentError(f"Only a paused sequence can be resumed; this one is {enrollment.status}.")
    changes: dict[str, Any] = {"status": "active"}
    if enrollment.due_at is not None and enrollment.due_at < now:
        changes["due_at"] = now
        activity = session.get(Activity, enrollment.activity_id) if enrollment.activity_id else None
        if activity is not None and activity.done_at is None:
            services.update(session, "activities", activity.id, {"due_at": now})
    services.update(session, "sequence_enrollments", enrollment_id, changes)


def exit_enrollment(
    session: Session,
    enrollment_id: str,
    *,
    result: str = "exited",
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    now = now or utcnow()
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status not in OPEN:
        raise EnrollmentError(f"The sequence has already ended ({enrollment.status}).")
    why = f"Sequence ended ({result})" + (f": {reason}" if reason else ".")
    _close_activity(session, enrollment.activity_id, why, now)
    services.update(
        session,
        "sequence_enrollments",
        enrollment_id,
        {
            "status": "exited",
            "due_at": None,
            "ended_at": now,
            "result": result[:40],
            "reason": (reason or "")[:200] or None,
        },
    )


def skip_step(
    session: Session, enrollment_id: str, *, now: dt.datetime | None = None, tz: dt.tzinfo | None = None
) -> Advanced:
    """Skip the current step: it is closed as cancelled and the following step in the list is given."""
    now = now or utcnow()
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status != "active":
        raise EnrollmentError(
            f"Only an active sequence's step can be skipped; this one is {enrollment.status}."
        )
    _template, steps = template_steps(session, enrollment.template_id)
    _close_activity(session, enrollment.activity_id, "Step skipped.", now)
    return _apply(session, enrollment, steps, sequences.skip(steps, enrollment.step_key or "", now, tz), now)


def tries_before(session: Session, enrollment_id: str, step_key: str, activity_id: str) -> int:
    """How many times the step was given before this activity (a step is never come back to except by its
    repeats, so they are all the activities of the enrollment for that step)."""
    return int(
        session.execute(
            select(func.count()).where(
                Activity.enrollment_id == enrollment_id,
                Activity.step_key == step_key,
                Activity.id != activity_id,
                Activity.deleted_at.is_(None),
            )
        ).scalar_one()
    )


# -- enrolled records deleted (here, or on another laptop) ------------------------------------------------


_RECORD_OF = (
    ("lead_id", Lead, "lead"),
    ("contact_id", Contact, "contact"),
    ("opportunity_id", Opportunity, "opportunity"),
)


def orphaned(session: Session, enrollment: SequenceEnrollment) -> str | None:
    """'lead' (etc.) when the enrolled record was deleted (here or on another laptop), else None."""
    for column, model, noun in _RECORD_OF:
        record_id = getattr(enrollment, column)
        if record_id is None:
            continue
        record = session.get(model, record_id)
        if record is None or record.deleted_at is not None:
            return noun
    return None


def end_orphan(session: Session, enrollment: SequenceEnrollment, now: dt.datetime) -> None:
    noun = orphaned(session, enrollment) or "record"
    exit_enrollment(
        session,
        enrollment.id,
        result="record deleted",
        reason=f"The enrolled {noun} was deleted (here or on another laptop), so the sequence ended.",
        now=now,
    )
