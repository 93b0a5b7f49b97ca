"""Visits by service level and the week planner, for the window and ``sfa visits|plan|service-levels``:
the accounts due and overdue, the service levels of a territory and setting them, account segments and
their suggestion, a week's plan and accepting it.  One session each, plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text

from sfa_desktop.core import access, service_levels, settings
from sfa_desktop.core.callsheet.route import format_distance
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.planning import segments, week
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.records import services
from sfa_desktop.core.records.vocabularies import SEGMENTS
from sfa_desktop.core.service_levels import LEVEL_COLUMNS, LevelRow, ServiceLevel
from sfa_desktop.store.database import LocalStore


@dataclass(frozen=True)
class DueRow:
    account_id: str
    name: str
    city: str
    segment: str
    state: str
    last_visit: dt.date | None
    due_from: dt.date
    due_by: dt.date | None
    visit_minutes: int
    territory: str
    owner: str


def visits_due(
    store: LocalStore,
    *,
    segments_wanted: Sequence[str] = SEGMENTS,
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> list[DueRow]:
    """The accounts due or overdue for a visit (the most overdue first)."""
    states = (service_levels.OVERDUE,) if overdue_only else (service_levels.OVERDUE, service_levels.DUE)
    with store.reading() as session:
        found = service_levels.visits_due(session, today=today, states=states, segments=segments_wanted)
        names = {
            r.id: r
            for r in session.execute(
                text(
                    "SELECT a.id, a.name, a.city, t.name AS territory, u.full_name AS owner FROM accounts a "
                    "LEFT JOIN territories t ON t.id = a.territory_id LEFT JOIN users u ON u.id = a.owner_id "
                    "WHERE a.deleted_at IS NULL"
                )
            )
        }
    rows = [
        DueRow(
            d.account_id,
            names[d.account_id].name,
            names[d.account_id].city or "",
            d.segment,
            d.state,
            d.last_visit,
            d.due_from,
            d.due_by,
            d.visit_minutes,
            names[d.account_id].territory or "",
            names[d.account_id].owner or "",
        )
        for d in found.values()
    ]
    return sorted(
        rows, key=lambda r: (r.state != service_levels.OVERDUE, r.due_by or r.due_from, r.name.casefold())
    )


def next_visit(store: LocalStore, account_id: str) -> service_levels.VisitDue:
    with store.reading() as session:
        return service_levels.next_visit_due(session, account_id)


@dataclass(frozen=True)
class AccountVisits:
    """What the account's Visits tab shows."""

    due: service_levels.VisitDue
    level: ServiceLevel
    own_frequency: bool  # the account's own visit frequency overrides its level's
    visiting_hours: str | None


def account_visits(store: LocalStore, account_id: str) -> AccountVisits:
    with store.reading() as session:
        due = service_levels.next_visit_due(session, account_id)
        level = service_levels.level_for(session, account_id)
        row = session.execute(
            text("SELECT visit_min_days, visit_max_days, visiting_hours FROM accounts WHERE id = :id"),
            {"id": account_id},
        ).one()
    own = row.visit_min_days is not None or row.visit_max_days is not None
    return AccountVisits(due, level, own, row.visiting_hours)


@dataclass(frozen=True)
class VisitCounts:
    overdue: int
    due_this_week: int  # due (not overdue) by the seventh day from today


def visit_counts(store: LocalStore, today: dt.date | None = None) -> VisitCounts:
    """For Today: the accounts overdue for a visit, and those due in the next seven days."""
    day = today or dt.date.today()
    with store.reading() as session:
        now = service_levels.visits_due(session, today=day, states=(service_levels.OVERDUE,))
        week_end = service_levels.visits_due(
            session, today=day + dt.timedelta(days=6), states=(service_levels.DUE, service_levels.OVERDUE)
        )
    return VisitCounts(len(now), len(set(week_end) - set(now)))


def level_for(store: LocalStore, account_id: str) -> ServiceLevel:
    with store.reading() as session:
        return service_levels.level_for(session, account_id)


# -- service levels ---------------------------------------------------------------------------------------


