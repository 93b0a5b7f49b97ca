"""The territory report: for a period and a territory (with the territories below it), overall and per rep:
coverage, activity, leads, pipeline, revenue, customer profitability and accounts at risk.

Computed locally, in SQL, from what this laptop holds (so it works offline, and a rep's laptop, which holds
only the rep's territories, can report nothing else).  :func:`build` returns plain data; ``report_view``
turns it into sections with tables and charts for the window, the PDF and the CSV.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.reports.report_settings import ReportSettings
from sfa_desktop.core.territories.tree import descendants

#: Order statuses that are not revenue.
NOT_REVENUE = ("cancelled", "returned")
NO_OWNER = "(no owner)"


class ReportError(UserError, ValueError):
    """The report cannot be made as asked; the message says what is wrong and what to do."""


class TerritoryGone(ReportError):
    """The territory the report was for no longer exists (deleted here or by a sync)."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ReportError(
                f"The period ends on {self.end.isoformat()}, before it starts on {self.start.isoformat()}: "
                "choose an end date on or after the start date."
            )

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        dates = []
        for name, value in (("start", start), ("end", end)):
            try:
                dates.append(dt.date.fromisoformat(value.strip()))
            except ValueError:
                raise ReportError(f"The {name} date '{value}' is not a date like 2026-03-31.") from None
        return cls(dates[0], dates[1])

    @classmethod
    def last_days(cls, days: int, today: dt.date) -> Period:
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def label(self) -> str:
        """'1\u201330 Jun 2026', '27 Aug \u2013 24 Nov 2026', '27 Dec 2025 \u2013 5 Jan 2026'."""
        start, end = self.start, self.end
        if start == end:
            return f"{end.day} {end:%b %Y}"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}\u2013{end.day} {end:%b %Y}"
        if start.year == end.year:
            return f"{start.day} {start:%b} \u2013 {end.day} {end:%b %Y}"
        return f"{start.day} {start:%b %Y} \u2013 {end.day} {end:%b %Y}"

    @property
    def bucket_days(self) -> int:
        """Weeks, or 30-day months for periods longer than half a year."""
        return 7 if self.days <= 183 else 30

    def buckets(self) -> list[dt.date]:
        step = self.bucket_days
        return [self.start + dt.timedelta(days=d) for d in range(0, self.days, step)]


def utc_text(moment: dt.datetime) -> str:
    """A moment as the local database stores it (naive UTC text), for comparisons in SQL."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def local_midnight(day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time(0, 0))
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


@dataclass(frozen=True)
class Scope:
    territory_id: str | None  # None: all the user's territories
    label: str
    territory_ids: tuple[str, ...]
    children: tuple[str, ...] = ()  # labels of the territories below, for the title page


@dataclass
class RepName:
    names: dict[str, str] = field(default_factory=dict)

    def __call__(self, user_id: str | None) -> str:
        return self.names.get(user_id or "", NO_OWNER) if user_id else NO_OWNER


@dataclass
class Context:
    """What every section's queries share: the scope as JSON, the bounds as SQL text, the settings."""

    session: Session
    scope: Scope
    period: Period
    settings: ReportSettings
    now: dt.datetime
    tz: dt.tzinfo | None = None
    rep: RepName = field(default_factory=RepName)

    def params(self, **extra: Any) -> dict[str, Any]:
        start = local_midnight(self.period.start, self.tz)
        end = local_midnight(self.period.end + dt.timedelta(days=1), self.tz)
        previous = self.period.previous
        offset = start.utcoffset() or dt.timedelta(0)
        recent = end - dt.timedelta(days=self.settings.recent_days)
        lapse = end - dt.timedelta(days=self.settings.no_contact_days)
        return {
            "scope": json.dumps(list(self.scope.territory_ids)),
            "start": utc_text(start),
            "end": utc_text(end),
            "now": utc_text(self.now),
            "recent": utc_text(recent),
            "lapse": utc_text(lapse),
            "from_date": self.period.start.isoformat(),
            "to_date": self.period.end.isoformat(),
            "prev_from": previous.start.isoformat(),
            "shift": f"{int(offset.total_seconds() // 60):+d} minutes",
            "bucket": self.period.bucket_days,
            **extra,
        }

    def rows(self, sql: str, **extra: Any) -> list[Any]:
        """The result rows as plain tuples (straight from the driver: long results come back fast)."""
        raw = self.session.connection().connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            return list(cursor.execute(sql, self.params(**extra)))
        finally:
            cursor.close()


