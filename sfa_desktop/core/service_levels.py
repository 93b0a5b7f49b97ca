"""Service levels per customer segment (issue 16, item 1): how often an account is visited and for how
long, how fast its requests are answered and resolved, and when its next visit is due.

Where a level comes from, for an account in territory T of segment S (an account without a segment is
served as C):

1. the ``service_levels`` row of S set on T, else on T's parent, and so on up the tree (managers set
   levels per territory; the territories below inherit them);
2. else the company's row of S (no territory; set by administrators);
3. else the built-in default (:data:`DEFAULTS`).

The account's own ``visit_min_days`` / ``visit_max_days``, when set, override the level's frequency.

How an account gets its segment: it is a manager's choice (``accounts.segment``; reps do not change it,
``core.access``).  The territory report's ABC ranking of profitability suggests one
(``core.planning.segments.suggest``); ``sfa accounts segment --suggest --apply`` or the Service levels
page applies the suggestion.

Due: the next visit is due ``visit_min_days`` after the last visit done (an activity of kind visit with
``done_at``) and overdue once more than ``visit_max_days`` have passed.  An account never visited is due
(not overdue).  :func:`next_visit_due` answers for one account, :func:`visits_due` for many in one
query; both come from the SQL of :func:`due_columns`, which the account list uses too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.vocabularies import SEGMENTS

#: The served segment of an account without one.
UNSEGMENTED = "C"
#: Due states, most urgent first.
OVERDUE, DUE, LATER = "overdue", "due", "later"
STATES = (OVERDUE, DUE, LATER)


@dataclass(frozen=True)
class ServiceLevel:
    segment: str
    visit_min_days: int
    visit_max_days: int
    visit_minutes: int
    answer_hours: float
    resolve_hours: float


DEFAULTS: dict[str, ServiceLevel] = {
    "A": ServiceLevel("A", 14, 21, 60, 4.0, 48.0),
    "B": ServiceLevel("B", 30, 45, 45, 8.0, 72.0),
    "C": ServiceLevel("C", 90, 120, 30, 24.0, 120.0),
}
LEVEL_COLUMNS = ("visit_min_days", "visit_max_days", "visit_minutes", "answer_hours", "resolve_hours")


class UnknownAccount(UserError, LookupError):
    """No live account has the id given."""


@dataclass(frozen=True)
class VisitDue:
    account_id: str
    segment: str
    last_visit: dt.date | None
    #: The first day the next visit is due (today for an account never visited).
    due_from: dt.date
    #: The last day before the account is overdue (None for an account never visited).
    due_by: dt.date | None
    visit_minutes: int
    state: str  # overdue | due | later

    @property
    def days_overdue(self) -> int:
        return 0 if self.due_by is None or self.state != OVERDUE else (self.due_from - self.due_by).days


def _segment(r: str) -> str:
    return f"coalesce({r}.segment, '{UNSEGMENTED}')"


def level_sql(column: str, r: str = "r") -> str:
    """SQL for one column of the service level of the account row aliased ``r``: the nearest territory's
    row up the tree, else the company's, else the built-in default."""
    if column not in LEVEL_COLUMNS:
        raise ValueError(f"service levels have no column {column!r}")
    default = " ".join(f"WHEN '{s}' THEN {getattr(level, column)!r}" for s, level in DEFAULTS.items())
    return (
        "coalesce(("
        f"WITH RECURSIVE up(id, depth) AS (SELECT {r}.territory_id, 0 UNION ALL "
        "SELECT t.parent_id, up.depth + 1 FROM territories t JOIN up ON t.id = up.id "
        "WHERE t.parent_id IS NOT NULL AND up.depth < 32) "
        f"SELECT s.{column} FROM service_levels s LEFT JOIN up ON up.id = s.territory_id "
        f"WHERE s.deleted_at IS NULL AND s.segment = {_segment(r)} "
        "AND (s.territory_id IS NULL OR up.id IS NOT NULL) "
        "ORDER BY up.depth IS NULL, up.depth, s.updated_at DESC, s.id LIMIT 1), "
        f"CASE {_segment(r)} {default} END)"
    )


