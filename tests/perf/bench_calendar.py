"""Calendar benchmark (issue 16, item 2).  Not a test: run ``python tests/perf/bench_calendar.py``.

A week with 120 events (visits, calls, meetings, a third of them done, overlapping clusters) of several
people (``--people``, 4: a manager's team, coloured by person, a quarter of them someone's the user may not
move, drawn dashed; the planner's working week with lunch), laid out the way the Calendar page does it, on a
grid 1,300 pixels wide with 72-pixel hours (a 1600x1000 screen).
Budgets, each measured in this run (median of 30 paints; the paint and its floor timed in turn, so that
both see the same load on a shared machine):

- the week view's paint, the part on screen (the working day, 800 pixels high): <= 200 ms absolute
  (median), and within 25x of the floor (fastest runs compared), a bare QPainter that fills the same
  area and draws 120 rectangles with their subjects (the least any calendar paints);
- the whole day's height painted (24 hours, as when the window is scrolled all the way): <= 200 ms;
- laying out the week (``core.calendar.layout.lay_out``): <= 20 ms;
- the Day view of the team (``--day-events``, 120, on one day, a column per person of the ``--people``,
  widths by how crowded each is): its paint, the part on screen, <= 200 ms (median), and its layout by
  person <= 20 ms.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtWidgets import QApplication

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.calendar.people import PERSON_COLORS
from sfa_desktop.ui.calendar_view import CalendarGrid
from tests.perf.benchlib import Result, print_results

SUBJECTS = ("Site visit", "Quarterly business review", "Check-in call", "Product demo", "Renewal call")
ZONE = dt.UTC


def week_events(count: int, monday: dt.date, seed: int = 16, people: int = 1, days: int = 7) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for n in range(count):
        day = monday + dt.timedelta(days=n % days)
        minutes = rng.randrange(7 * 60, 18 * 60, 15)
        kind = rng.choice(("visit", "call", "meeting", "task", "email"))
        start = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), ZONE)
        events.append(
            Event(
                f"a{n:04d}",
                kind,
                f"{rng.choice(SUBJECTS)} {n}",
                start,
                rng.choice((15, 30, 45, 60, 90)),
                n % 3 == 0,
                None,
                f"Account {n % 40}",
                None,
                f"u{n % people}",
                False,
            )
        )
    return events


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm up (fonts, glyph caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def paired_ms(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float, float]:
    """Two actions timed in turn, so that both see the same load on a shared machine: the median of each,
    and the ratio of their fastest runs (second / first; the least disturbed by other programs)."""
    first()
    second()
    a, b = [], []
    for _ in range(runs):
        start = time.perf_counter()
        first()
        middle = time.perf_counter()
        second()
        a.append((middle - start) * 1000)
        b.append((time.perf_counter() - middle) * 1000)
    return statistics.median(a), statistics.median(b), min(b) / min(a)


def day_view(count: int, people: int, day: dt.date, runs: int) -> tuple[float, float, int]:
    """The Day view of a team: ``count`` events on one day, a column per person (the Calendar page's
    ``day_people``), painted on screen as in :func:`main`; the paint's median, the layout's, the blocks."""
    events = week_events(count, day, seed=17, people=people, days=1)
    owners = [f"u{n}" for n in range(people)]
    grid = CalendarGrid()
    grid.colour_by({owner: PERSON_COLORS[n % len(PERSON_COLORS)] for n, owner in enumerate(owners)})
    locked = {e.activity_id: "Done" for e in events if e.done}
    grid.resize(1300, 24 * 72)
    grid.set_hour_height(72)
    grid.now = dt.datetime.combine(day, dt.time(11, 30), ZONE)
    grid.set_events([day], events, ZONE, locked, [(owner, f"Person {owner}") for owner in owners])
    assert grid.by_person()
    assert len(grid.blocks) == count
    top = int(grid.y_of(7 * 60 + 30))
    image = QImage(1300, 24 * 72 + 1, QImage.Format.Format_ARGB32_Premultiplied)
    paint_ms = median_ms(lambda: grid.render(image, QPoint(0, top), QRegion(QRect(0, top, 1300, 800))), runs)
    layout_ms = median_ms(lambda: layout.lay_out(events, [day], ZONE, owners), runs)
    return paint_ms, layout_ms, len(grid.blocks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=120)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--people", type=int, default=4, help="whose weeks, coloured by person (4)")
    parser.add_argument("--day-events", type=int, default=120, help="on the team's day (120)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    monday = layout.week_start(dt.date(2026, 12, 7))
    events = week_events(args.events, monday, people=args.people)
    days = layout.days_from(monday, 7)
    grid = CalendarGrid()
    if args.people > 1:
        grid.colour_by({f"u{n}": PERSON_COLORS[n % len(PERSON_COLORS)] for n in range(args.people)})
    locked = {e.activity_id: "Done" for e in events if e.done}
    locked.update({e.activity_id: "Not yours to move" for e in events if e.owner_id == "u1" and not e.done})
    grid.resize(1300, 24 * 72)
    grid.set_hour_height(72)
    grid.now = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(11, 30), ZONE)
    grid.set_events(days, events, ZONE, locked)
    assert len(grid.blocks) == args.events
    top = int(grid.y_of(7 * 60 + 30))
    screen = QRect(0, top, 1300, 800)
    image = QImage(1300, 24 * 72 + 1, QImage.Format.Format_ARGB32_Premultiplied)

    def paint_screen() -> None:
        grid.render(image, QPoint(0, top), QRegion(screen))

    def paint_day() -> None:
        grid.render(image)

    floor_image = QImage(1300, 800, QImage.Format.Format_ARGB32_Premultiplied)
    rects = [grid.block_rect(b).translated(0, -top) for b in grid.blocks]

    def floor() -> None:
        painter = QPainter(floor_image)
        painter.fillRect(floor_image.rect(), QColor("#ffffff"))
        for rect, block in zip(rects, grid.blocks, strict=True):
            painter.fillRect(rect, QColor("#dbeafe"))
            painter.drawText(QRectF(rect), Qt.AlignmentFlag.AlignLeft, block.event.subject)
        painter.end()

    floor_ms, screen_ms, ratio = paired_ms(floor, paint_screen, args.runs)
    day_ms = median_ms(paint_day, args.runs)
    layout_ms = median_ms(lambda: layout.lay_out(events, days, ZONE), args.runs)
    team_ms, team_layout_ms, team_blocks = day_view(args.day_events, args.people, monday, args.runs)
    results: list[Result] = [
        (
            f"week view paint, on screen ({args.events} events, {args.people} people)",
            f"{screen_ms:7.2f} ms",
            "<= 200 ms",
            screen_ms <= 200,
        ),
        (
            "  against the floor (bare QPainter)",
            f"{ratio:7.2f}x (floor median {floor_ms:.2f} ms)",
            "<= 25x",
            ratio <= 25,
        ),
        ("week view paint, whole day height", f"{day_ms:7.2f} ms", "<= 200 ms", day_ms <= 200),
        ("week layout", f"{layout_ms:7.2f} ms", "<= 20 ms", layout_ms <= 20),
        (
            f"day view paint, on screen ({team_blocks} events, a column for each of {args.people} people)",
            f"{team_ms:7.2f} ms",
            "<= 200 ms",
            team_ms <= 200,
        ),
        ("day layout by person", f"{team_layout_ms:7.2f} ms", "<= 20 ms", team_layout_ms <= 20),
    ]
    del app
    return print_results(results)


if __name__ == "__main__":
    raise SystemExit(main())
