"""Where the calendar draws its events: the days shown, each event as a block on its local day (top and
length in minutes from local midnight), overlapping events side by side in columns, and the 15-minute
grid a dragged block snaps to.  Pure: the view turns minutes into pixels.

Overlap is judged on what is drawn: a block is at least :data:`MIN_BLOCK_MINUTES` tall, so a 5-minute call
at 10:00 and another at 10:05 sit side by side instead of one hiding the other.  Events of a cluster (a
run of blocks that overlap one another, directly or through others) share its number of columns; each
takes the first column free at its start (the greedy interval colouring calendars use).

The days shown are laid out as lanes: one per day, or, given the owners (a manager's day of the team), one
per day and owner, the owners side by side within each day; an event falls in its owner's lane.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sfa_desktop.core.calendar.events import Event

#: A dragged block snaps to this grid.
SNAP_MINUTES = 15
#: The shortest block drawn (and judged for overlaps).
MIN_BLOCK_MINUTES = 15
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Block:
    event: Event
    #: Index of its lane among those shown (the day's, or the day and owner's: :func:`lanes_of`).
    day: int
    #: Minutes from local midnight to the start, and how long it is drawn (clipped at midnight).
    top: int
    length: int
    column: int
    columns: int


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def days_from(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range(count)]


class SystemZone(dt.tzinfo):
    """The computer's time zone with its changes of clocks (a fixed offset, such as ``now().astimezone()``
    gives, would put next month's 9:00 at 8:00 across a change to winter time): the offsets are the C
    library's, as naive ``datetime.astimezone()`` uses them."""

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        if moment is None:
            return dt.timedelta(seconds=time.localtime().tm_gmtoff)
        stamp = time.mktime((*moment.replace(tzinfo=None).timetuple()[:8], -1))
        return dt.timedelta(seconds=time.localtime(stamp).tm_gmtoff)

    def dst(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, moment: dt.datetime | None) -> str:
        return (
            time.localtime().tm_zone
            if moment is None
            else str(moment.astimezone(dt.UTC).astimezone().tzname())
        )

    def fromutc(self, moment: dt.datetime) -> dt.datetime:
        utc = moment.replace(tzinfo=dt.UTC)
        offset = time.localtime(utc.timestamp()).tm_gmtoff
        return (moment + dt.timedelta(seconds=offset)).replace(tzinfo=self)

    def __repr__(self) -> str:
        return "SystemZone()"


_SYSTEM = SystemZone()


def local_zone() -> dt.tzinfo:
    """This computer's time zone (changes of clocks included)."""
    return _SYSTEM


def bounds(days: Sequence[dt.date], tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the first day's local midnight and of the midnight after the last day."""
    first = dt.datetime.combine(days[0], dt.time(0), tz)
    after = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), tz)
    return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


@dataclass(frozen=True)
class Lane:
    """A column of the calendar: a local day, and whose events it holds (None: everyone's shown)."""

    day: dt.date
    owner_id: str | None = None


def lanes_of(days: Sequence[dt.date], owners: Sequence[str] | None = None) -> list[Lane]:
    """A lane per day, or per day and owner (each day's owners side by side, in the order given)."""
    if not owners:
        return [Lane(day) for day in days]
    return [Lane(day, owner) for day in days for owner in owners]


def lay_out(
    events: Iterable[Event],
    days: Sequence[dt.date],
    tz: dt.tzinfo,
    owners: Sequence[str] | None = None,
) -> list[Block]:
    """The blocks of the events that fall on the days shown (local days in ``tz``), lane by lane
    (:func:`lanes_of`: the event's day's, or its day and owner's; an owner not given has none), each lane's
    in start order."""
    by_owner = bool(owners)
    index = {(lane.day, lane.owner_id): n for n, lane in enumerate(lanes_of(days, owners))}
    by_day: dict[int, list[tuple[int, int, Event]]] = {}
    for event in events:
        local = event.start.astimezone(tz)
        day = index.get((local.date(), event.owner_id if by_owner else None))
        if day is None:
            continue
        top = local.hour * 60 + local.minute
        length = max(1, min(event.minutes, DAY_MINUTES - top))
        by_day.setdefault(day, []).append((top, length, event))
    blocks: list[Block] = []
    for day in sorted(by_day):
        items = sorted(by_day[day], key=lambda t: (t[0], -t[1], t[2].subject, t[2].activity_id))
        cluster: list[tuple[int, int, Event, int]] = []
        ends: list[int] = []  # per column: where its last block ends (drawn length)
        cluster_end = -1
        for top, length, event in items:
            drawn_end = top + max(length, MIN_BLOCK_MINUTES)
            if top >= cluster_end and cluster:
                blocks += [Block(e, day, t, n, c, len(ends)) for t, n, e, c in cluster]
                cluster, ends = [], []
            column = next((c for c, end in enumerate(ends) if end <= top), len(ends))
            if column == len(ends):
                ends.append(drawn_end)
            else:
                ends[column] = drawn_end
            cluster.append((top, length, event, column))
            cluster_end = max(cluster_end, drawn_end) if len(cluster) > 1 else drawn_end
        blocks += [Block(e, day, t, n, c, len(ends)) for t, n, e, c in cluster]
    return blocks


#: How wide a person's column is on a team's day, against an uncrowded one's (1.0): an empty day's narrower,
#: and each more block side by side (up to :data:`WIDEST_CLUSTER`) a fifth wider.
EMPTY_LANE_WEIGHT = 0.7
CROWDED_LANE_STEP = 0.2
WIDEST_CLUSTER = 6


def lane_weights(blocks: Iterable[Block], count: int) -> list[float]:
    """How wide each of ``count`` lanes should be, relative to one another: by the most blocks side by side in
    it (a crowded day gets room from an empty one)."""
    widest = [0] * count
    for block in blocks:
        widest[block.day] = max(widest[block.day], block.columns)
    return [
        EMPTY_LANE_WEIGHT if n == 0 else 1 + CROWDED_LANE_STEP * (min(n, WIDEST_CLUSTER) - 1) for n in widest
    ]


def snap(minutes: float, step: int = SNAP_MINUTES) -> int:
    """The nearest multiple of ``step`` minutes, kept within the day (a block starts at 23:45 at the
    latest)."""
    snapped = round(minutes / step) * step
    return max(0, min(DAY_MINUTES - step, snapped))


def at_local(day: dt.date, minutes: int, tz: dt.tzinfo) -> dt.datetime:
    """The aware UTC instant of ``minutes`` after local midnight of ``day`` in ``tz``."""
    if not 0 <= minutes < DAY_MINUTES:
        raise ValueError(f"{minutes} minutes is not a time of day")
    # the wall clock time asked for, in that day's offset (zoneinfo picks it, across a change of clocks)
    wall = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tz)
    return wall.astimezone(dt.UTC)


def describe_move(start: dt.datetime, tz: dt.tzinfo) -> str:
    """'Tue 8 Dec, 10:15' in ``tz``."""
    local = start.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