def due_columns(r: str = "r", today: str = "date('now', 'localtime')") -> dict[str, str]:
    """SQL expressions over the account row ``r`` (``today``: SQL for today's date as YYYY-MM-DD): its
    segment, last visit, next visit due, overdue after, visit length and due state."""
    last = (
        "(SELECT date(max(x.done_at), 'localtime') FROM activities x WHERE x.account_id = "
        f"{r}.id AND x.kind = 'visit' AND x.done_at IS NOT NULL AND x.deleted_at IS NULL)"
    )
    low = f"coalesce({r}.visit_min_days, {level_sql('visit_min_days', r)})"
    high = f"max({low}, coalesce({r}.visit_max_days, {level_sql('visit_max_days', r)}))"
    due_from = f"coalesce(date({last}, '+' || {low} || ' days'), {today})"
    due_by = f"date({last}, '+' || {high} || ' days')"
    state = (
        f"CASE WHEN {last} IS NULL THEN '{DUE}' WHEN {due_by} < {today} THEN '{OVERDUE}' "
        f"WHEN {due_from} <= {today} THEN '{DUE}' ELSE '{LATER}' END"
    )
    return {
        "segment": _segment(r),
        "last_visit": last,
        "due_from": due_from,
        "due_by": due_by,
        "visit_minutes": level_sql("visit_minutes", r),
        "state": state,
    }


def _date(value: object) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def visits_due(
    session: Session,
    account_ids: Iterable[str] | None = None,
    *,
    today: dt.date | None = None,
    territory_ids: Iterable[str] | None = None,
    states: Iterable[str] = STATES,
    segments: Iterable[str] = SEGMENTS,
) -> dict[str, VisitDue]:
    """The visit due state of many live accounts at once (all of them, the ids given, or those of the
    territories given), keeping the ``states`` and ``segments`` asked for."""
    day = today or dt.date.today()
    cols = due_columns("r", ":today")
    wanted_states, wanted_segments = tuple(states), tuple(segments)
    params: dict[str, object] = {"today": day.isoformat()}
    where = ["r.deleted_at IS NULL"]
    for name, values in (("id", account_ids), ("territory_id", territory_ids)):
        if values is not None:
            listed = list(values)
            keys = [f"{name}{i}" for i in range(len(listed))]
            params.update(zip(keys, listed, strict=True))
            where.append(f"r.{name} IN ({', '.join(':' + k for k in keys) or 'NULL'})")
    sql = (
        f"SELECT id, segment, last_visit, due_from, due_by, visit_minutes, state FROM ("
        f"SELECT r.id, {cols['segment']} AS segment, {cols['last_visit']} AS last_visit, "
        f"{cols['due_from']} AS due_from, {cols['due_by']} AS due_by, "
        f"{cols['visit_minutes']} AS visit_minutes, {cols['state']} AS state "
        f"FROM accounts r WHERE {' AND '.join(where)})"
    )
    found: dict[str, VisitDue] = {}
    for row in session.execute(text(sql), params):
        if row.state not in wanted_states or row.segment not in wanted_segments:
            continue
        found[row.id] = VisitDue(
            row.id,
            row.segment,
            _date(row.last_visit),
            _date(row.due_from) or day,
            _date(row.due_by),
            int(row.visit_minutes),
            row.state,
        )
    return found


def next_visit_due(session: Session, account_id: str, today: dt.date | None = None) -> VisitDue:
    """When the account's next visit is due, and whether it is due or overdue today."""
    found = visits_due(session, [account_id], today=today)
    if account_id not in found:
        raise UnknownAccount(f"There is no account {account_id}: it was deleted, or the id is wrong.")
    return found[account_id]


def level_for(session: Session, account_id: str) -> ServiceLevel:
    """The service level that applies to the account, its own visit frequency included."""
    columns = ", ".join(f"{level_sql(c)} AS {c}" for c in LEVEL_COLUMNS)
    row = session.execute(
        text(
            f"SELECT {_segment('r')} AS segment, r.visit_min_days AS own_min, r.visit_max_days AS own_max, "
            f"{columns} FROM accounts r WHERE r.id = :id AND r.deleted_at IS NULL"
        ),
        {"id": account_id},
    ).one_or_none()
    if row is None:
        raise UnknownAccount(f"There is no account {account_id}: it was deleted, or the id is wrong.")
    low = int(row.own_min if row.own_min is not None else row.visit_min_days)
    high = max(low, int(row.own_max if row.own_max is not None else row.visit_max_days))
    return ServiceLevel(
        row.segment, low, high, int(row.visit_minutes), float(row.answer_hours), float(row.resolve_hours)
    )