def territory_choices(store: LocalStore) -> list[tuple[str | None, str]]:
    """(id, label) of the company (None) and every territory, in tree order, for choosing where to set."""
    with store.reading() as session:
        rows = session.execute(
            text("SELECT id, parent_id, name, code FROM territories WHERE deleted_at IS NULL ORDER BY name")
        ).all()
    children: dict[str | None, list[tuple[str, str, str]]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append((r.id, r.name, r.code))
    found: list[tuple[str | None, str]] = [(None, "The company (default)")]

    def walk(parent: str | None, depth: int) -> None:
        for territory_id, name, code in children.get(parent, []):
            found.append((territory_id, "    " * depth + f"{name} ({code})"))
            walk(territory_id, depth + 1)

    walk(None, 0)
    known = {r.id for r in rows}
    for r in rows:  # territories whose parent this laptop does not hold
        if r.parent_id is not None and r.parent_id not in known:
            found.append((r.id, f"{r.name} ({r.code})"))
            walk(r.id, 1)
    return found


def levels(store: LocalStore, territory_id: str | None) -> list[LevelRow]:
    with store.reading() as session:
        return service_levels.effective_levels(session, territory_id)


def may_set_levels(store: LocalStore, territory_id: str | None) -> bool:
    with store.reading() as session:
        who = access.this_user(session.connection())
    return access.may_write_row(who, "service_levels", None, {"territory_id": territory_id})


def set_level(store: LocalStore, territory_id: str | None, level: ServiceLevel) -> str:
    """Set a segment's service level on a territory (None: the company); the row's id."""
    service_levels.check_level(level)
    values = {c: getattr(level, c) for c in LEVEL_COLUMNS}
    with store.transaction() as session:
        row = session.execute(
            text(
                "SELECT id FROM service_levels WHERE deleted_at IS NULL AND segment = :segment AND "
                "territory_id IS :territory ORDER BY updated_at DESC, id LIMIT 1"
            ),
            {"segment": level.segment, "territory": territory_id},
        ).scalar()
        if row is not None:
            return services.update(session, "service_levels", row, values).id
        given = {"territory_id": territory_id, "segment": level.segment, **values}
        return services.create(session, "service_levels", given).id


def clear_level(store: LocalStore, territory_id: str | None, segment: str) -> bool:
    """Remove a segment's level set on a territory (it inherits again); False when none was set."""
    with store.transaction() as session:
        ids = session.execute(
            text(
                "SELECT id FROM service_levels WHERE deleted_at IS NULL AND segment = :segment AND "
                "territory_id IS :territory"
            ),
            {"segment": segment, "territory": territory_id},
        ).scalars()
        removed = [services.delete(session, "service_levels", i) for i in list(ids)]
    return bool(removed)


# -- segments ----------------------------------------------------------------------------------------------


def set_segment(store: LocalStore, account_id: str, segment: str | None) -> None:
    with store.transaction() as session:
        services.update(session, "accounts", account_id, {"segment": segment})


def suggest_segments(
    store: LocalStore, territory_id: str | None, *, today: dt.date | None = None
) -> list[segments.Suggestion]:
    with store.reading() as session:
        who = access.this_user(session.connection())
        visible = who.territories if who is not None and not who.is_admin else None
        return segments.suggest(session, territory_id, visible=visible, today=today)


def apply_segments(store: LocalStore, suggestions: Iterable[segments.Suggestion]) -> int:
    """Give each account its suggested segment (one transaction); how many changed."""
    changed = 0
    with store.transaction() as session:
        for s in suggestions:
            if s.changes:
                services.update(session, "accounts", s.account_id, {"segment": s.suggested})
                changed += 1
    return changed


# -- the week plan -----------------------------------------------------------------------------------------


def this_user_id(store: LocalStore, login: str | None = None) -> str:
    """The id of the user of this login, or of this laptop's user (the only user when there is one)."""
    with store.reading() as session:
        if login is not None:
            found = session.execute(
                text("SELECT id FROM users WHERE login = :login AND deleted_at IS NULL"), {"login": login}
            ).scalar()
            if found is None:
                raise UserError(f"There is no user '{login}' on this laptop; give the login of a rep.")
            return str(found)
        who = access.this_user(session.connection())
        if who is not None:
            return who.user_id
        reps = (
            session.execute(
                text(
                    "SELECT id FROM users WHERE deleted_at IS NULL AND active AND home_latitude IS NOT NULL "
                    "ORDER BY role = 'rep' DESC, login"
                )
            )
            .scalars()
            .all()
        )
    if not reps:
        raise UserError(
            "This laptop is not signed in and holds no user with a home base: give the rep with --rep LOGIN."
        )
    return str(reps[0])


def plan_settings(store: LocalStore) -> PlanSettings:
    with store.reading() as session:
        return week.load_settings(session)


def distance_unit(store: LocalStore) -> str:
    with store.reading() as session:
        return settings.distance_unit(session)


def plan_week(
    store: LocalStore, request: week.WeekRequest, *, now: dt.datetime | None = None
) -> week.WeekPlan:
    with store.reading() as session:
        planned = week.plan_week(session, request, now=now)
        planned.unit_note = settings.distance_unit(session)
    return planned


def accept_plan(store: LocalStore, planned: week.WeekPlan) -> list[str]:
    """Write the plan's visits into the agenda (one transaction); the activity ids."""
    with store.transaction() as session:
        return week.accept(session, planned)


def distance(km: float, unit: str) -> str:
    return format_distance(km, unit)
