"""The demo reps' day: a home base for each (where the call sheet's route starts: ``home_bases`` of
``resources/demo/places.json``) and, for the demo's
``today``, a day on the road planned for each rep: four visits and meetings near their base, in the order
a nearest-neighbour route takes them (so the times and the route agree), and three phone calls.

Drawn from its own random generator seeded from the demo's seed, so the rest of the demo stays as it was
and the same seed and ``today`` give the same day.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.callsheet.route import distance_km, nearest_neighbour
from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services

#: Local times (the demo's time zone) of the visits, in route order, and of the calls: a working day from
#: a first call at 8:30 to the last at 16:30, the visits an hour each with time to drive and for lunch.
VISIT_TIMES = (dt.time(9, 30), dt.time(11, 0), dt.time(13, 30), dt.time(15, 0))
CALL_TIMES = (dt.time(8, 30), dt.time(12, 30), dt.time(16, 30))
VISIT_KINDS = ("visit", "meeting", "visit", "visit")
NEARBY = 12


def _at(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tz).astimezone(dt.UTC)


def seed(session: Session, *, today: dt.date, seed: int, tz: dt.tzinfo = dt.UTC) -> int:
    """Give the demo staff their home bases and plan today for each rep, in the working hours of ``tz``.
    Returns the activities made."""
    rng = random.Random(f"sfa-demo-day:{seed}")
    users = session.execute(
        text("SELECT id, login, role FROM users WHERE deleted_at IS NULL ORDER BY login")
    ).all()
    words = data.load()
    rows: list[dict[str, Any]] = []
    for user_id, login, role in users:
        if login not in words.home_bases:
            continue
        base = words.home_bases[login]
        label, latitude, longitude = base.label, base.latitude, base.longitude
        services.update(
            session,
            "users",
            user_id,
            {"home_base": label, "home_latitude": latitude, "home_longitude": longitude},
        )
        if role == "rep":
            rows += _day(session, rng, words, user_id, (latitude, longitude), today, tz)
    services.create_many(session, "activities", rows)
    return len(rows)


def _day(
    session: Session,
    rng: random.Random,
    words: data.DemoData,
    rep: str,
    home: tuple[float, float],
    today: dt.date,
    tz: dt.tzinfo,
) -> list[dict[str, Any]]:
    accounts = session.execute(
        text(
            "SELECT a.id, a.latitude, a.longitude, "
            "(SELECT c.id FROM contacts c WHERE c.account_id = a.id AND c.deleted_at IS NULL ORDER BY c.id "
            "LIMIT 1), (SELECT c.first_name || ' ' || c.last_name FROM contacts c WHERE c.account_id = a.id "
            "AND c.deleted_at IS NULL ORDER BY c.id LIMIT 1), (SELECT o.id FROM opportunities o WHERE "
            "o.account_id = a.id AND o.deleted_at IS NULL AND o.stage NOT LIKE 'closed%' ORDER BY o.id "
            "LIMIT 1) FROM accounts a WHERE a.owner_id = :rep AND a.deleted_at IS NULL "
            "AND a.latitude IS NOT NULL AND a.longitude IS NOT NULL ORDER BY a.id"
        ),
        {"rep": rep},
    ).all()
    with_contact = [a for a in accounts if a[3] is not None]
    if len(with_contact) < len(VISIT_TIMES) + len(CALL_TIMES):
        return []
    by_distance = sorted(with_contact, key=lambda a: (distance_km(home, (a[1], a[2])), a[0]))
    visits = rng.sample(by_distance[:NEARBY], len(VISIT_TIMES))
    route = nearest_neighbour(home, [(a, (a[1], a[2])) for a in visits])
    others = [a for a in with_contact if a not in visits]
    calls = rng.sample(others, len(CALL_TIMES))
    rows = []
    for stop, time, kind in zip(route, VISIT_TIMES, VISIT_KINDS, strict=True):
        subject = rng.choice(words.visit_subjects[kind])
        rows.append(_activity(rng, words, rep, stop.item, kind, subject, _at(today, time, tz)))
    for account, time in zip(calls, CALL_TIMES, strict=True):
        subject = rng.choice(words.call_subjects)
        rows.append(_activity(rng, words, rep, account, "call", subject, _at(today, time, tz)))
    return rows


def _activity(
    rng: random.Random,
    words: data.DemoData,
    rep: str,
    account: Any,
    kind: str,
    subject: str,
    due: dt.datetime,
) -> dict[str, Any]:
    account_id, _lat, _lon, contact_id, contact_name, opportunity_id = account
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "kind": kind,
        "subject": f"{subject} with {contact_name}",
        "due_at": due,
        "notes": rng.choice(words.agendas),
        "duration_minutes": 60 if kind != "call" else 20,
        "account_id": account_id,
        "contact_id": contact_id,
        "opportunity_id": opportunity_id,
        "owner_id": rep,
    }