@dataclass(frozen=True)
class LevelRow:
    """A service level as set (for the settings page and ``sfa service-levels list``): where it comes
    from (``source``: a territory's name, "company" or "default") for one territory and segment."""

    territory_id: str | None
    segment: str
    level: ServiceLevel
    source: str
    row_id: str | None  # the row set on this very territory (None: inherited)


def effective_levels(session: Session, territory_id: str | None) -> list[LevelRow]:
    """The level of each segment for a territory (None: the company), with where each comes from."""
    territories = {
        r.id: (r.parent_id, r.name)
        for r in session.execute(text("SELECT id, parent_id, name FROM territories WHERE deleted_at IS NULL"))
    }
    rows: dict[tuple[str | None, str], tuple[str, ServiceLevel]] = {}
    for r in session.execute(
        text(
            f"SELECT id, territory_id, segment, {', '.join(LEVEL_COLUMNS)} FROM service_levels "
            "WHERE deleted_at IS NULL ORDER BY updated_at, id"
        )
    ):
        level = ServiceLevel(
            r.segment, r.visit_min_days, r.visit_max_days, r.visit_minutes, r.answer_hours, r.resolve_hours
        )
        rows[(r.territory_id, r.segment)] = (r.id, level)
    chain: list[str | None] = []
    here, seen = territory_id, set()
    while here is not None and here not in seen and here in territories:
        seen.add(here)
        chain.append(here)
        here = territories[here][0]
    chain.append(None)
    found = []
    for segment in SEGMENTS:
        for place in chain:
            if (place, segment) in rows:
                row_id, level = rows[(place, segment)]
                source = "company" if place is None else territories[place][1]
                found.append(
                    LevelRow(territory_id, segment, level, source, row_id if place == territory_id else None)
                )
                break
        else:
            found.append(LevelRow(territory_id, segment, DEFAULTS[segment], "default", None))
    return found


def check_level(level: ServiceLevel) -> None:
    """Refuse a level whose visit frequency runs backwards."""
    if level.visit_max_days < level.visit_min_days:
        raise UserError(
            f"Segment {level.segment}: visits every {level.visit_min_days} to {level.visit_max_days} days "
            "runs backwards; give a most number of days at least the least."
        )


# -- what the other features of issue 15 and 16 ask of the service levels -----------------------------------


def request_targets(session: Session, account_ids: Collection[str]) -> dict[str, tuple[float, float]]:
    """Hours to the first answer and to the resolution of a request about each account (``core.requests``'s
    ``targets``); an account no longer there is held to the unsegmented level.

    A list of thousands of requests asks this once for all the accounts it shows: their territories and
    segments in one query (a few for thousands of accounts), each territory's levels worked out once per
    session (from the few rows of ``service_levels`` and ``territories``)."""
    cache: dict[str | None, dict[str, ServiceLevel]] = session.info.setdefault("sfa_levels_by_territory", {})
    wanted = sorted({a for a in account_ids if a is not None})
    placed: dict[str, tuple[str | None, str | None]] = {}
    query = text(
        "SELECT id, territory_id, segment FROM accounts WHERE deleted_at IS NULL AND id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(wanted), 900):
        for row in session.execute(query, {"ids": wanted[start : start + 900]}):
            placed[row.id] = (row.territory_id, row.segment)
    found = {}
    for account_id in account_ids:
        territory_id, segment = placed.get(account_id, (None, None))
        if territory_id not in cache:
            cache[territory_id] = {r.segment: r.level for r in effective_levels(session, territory_id)}
        level = cache[territory_id].get(segment or UNSEGMENTED, DEFAULTS[UNSEGMENTED])
        found[account_id] = (level.answer_hours, level.resolve_hours)
    return found


def segment_of(session: Session, account_id: str) -> str | None:
    """The segment the account is served as (the visit checklist chosen by it); None when there is no such
    account."""
    found = visits_due(session, [account_id])
    return found[account_id].segment if account_id in found else None


def due_state(session: Session, account_id: str) -> str:
    """The account's visit state (overdue, due, later) for the map; "unknown" when there is no such
    account."""
    found = visits_due(session, [account_id])
    return found[account_id].state if account_id in found else "unknown"


def segments_of(session: Session, account_ids: Iterable[str]) -> dict[str, str | None]:
    """The segment each account is served as, in one query."""
    ids = list(account_ids)
    found = visits_due(session, ids)
    return {i: (found[i].segment if i in found else None) for i in ids}
