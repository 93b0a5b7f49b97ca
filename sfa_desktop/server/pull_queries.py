"""What a pull reads from the central store: pages of rows, departures, conflicts and change-log entries,
as SQLAlchemy Core queries that work on PostgreSQL and SQLite (see :mod:`sfa_desktop.server.service`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from sfa_desktop.core.access import TEAM_TABLES
from sfa_desktop.core.records.tables import AUDIENCE_TABLES, OWNER_ONLY
from sfa_desktop.protocol.limits import PULL_PAGE
from sfa_desktop.protocol.wire import kind_of
from sfa_desktop.server import audience, schema
from sfa_desktop.server.scope import REFERENCE_TABLES, Identity

#: Tables whose change history laptops keep (the customer timeline).
HISTORY_TABLES = ("accounts", "contacts", "leads", "opportunities")


def _wire_column(cc: Connection, table: str, column: Column[Any]) -> Any:
    """The column as its wire value (see ``wire``), formatted by the database: no per-value Python work."""
    kind = kind_of(table, column)
    postgres = cc.dialect.name == "postgresql"
    if kind == "datetime":
        expr = func.to_char(column, "YYYY-MM-DD HH24:MI:SS.US") if postgres else column
        return type_coerce(expr, Text).label(column.name)
    if kind == "date":
        expr = func.to_char(column, "YYYY-MM-DD") if postgres else column
        return type_coerce(expr, Text).label(column.name)
    if kind == "bool":
        return type_coerce(cast(column, Integer) if postgres else column, Integer).label(column.name)
    return column


def history_query(
    cc: Connection, after: int, hi: int, territories: Iterable[str], since: dt.datetime | None
) -> Any:
    """Change-log entries of HISTORY_TABLES with after < seq <= hi in these territories, by seq; an
    insert's values are left out (the record itself is on the laptop)."""
    log = schema.change_log
    changes = case((log.c.op == "insert", literal("{}")), else_=log.c.changes)
    applied = (
        func.to_char(log.c.applied_at, "YYYY-MM-DD HH24:MI:SS.US")
        if cc.dialect.name == "postgresql"
        else log.c.applied_at
    )
    columns = [
        log.c.seq,
        log.c.table_name,
        log.c.record_id,
        log.c.territory_id,
        log.c.op,
        type_coerce(changes, Text).label("changes"),
        log.c.db_user,
        type_coerce(applied, Text).label("applied_at"),
    ]
    conditions = [log.c.seq > after, log.c.seq <= hi, log.c.table_name.in_(HISTORY_TABLES)]
    if since is not None:
        conditions.append(log.c.applied_at >= since)
    return _first_page(
        [
            select(*columns).where(*conditions, log.c.territory_id == t).order_by(log.c.seq).limit(PULL_PAGE)
            for t in sorted(territories)
        ]
    )


def _first_page(branches: list[Any]) -> Any:
    """The first PULL_PAGE rows by seq of several queries, each already ordered by seq and limited.

    One branch per territory walks the (territory_id, seq) index in order: an IN list or an OR of the
    conditions would make PostgreSQL read and sort every matching row for every page."""
    if len(branches) == 1:
        return branches[0]
    combined = union_all(*(select(b.subquery()) for b in branches)).subquery()
    return select(combined).order_by(combined.c.seq).limit(PULL_PAGE)


def page_query(
    cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: Iterable[str]
) -> Any:
    """Rows of ``table`` with after < seq <= hi that the user may see, first PULL_PAGE by seq: one branch
    per territory and one for the user's own records that have no territory."""
    t = schema.SYNCED[table]
    columns = [_wire_column(cc, table, c) for c in t.columns if c.name != "seq"] + [t.c.seq]
    bounds = and_(t.c.seq > after, t.c.seq <= hi)
    if table in REFERENCE_TABLES:
        return select(*columns).where(bounds).order_by(t.c.seq).limit(PULL_PAGE)
    if table in AUDIENCE_TABLES:
        return (
            select(*columns)
            .where(bounds, audience.condition(table, identity))
            .order_by(t.c.seq)
            .limit(PULL_PAGE)
        )
    own = and_(t.c.territory_id.is_(None), t.c.owner_id == identity.user_id)
    if table in OWNER_ONLY:  # a user's own rows, never a territory's (access.sees)
        return select(*columns).where(bounds, own).order_by(t.c.seq).limit(PULL_PAGE)
    conditions = [t.c.territory_id == territory for territory in sorted(territories)]
    if "owner_id" in t.c:
        conditions.append(and_(t.c.territory_id.is_(None), t.c.owner_id == identity.user_id))
        team = sorted(identity.team - {identity.user_id})
        if table in TEAM_TABLES and identity.is_manager and team:
            # a manager's team's records of their own with no territory yet (access.sees)
            conditions.append(and_(t.c.territory_id.is_(None), t.c.owner_id.in_(team)))
    return _first_page(
        [select(*columns).where(bounds, c).order_by(t.c.seq).limit(PULL_PAGE) for c in conditions]
    )


def fetch_page(
    cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: set[str]
) -> tuple[list[tuple[Any, ...]], int]:
    """Up to PULL_PAGE rows with after < seq <= hi, in seq order, as wire values with seq last."""
    rows = [tuple(r) for r in cc.execute(page_query(cc, identity, table, after, hi, territories))]
    page_hi = rows[-1][-1] if len(rows) == PULL_PAGE else hi
    return rows, page_hi


def fetch_page_json(
    cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: set[str]
) -> tuple[str, int]:
    """:func:`fetch_page` as the JSON text of its rows, made by PostgreSQL (a prime's page reaches the
    laptop with no per-row work in Python), and the seq the pull continues after."""
    page = page_query(cc, identity, table, after, hi, territories).subquery()
    rows = func.json_agg(aggregate_order_by(func.json_build_array(*page.c), page.c.seq))
    query = select(func.coalesce(cast(rows, Text), literal("[]")), func.count(), func.max(page.c.seq))
    encoded, count, last = cc.execute(query).one()
    return str(encoded), (int(last) if count == PULL_PAGE else hi)


#: PostgreSQL takes at most 100 arguments to a function (json_build_array of a page's columns).
MAX_JSON_COLUMNS = 100


def fetch_departures(
    cc: Connection, table: str, after: int, page_hi: int, territories: set[str]
) -> list[dict[str, Any]]:
    if table in REFERENCE_TABLES or table in AUDIENCE_TABLES or not territories:
        return []
    d = schema.departures
    query = select(d).where(
        d.c.table_name == table,
        d.c.seq > after,
        d.c.seq <= page_hi,
        d.c.territory_id.in_(sorted(territories)),
    )
    return [dict(r) for r in cc.execute(query).mappings()]


def fetch_conflicts(
    cc: Connection, identity: Identity, after: int, page_hi: int, territories: set[str]
) -> list[dict[str, Any]]:
    """The conflicts archived with after < seq <= page_hi in these territories, and those with no territory
    that the user's own pushes archived (``won_by``: a refused record without a territory, an edit of a
    territory taken away meanwhile, see ``apply``): never one of a record the user may not see that they
    did not write.  ``lost_by`` is named by the pusher, so it decides nothing here."""
    c = schema.conflicts
    mine = and_(c.c.territory_id.is_(None), c.c.won_by == identity.login)
    query = select(c).where(
        c.c.seq > after,
        c.c.seq <= page_hi,
        or_(c.c.territory_id.in_(sorted(territories)), mine),
    )
    return [dict(r) for r in cc.execute(query).mappings()]