#: `territory_id IN (the report's territories)`, for the queries.
IN_SCOPE = "territory_id IN (SELECT value FROM json_each(:scope))"
#: Per account in scope, from one pass over its activities (see :func:`account_activity`): the last
#: contact (an activity other than a note, up to the end of the period), whether there was one in the
#: last N days and a visit ever, and the activities done in the period with their cost to serve.
ACCOUNT_ACTIVITY = "temp.report_account_activity"


@contextmanager
def account_activity(ctx: Context) -> Iterator[None]:
    """Fill ``ACCOUNT_ACTIVITY`` for the report being made (the activities are read once for coverage,
    profitability and risk) and drop it afterwards."""
    conn = ctx.session.connection()
    costs = " ".join(f"WHEN '{kind}' THEN :cost_{kind}" for kind in ctx.settings.activity_costs)
    conn.execute(text(f"DROP TABLE IF EXISTS {ACCOUNT_ACTIVITY}"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {ACCOUNT_ACTIVITY.split('.')[1]} (account_id TEXT PRIMARY KEY, "
            "last_contact TEXT, recent INTEGER, visited INTEGER, done INTEGER, cost INTEGER)"
        )
    )
    try:
        conn.execute(
            text(
                f"""
                INSERT INTO {ACCOUNT_ACTIVITY}
                SELECT account_id,
                       max(CASE WHEN kind != 'note' THEN done_at END),
                       max(done_at >= :recent),
                       max(kind = 'visit'),
                       sum(done_at >= :start),
                       sum(CASE WHEN done_at >= :start THEN CASE kind {costs} ELSE 0 END ELSE 0 END)
                FROM activities
                WHERE deleted_at IS NULL AND done_at IS NOT NULL AND done_at < :end
                  AND account_id IS NOT NULL AND {IN_SCOPE}
                GROUP BY account_id
                """
            ),
            ctx.params(**{f"cost_{kind}": cents for kind, cents in ctx.settings.activity_costs.items()}),
        )
        yield
    finally:
        conn.execute(text(f"DROP TABLE IF EXISTS {ACCOUNT_ACTIVITY}"))


def resolve_scope(session: Session, territory_id: str | None, visible: frozenset[str] | None) -> Scope:
    """The report's territories: the one asked for and those below it, or (None) all the user's.
    ``visible``: the territories the user may see (None: all).  Raises TerritoryGone or ReportError."""
    rows = session.execute(text("SELECT id, code, name, parent_id, deleted_at FROM territories")).all()
    by_id = {r.id: r for r in rows}
    if territory_id is None:
        live = [r for r in rows if r.deleted_at is None]
        ids = [r.id for r in live if visible is None or r.id in visible]
        return Scope(None, "All my territories" if visible is not None else "All territories", tuple(ids))
    row = by_id.get(territory_id)
    if row is None or row.deleted_at is not None:
        name = f" {row.name} ({row.code})" if row is not None else ""
        raise TerritoryGone(
            f"The territory{name} no longer exists: it was deleted, here or by a sync. Choose another "
            "territory."
        )
    if visible is not None and territory_id not in visible:
        raise ReportError(
            f"{row.name} ({row.code}) is not one of your territories: this laptop holds nothing of it."
        )
    ids = descendants(session, territory_id)
    children = tuple(sorted((f"{by_id[i].name} ({by_id[i].code})" for i in ids[1:]), key=str.casefold))
    return Scope(territory_id, f"{row.name} ({row.code})", tuple(ids), children)
