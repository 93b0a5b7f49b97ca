"""Demo sequences: four realistic templates with branching and call scripts
(``resources/demo/sequences.json``, as ``sfa central sequences import`` reads it), and the demo reps'
leads, contacts and opportunities enrolled in them, so that the Today page is alive right after ``sfa demo``.

Enrollments start on earlier days and go through the sequence with outcomes logged at past times (through
the same services as the window), leaving current steps overdue, due today and upcoming relative to the
demo's ``today``.  Deterministic: ids and choices come from the demo's seeded random generator.
Knowledge-base articles are seeded elsewhere; steps link none here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity, Contact, Lead, Opportunity, SequenceEnrollment
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.core.sequences import templates as sequences

#: (template index, record kind, how many per rep)
PLAN = ((0, "leads", 10), (1, "opportunities", 4), (2, "contacts", 4), (3, "contacts", 3))
#: Where an enrollment's current step ends up: days from today of the last logged outcome, and how many
#: outcomes were logged.
_SCENARIOS = ("overdue", "today", "today", "upcoming", "upcoming", "history", "ended")
_PREFERRED = ("no answer", "left message", "completed", "interested", "follow-up needed", "meeting booked")


def _at(today: dt.date, days: int, rng: random.Random, tz: dt.tzinfo) -> dt.datetime:
    """A quarter hour between 8:00 and 16:30 in the demo's time zone, ``days`` from today, in UTC."""
    minutes = 8 * 60 + 15 * rng.randrange(0, 35)
    start = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(0), tz) + dt.timedelta(
        minutes=minutes
    )
    return start.astimezone(dt.UTC)


def seed(
    session: Session,
    rng: random.Random,
    today: dt.date,
    uid: Callable[[], str],
    tz: dt.tzinfo = dt.UTC,
) -> dict[str, int]:
    """Templates and enrollments, in the working hours of ``tz``; returns the counts of the rows made."""
    template_ids = []
    rows = []
    for template in data.load().sequence_templates:
        steps = sequences.validate(template["steps"])
        template_ids.append(uid())
        rows.append(
            {**template, "id": template_ids[-1], "steps": sequences.steps_json(steps), "active": True}
        )
    services.create_many(session, "sequence_templates", rows)
    owners = [
        o
        for o in session.execute(select(Lead.owner_id).distinct().order_by(Lead.owner_id)).scalars()
        if o is not None
    ]
    made = 0
    for owner in owners:
        for index, kind, count in PLAN:
            candidates = _candidates(session, kind, owner)
            for record_id in rng.sample(candidates, min(count, len(candidates))):
                made += _enroll_one(session, rng, today, tz, uid, template_ids[index], kind, record_id)
    given = session.execute(select(func.count()).where(Activity.enrollment_id.is_not(None))).scalar_one()
    return {"sequence_templates": len(rows), "sequence_enrollments": made, "activities": int(given)}


def _candidates(session: Session, kind: str, owner: str) -> list[str]:
    if kind == "leads":
        query = select(Lead.id).where(Lead.owner_id == owner, Lead.status.in_(("new", "working")))
    elif kind == "contacts":
        query = select(Contact.id).where(Contact.owner_id == owner)
    else:
        query = select(Opportunity.id).where(
            Opportunity.owner_id == owner,
            Opportunity.stage.in_(("needs analysis", "proposal", "negotiation")),
        )
    return sorted(session.execute(query).scalars())


def _enroll_one(
    session: Session,
    rng: random.Random,
    today: dt.date,
    tz: dt.tzinfo,
    uid: Callable[[], str],
    template_id: str,
    kind: str,
    record_id: str,
) -> int:
    scenario = rng.choice(_SCENARIOS)
    start_day = {"overdue": -rng.randint(1, 3), "today": 0}.get(scenario, -rng.randint(4, 12))
    if scenario == "today":
        start = dt.datetime.combine(today, dt.time(0), tz) + dt.timedelta(hours=rng.randint(8, 15))
    else:
        start = _at(today, start_day, rng, tz)
    done = enrollments.enroll(session, template_id, kind, [record_id], now=start, tz=tz, make_id=uid)
    if not done.enrollment_ids:
        return 0
    enrollment_id = done.enrollment_ids[0]
    if scenario in ("history", "upcoming", "ended"):
        _advance(session, rng, today, tz, enrollment_id, ending=scenario == "ended")
    return 1


def _advance(
    session: Session,
    rng: random.Random,
    today: dt.date,
    tz: dt.tzinfo,
    enrollment_id: str,
    *,
    ending: bool,
) -> None:
    """Log outcomes on past steps until the current step is due from yesterday on (or the sequence ends)."""
    horizon = (dt.datetime.combine(today, dt.time(0), tz) - dt.timedelta(days=1)).astimezone(dt.UTC)
    for _ in range(8):
        enrollment = session.get(SequenceEnrollment, enrollment_id)
        assert enrollment is not None
        if enrollment.status != "active" or enrollment.due_at is None or enrollment.due_at >= horizon:
            return
        activity = session.get(Activity, enrollment.activity_id)
        assert activity is not None
        _template, steps = enrollments.template_steps(session, enrollment.template_id)
        step = next(s for s in steps if s.key == enrollment.step_key)
        options = list(step.outcomes)
        ends = [o for o in options if step.outcomes[o].kind in ("complete", "exit")]
        going = [o for o in options if o in _PREFERRED and o not in ends] or options
        outcome = rng.choice(ends) if ending and ends and rng.random() < 0.6 else rng.choice(going)
        when = enrollment.due_at + dt.timedelta(minutes=rng.randrange(5, 90, 5))
        minutes = {"call": rng.randint(2, 15), "visit": rng.randint(30, 90), "meeting": 30}.get(step.kind)
        enrollments.record_outcome(session, activity.id, outcome, now=when, tz=tz, duration_minutes=minutes)
