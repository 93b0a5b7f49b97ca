"""Demo sequences: four realistic templates with branching and call scripts, and the demo reps' leads,
contacts and opportunities enrolled in them, so that the Today page is alive right after ``sfa demo``.

Enrollments start on earlier days and go through the sequence with outcomes logged at past times (through
the same services as the window), leaving current steps overdue, due today and upcoming relative to the
demo's ``today``.  Deterministic: ids and choices come from the demo's seeded random generator.
Knowledge-base articles are seeded elsewhere; steps link none here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity, Contact, Lead, Opportunity, SequenceEnrollment
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.core.sequences import templates as sequences

_INTRO_SCRIPT = """### Opening
"Hi {first name}, this is {your name} from Fieldline. You downloaded our **fleet telematics guide** last
week — did you get a chance to look at it?"

### Qualify (ask, then listen)
1. How many vehicles do you run today, and who looks after them?
2. How do you track fuel, idle time and maintenance now?
3. What would have to change for this to be a priority this quarter?

### If they are interested
Offer a 30-minute demo **this week or next**; book it while you are on the phone.

> Objection *"we already have a tracker"*: ask what they would improve about it, and note the vendor.
"""
_VOICEMAIL = """Leave a short message (under 20 seconds):

"Hi {first name}, {your name} from Fieldline — calling about the fleet guide you downloaded. I'll send you
a short email; reply with a good time to talk."
"""
_EMAIL = """Send the **introduction email** template:

* subject: *Cutting fleet costs at {company}*
* attach the two-page customer story that matches their industry
* propose two time slots for a call
"""
_DEMO = """### Book the demo
* 30 minutes, video or on site; invite whoever signs off on the fleet budget.
* Confirm the number of vehicles and which systems they use today.
* Send the calendar invitation **before you hang up**.
"""
_RECAP = """Send the demo recap within a day:

1. three things they liked, in their words;
2. the proposal outline and indicative price;
3. the next step with a date.
"""
_DECISION = """### Decision call
* Who else is involved in the decision, and when do they meet?
* Anything missing from the proposal?
* Ask for the order: *"If we can start on the 1st, can we go ahead?"*
"""
_WINBACK = """### Win-back call
They have not ordered in a while. Be curious, not pushy:

* "What has changed on your side since your last order?"
* Mention what is **new** since then (service plans, the new sensors).
* If price was the reason, offer the loyalty discount (up to 8%, ask your manager above that).
"""
_VISIT = """Bring the **new product sheet** and samples. Walk the site with the operations lead and note
where our equipment is used today."""
_THANKS = """Thank them for visiting the stand; mention the product they looked at and offer a short call."""

_REPEAT_CALL = {"repeat": {"after_days": 2, "business_days": True, "max": 2}}

TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "New lead outreach",
        "description": "First contact with a new inbound lead: call, email, follow up, book a demo.",
        "target": "lead",
        "steps": [
            {
                "key": "intro_call",
                "kind": "call",
                "title": "Introduction call",
                "wait_days": 0,
                "business_days": True,
                "instructions": _INTRO_SCRIPT,
                "outcomes": {
                    "no answer": {**_REPEAT_CALL, "then": {"goto": "intro_email"}},
                    "left message": {"goto": "intro_email"},
                    "interested": {"goto": "book_demo"},
                    "not interested": {
                        "exit": "not interested",
                        "reason": "Not interested after first call",
                        "lead_status": "disqualified",
                    },
                },
            },
            {
                "key": "intro_email",
                "kind": "email",
                "title": "Introduction email",
                "wait_days": 1,
                "business_days": True,
                "instructions": _EMAIL,
                "outcomes": {"completed": {"next": True}, "interested": {"goto": "book_demo"}},
            },
            {
                "key": "follow_up_call",
                "kind": "call",
                "title": "Follow-up call",
                "wait_days": 3,
                "business_days": True,
                "instructions": _VOICEMAIL,
                "outcomes": {
                    "no answer": {
                        "repeat": {"after_days": 3, "business_days": True, "max": 1},
                        "then": {"exit": "no response", "reason": "No response after three calls"},
                    },
                    "interested": {"next": True},
                    "not interested": {
                        "exit": "not interested",
                        "reason": "Not interested",
                        "lead_status": "disqualified",
                    },
                },
            },
            {
                "key": "book_demo",
                "kind": "meeting",
                "title": "Book a demo",
                "wait_days": 1,
                "business_days": True,
                "instructions": _DEMO,
                "outcomes": {
                    "meeting booked": {"complete": "demo booked", "lead_status": "qualified"},
                    "follow-up needed": {
                        "repeat": {"after_days": 5, "business_days": True, "max": 1},
                        "then": {"exit": "stalled"},
                    },
                    "not interested": {
                        "exit": "not interested",
                        "lead_status": "disqualified",
                        "reason": "Declined a demo",
                    },
                },
            },
        ],
    },
    {
        "name": "Post-demo follow-up",
        "description": "After a demo: recap, answer questions, ask for the decision.",
        "target": "opportunity",
        "steps": [
            {
                "key": "recap_email",
                "kind": "email",
                "title": "Send the demo recap",
                "wait_days": 0,
                "business_days": True,
                "instructions": _RECAP,
                "outcomes": {"completed": {"next": True}},
            },
            {
                "key": "check_in_call",
                "kind": "call",
                "title": "Check-in call",
                "wait_days": 3,
                "business_days": True,
                "instructions": "Ask whether the recap answered their questions.",
                "outcomes": {
                    "no answer": {"repeat": {"after_days": 2, "business_days": True, "max": 2}},
                    "interested": {"next": True},
                    "follow-up needed": {"goto": "site_visit"},
                    "not interested": {"exit": "lost interest"},
                },
            },
            {
                "key": "site_visit",
                "kind": "visit",
                "title": "Site visit",
                "wait_days": 5,
                "business_days": True,
                "instructions": _VISIT,
                "outcomes": {"completed": {"next": True}, "cancelled": {"next": True}},
            },
            {
                "key": "decision_call",
                "kind": "call",
                "title": "Decision call",
                "wait_days": 2,
                "business_days": True,
                "instructions": _DECISION,
                "outcomes": {
                    "order placed": {"complete": "won"},
                    "follow-up needed": {"repeat": {"after_days": 7, "business_days": True, "max": 2}},
                    "not interested": {"exit": "lost"},
                },
            },
        ],
    },
    {
        "name": "Win-back",
        "description": "Customers who stopped ordering: find out why and bring them back.",
        "target": "contact",
        "steps": [
            {
                "key": "winback_call",
                "kind": "call",
                "title": "Win-back call",
                "wait_days": 0,
                "business_days": True,
                "instructions": _WINBACK,
                "outcomes": {
                    "no answer": {
                        "repeat": {"after_days": 3, "business_days": True, "max": 2},
                        "then": {"goto": "winback_email"},
                    },
                    "interested": {"goto": "winback_visit"},
                    "not interested": {"exit": "not interested"},
                },
            },
            {
                "key": "winback_email",
                "kind": "email",
                "title": "Win-back offer email",
                "wait_days": 2,
                "business_days": True,
                "instructions": "Send the loyalty offer with the new catalogue.",
                "outcomes": {
                    "completed": {"complete": "offer sent"},
                    "interested": {"goto": "winback_visit"},
                },
            },
            {
                "key": "winback_visit",
                "kind": "visit",
                "title": "Visit with samples",
                "wait_days": 4,
                "business_days": True,
                "instructions": _VISIT,
                "outcomes": {
                    "order placed": {"complete": "won back"},
                    "completed": {"complete": "visited"},
                    "not interested": {"exit": "not interested"},
                },
            },
        ],
    },
    {
        "name": "Trade show follow-up",
        "description": "People met at a trade show stand.",
        "target": "any",
        "steps": [
            {
                "key": "thanks_email",
                "kind": "email",
                "title": "Thank-you email",
                "wait_days": 0,
                "business_days": True,
                "instructions": _THANKS,
                "outcomes": {"completed": {"next": True}},
            },
            {
                "key": "show_call",
                "kind": "call",
                "title": "Call after the show",
                "wait_days": 2,
                "business_days": True,
                "instructions": _INTRO_SCRIPT,
                "outcomes": {
                    "no answer": {"repeat": {"after_days": 2, "business_days": True, "max": 1}},
                    "interested": {"complete": "interested", "lead_status": "working"},
                    "not interested": {"exit": "not interested"},
                },
            },
        ],
    },
)
#: (template index, record kind, how many per rep)
PLAN = ((0, "leads", 10), (1, "opportunities", 4), (2, "contacts", 4), (3, "contacts", 3))
#: Where an enrollment's current step ends up: days from today of the last logged outcome, and how many
#: outcomes were logged.
_SCENARIOS = ("overdue", "today", "today", "upcoming", "upcoming", "history", "ended")
_PREFERRED = ("no answer", "left message", "completed", "interested", "follow-up needed", "meeting booked")


def _at(today: dt.date, days: int, rng: random.Random) -> dt.datetime:
    """A quarter hour between 8:00 and 16:30 US Eastern (13:00-21:30 UTC), ``days`` from today."""
    minutes = 13 * 60 + 15 * rng.randrange(0, 35)
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(0), dt.UTC) + dt.timedelta(
        minutes=minutes
    )


def seed(session: Session, rng: random.Random, today: dt.date, uid: Callable[[], str]) -> dict[str, int]:
    """Templates and enrollments; returns the counts of the rows made."""
    template_ids = []
    rows = []
    for template in TEMPLATES:
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
                made += _enroll_one(session, rng, today, uid, template_ids[index], kind, record_id)
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
    uid: Callable[[], str],
    template_id: str,
    kind: str,
    record_id: str,
) -> int:
    scenario = rng.choice(_SCENARIOS)
    start_day = {"overdue": -rng.randint(1, 3), "today": 0}.get(scenario, -rng.randint(4, 12))
    if scenario == "today":
        start = dt.datetime.combine(today, dt.time(0), dt.UTC) + dt.timedelta(hours=rng.randint(13, 20))
    else:
        start = _at(today, start_day, rng)
    done = enrollments.enroll(session, template_id, kind, [record_id], now=start, tz=dt.UTC, make_id=uid)
    if not done.enrollment_ids:
        return 0
    enrollment_id = done.enrollment_ids[0]
    if scenario in ("history", "upcoming", "ended"):
        _advance(session, rng, today, enrollment_id, ending=scenario == "ended")
    return 1


def _advance(
    session: Session, rng: random.Random, today: dt.date, enrollment_id: str, *, ending: bool
) -> None:
    """Log outcomes on past steps until the current step is due from yesterday on (or the sequence ends)."""
    horizon = dt.datetime.combine(today, dt.time(0), dt.UTC) - dt.timedelta(days=1)
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
        enrollments.record_outcome(
            session, activity.id, outcome, now=when, tz=dt.UTC, duration_minutes=minutes
        )
