"""The calendar's grid, painted by hand: a time gutter, one column per day (or, on a day of several people,
one per person: :meth:`CalendarGrid.set_events` with ``people``), the working hours band (the
planner's working day and days, lunch; other days shaded), the events as blocks sized by their duration
(overlapping ones side by side), today's line, done activities greyed.  Blocks are coloured by kind, or
by person when several people's weeks are shown (:meth:`CalendarGrid.colour_by`).  Drag a block to another
time or day (it snaps to 15 minutes) and ``moveRequested(id, day, minutes)`` asks the page to reschedule
it; a block the user may not move (done, or someone else's they may not write: ``locked``) does not drag
and its tooltip says why.  Double-click or Enter: ``openRequested(id)``; right-click or the Menu key:
``menuRequested(id, global point)``.

In a column per person a block drags up and down only: it changes its time and stays its owner's (a
drag does not reassign an activity); the tooltip says so, and ``hinted(text)`` says it again when the
pointer wanders over someone else's column during a drag.

Keyboard: the arrow keys walk the events in time order (Left and Right: the previous or next day's first
one), Alt+Up/Down moves the selected one 15 minutes earlier or later, Alt+Left/Right a day; Escape cancels
a drag.  What a block shows is in its accessible text (the page's status line says it too).

The grid paints only what is exposed; a week of 120 events paints in a few milliseconds
(tests/perf/bench_calendar.py).  The day names are a separate header (:class:`DayHeader`) that stays put
while the grid scrolls (:mod:`sfa_desktop.ui.calendar_header`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.planning.settings import PlanSettings

GUTTER = 56
#: (fill, edge, text) of a block by activity kind; done blocks are grey.
KIND_COLORS = {
    "visit": ("#dcfce7", "#16a34a", "#14532d"),
    "meeting": ("#ede9fe", "#7c3aed", "#3b0764"),
    "call": ("#dbeafe", "#2563eb", "#1e3a8a"),
    "email": ("#e0f2fe", "#0284c7", "#0c4a6e"),
    "task": ("#fef3c7", "#d97706", "#78350f"),
}
OTHER_COLORS = ("#f1f5f9", "#64748b", "#1e293b")
DONE_COLORS = ("#f1f5f9", "#cbd5e1", "#94a3b8")
DRAG_THRESHOLD = 5
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def kind_colors(kind: str, done: bool) -> tuple[str, str, str]:
    return DONE_COLORS if done else KIND_COLORS.get(kind, OTHER_COLORS)


@dataclass
class _Drag:
    block: layout.Block
    press: QPoint
    #: Minutes between the block's start and where it was grabbed.
    grab_offset: float
    active: bool = False
    #: The lane (column) it would land in, and the minutes after midnight.
    day: int = 0
    minutes: int = 0
    #: Whether it was said that it stays with its owner (a drag over another person's column).
    hinted: bool = False


class CalendarGrid(QWidget):
    moveRequested = Signal(str, object, int)  # activity id, local date, minutes after midnight
    openRequested = Signal(str)
    menuRequested = Signal(str, QPoint)  # activity id, where (global)
    selectionChanged = Signal(object)  # the selected Event or None
    #: A word for the status bar (a drag over another person's column: it stays with its owner).
    hinted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarGrid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.days: list[dt.date] = [dt.date.today()]
        #: The columns: a day each, or a day and a person each (``layout.lanes_of``).
        self.lanes: list[layout.Lane] = layout.lanes_of(self.days)
        #: owner id -> name, for the columns per person.
        self.owner_names: dict[str, str] = {}
        #: Where each column starts, as a share of the grid's width after the gutter (and 1.0 at the end):
        #: days alike; people by how crowded their day is (``layout.lane_weights``).
        self.shares: list[float] = [0.0, 1.0]
        self.tz: dt.tzinfo = layout.local_zone()
        self.blocks: list[layout.Block] = []
        self.hour_height = 48.0
        self.selected: str | None = None
        #: The working week shaded (the planner's settings; the page sets them with each load).
        self.hours = PlanSettings()
        #: activity id -> why it may not be moved (not dragged; its tooltip says why).
        self.locked: dict[str, str] = {}
        #: owner id -> (fill, edge, text) when blocks are coloured by person; empty: by kind.
        self.person_colors: dict[str, tuple[str, str, str]] = {}
        self._drag: _Drag | None = None
        #: What "now" is (tests and the benchmark fix it); None: the clock.
        self.now: dt.datetime | None = None
        self._font = QFont(self.font())
        self._font.setPixelSize(12)
        self._bold = QFont(self._font)
        self._bold.setWeight(QFont.Weight.DemiBold)
        self._small = QFont(self._font)
        self._small.setPixelSize(11)
        self._bold_metrics = QFontMetrics(self._bold)
        self._small_metrics = QFontMetrics(self._small)
        #: A block with less room than a time's shows no text (an ellipsis alone says nothing).
        self._narrowest = self._bold_metrics.horizontalAdvance("00:00")
        self._timer = QTimer(self)  # the today line moves
        self._timer.timeout.connect(self.update)
        self._timer.start(60_000)
        self._fix_height()

    # -- content ------------------------------------------------------------------------------------------

    def set_events(
        self,
        days: Sequence[dt.date],
        events: Sequence[Event],
        tz: dt.tzinfo,
        locked: dict[str, str] | None = None,
        people: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """Show these events on these days; with ``people`` ((owner id, name), in order), a column per
        person on each day, each event in its owner's."""
        self.days = list(days)
        self.tz = tz
        owners = [owner for owner, _name in people] if people else None
        self.lanes = layout.lanes_of(self.days, owners)
        self.owner_names = dict(people or ())
        self.blocks = layout.lay_out(events, self.days, tz, owners)
        weights = layout.lane_weights(self.blocks, len(self.lanes)) if owners else [1.0] * len(self.lanes)
        total = sum(weights) or 1.0
        self.shares = [sum(weights[:n]) / total for n in range(len(weights) + 1)]
        self.locked = (
            dict(locked) if locked is not None else {e.activity_id: "Done" for e in events if e.done}
        )
        if self.selected is not None:  # the pane shows the selected activity as it is now
            block = self.block_of(self.selected)
            if block is None:
                self.selected = None
            self.selectionChanged.emit(block.event if block else None)
        self.update()

    def set_hours(self, hours: PlanSettings) -> None:
        """Shade this working week (the planner's settings)."""
        if hours != self.hours:
            self.hours = hours
            self.update()

    def colour_by(self, colors: dict[str, tuple[str, str, str]]) -> None:
        """Colour blocks by their owner (owner id -> fill, edge, text); empty: by kind."""
        self.person_colors = dict(colors)
        self.update()

    def by_person(self) -> bool:
        """Whether the columns are people's (a team's day), not days."""
        return any(lane.owner_id is not None for lane in self.lanes)

    def movable(self, event: Event) -> bool:
        return event.activity_id not in self.locked and not event.done

    def colors_of(self, event: Event) -> tuple[str, str, str]:
        person = self.person_colors.get(event.owner_id or "") if self.person_colors else None
        if person is None:
            return kind_colors(event.kind, event.done)
        return (DONE_COLORS[0], person[1], DONE_COLORS[2]) if event.done else person

    def set_hour_height(self, height: float) -> None:
        self.hour_height = max(28.0, height)
        self._fix_height()
        self.update()

    def _fix_height(self) -> None:
        self.setFixedHeight(int(24 * self.hour_height) + 1)

    def sizeHint(self) -> QSize:
        return QSize(800, int(24 * self.hour_height) + 1)

    def block_of(self, activity_id: str) -> layout.Block | None:
        return next((b for b in self.blocks if b.event.activity_id == activity_id), None)

    def select(self, activity_id: str | None) -> None:
        if activity_id == self.selected:
            return
        self.selected = activity_id
        block = self.block_of(activity_id) if activity_id else None
        self.selectionChanged.emit(block.event if block else None)
        self.update()

    def selected_event(self) -> Event | None:
        block = self.block_of(self.selected) if self.selected else None
        return block.event if block else None

    # -- geometry -----------------------------------------------------------------------------------------

    def day_width(self) -> float:
        """The width of a day's column (on a team's day, the people's columns' average)."""
        return max(1.0, (self.width() - GUTTER) / max(1, len(self.lanes)))

    def lane_left(self, lane: int) -> float:
        return GUTTER + self.shares[lane] * max(1.0, self.width() - GUTTER)

    def lane_width(self, lane: int) -> float:
        return max(1.0, (self.shares[lane + 1] - self.shares[lane]) * (self.width() - GUTTER))

    def y_of(self, minutes: float) -> float:
        return minutes * self.hour_height / 60.0

    def minutes_at(self, y: float) -> float:
        return y * 60.0 / self.hour_height

    def day_at(self, x: float) -> int:
        share = (x - GUTTER) / max(1.0, self.width() - GUTTER)
        return max(0, min(len(self.lanes) - 1, bisect.bisect_right(self.shares, share) - 1))

    def block_rect(self, block: layout.Block, day: int | None = None, top: float | None = None) -> QRectF:
        lane = block.day if day is None else day
        left = self.lane_left(lane) + 2
        inner = self.lane_width(lane) - 6
        column_width = inner / block.columns if day is None else inner
        x = left + (block.column * column_width if day is None else 0)
        minutes = block.top if top is None else top
        height = max(self.y_of(max(block.length, layout.MIN_BLOCK_MINUTES)), 16.0)
        return QRectF(x, self.y_of(minutes) + 1, column_width - 2, height - 2)

    def block_at(self, point: QPointF) -> layout.Block | None:
        for block in reversed(self.blocks):  # the one drawn last is on top
            if self.block_rect(block).contains(point):
                return block
        return None

    def ensure_visible_minutes(self) -> int:
        """Where to scroll when the page opens: half an hour before the working day."""
        return max(0, self.hours.day_start - 30)

    # -- painting -----------------------------------------------------------------------------------------

    def current_time(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.UTC)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.paint(painter, event.rect())
        finally:
            painter.end()

    def paint(self, painter: QPainter, exposed: QRect) -> None:
        height = self.height()
        painter.fillRect(exposed, QColor("#ffffff"))
        now = self.current_time().astimezone(self.tz)
        hours = self.hours
        start_y = self.y_of(hours.day_start)
        end_y = self.y_of(hours.day_end)
        off_hours = QColor("#f3f4f7")
        day_off = QBrush(QColor("#e9ecf1"), Qt.BrushStyle.BDiagPattern)
        lunch = QColor("#f6f2e8")
        for n, lane in enumerate(self.lanes):
            day = lane.day
            x, width = self.lane_left(n), self.lane_width(n)
            if day.isoweekday() not in hours.working_days:
                painter.fillRect(QRectF(x, 0, width, height), off_hours)
                painter.fillRect(QRectF(x, 0, width, height), day_off)
                continue
            painter.fillRect(QRectF(x, 0, width, start_y), off_hours)
            painter.fillRect(QRectF(x, end_y, width, height - end_y), off_hours)
            if day == now.date():
                painter.fillRect(QRectF(x, start_y, width, end_y - start_y), QColor("#f5f9ff"))
            if hours.lunch is not None:
                top, bottom = self.y_of(hours.lunch[0]), self.y_of(hours.lunch[1])
                painter.fillRect(QRectF(x, top, width, bottom - top), lunch)
        self._paint_lines(painter, exposed)
        self._paint_lunch_labels(painter, exposed)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for block in self.blocks:
            rect = self.block_rect(block)
            if rect.bottom() < exposed.top() or rect.top() > exposed.bottom():
                continue
            dragging = self._drag is not None and self._drag.active and self._drag.block is block
            self._paint_block(painter, block, rect, faded=dragging)
        if self._drag is not None and self._drag.active:
            drag = self._drag
            ghost = self.block_rect(drag.block, day=drag.day, top=drag.minutes)
            self._paint_block(painter, drag.block, ghost, ghost_at=drag.minutes)
        self._paint_now(painter, now)

    def _paint_lines(self, painter: QPainter, exposed: QRect) -> None:
        height = self.height()
        hour_pen = QPen(QColor("#e2e8f0"))
        half_pen = QPen(QColor("#f1f5f9"))
        first = max(0, int(self.minutes_at(exposed.top()) // 60))
        last = min(24, int(self.minutes_at(exposed.bottom()) // 60) + 1)
        painter.setFont(self._small)
        label_pen = QPen(QColor("#94a3b8"))
        for hour in range(first, last + 1):
            y = round(self.y_of(hour * 60))
            painter.setPen(hour_pen)
            painter.drawLine(GUTTER - 6, y, self.width(), y)
            if hour < 24:
                half = round(self.y_of(hour * 60 + 30))
                painter.setPen(half_pen)
                painter.drawLine(GUTTER, half, self.width(), half)
            if 0 < hour < 24:
                painter.setPen(label_pen)
                painter.drawText(
                    QRect(0, y - 8, GUTTER - 10, 16),
                    _RIGHT,
                    f"{hour:02d}:00",
                )
        painter.setPen(QPen(QColor("#e2e8f0")))
        for n in range(len(self.lanes) + 1):
            x = round(self.lane_left(n))
            painter.drawLine(x, 0, x, height)

    def _paint_lunch_labels(self, painter: QPainter, exposed: QRect) -> None:
        lunch = self.hours.lunch
        if lunch is None:
            return
        top = self.y_of(lunch[0])
        if top > exposed.bottom() or self.y_of(lunch[1]) < exposed.top():
            return
        painter.setFont(self._small)
        painter.setPen(QColor("#a08a5c"))
        for n, lane in enumerate(self.lanes):
            if lane.day.isoweekday() in self.hours.working_days:
                height = self._small_metrics.height()
                rect = QRectF(self.lane_left(n) + 4, top + 1, self.lane_width(n) - 8, height)
                painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, "Lunch")

    def _paint_block(
        self,
        painter: QPainter,
        block: layout.Block,
        rect: QRectF,
        *,
        faded: bool = False,
        ghost_at: int | None = None,
    ) -> None:
        event = block.event
        fill, edge, ink = self.colors_of(event)
        selected = event.activity_id == self.selected
        painter.setOpacity(0.35 if faded else 0.92 if ghost_at is not None else 1.0)
        pen = QPen(QColor(edge), 2 if selected or ghost_at is not None else 1)
        if not event.done and event.activity_id in self.locked:
            pen.setStyle(Qt.PenStyle.DashLine)  # someone else's the user may not move
        painter.setPen(pen)
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(rect, 4, 4)
        painter.fillRect(QRectF(rect.left(), rect.top(), 3, rect.height()), QColor(edge))
        painter.setOpacity(1.0)
        text_rect = rect.adjusted(7, 1, -3, -1)
        if text_rect.height() < 8:
            return
        if text_rect.width() < self._narrowest:  # a sliver: its time in small type if it fits, else none
            sliver = rect.adjusted(4, 1, 0, -1)  # to the edge: every pixel counts
            if sliver.width() >= self._small_metrics.horizontalAdvance("00:00"):
                at = block.top if ghost_at is None else ghost_at
                painter.setFont(self._small)
                painter.setPen(QColor(ink))
                sliver.setHeight(min(sliver.height(), self._small_metrics.height()))
                painter.drawText(sliver, _LEFT, f"{at // 60:02d}:{at % 60:02d}")
            return
        painter.save()
        painter.setClipRect(text_rect)
        painter.setPen(QColor(ink))
        minutes = block.top if ghost_at is None else ghost_at
        when = f"{minutes // 60:02d}:{minutes % 60:02d}"
        title = f"{when}  {event.subject}" if rect.height() < 30 else event.subject
        if rect.height() < 30 and text_rect.width() < self._narrowest * 1.8:  # room for the time alone
            title = when
        metrics = self._bold_metrics
        line = metrics.height()
        painter.setFont(self._bold)
        if event.done:
            title = "✓ " + title
        painter.drawText(
            QRectF(text_rect.left(), text_rect.top(), text_rect.width(), line),
            _LEFT,
            metrics.elidedText(title, Qt.TextElideMode.ElideRight, int(text_rect.width())),
        )
        y = text_rect.top() + line
        painter.setFont(self._small)
        small = self._small_metrics
        end = minutes + event.minutes
        span = f"{when}\u2013{end // 60 % 24:02d}:{end % 60:02d}"
        if self.person_colors:  # coloured by person: the kind in words
            span += f" \u00b7 {event.kind}"
        for text in (span, event.party):
            if not text or y + small.height() > text_rect.bottom() + 2:
                break
            painter.drawText(
                QRectF(text_rect.left(), y, text_rect.width(), small.height()),
                _LEFT,
                small.elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width())),
            )
            y += small.height()
        painter.restore()

    def _paint_now(self, painter: QPainter, now: dt.datetime) -> None:
        columns = [n for n, lane in enumerate(self.lanes) if lane.day == now.date()]
        if not columns:
            return
        y = self.y_of(now.hour * 60 + now.minute)
        left, right = self.lane_left(columns[0]), self.lane_left(columns[-1] + 1)
        red = QColor("#ef4444")
        painter.setPen(QPen(red, 2))
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        painter.setBrush(red)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(left, y), 4.5, 4.5)

    # -- mouse --------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        block = self.block_at(event.position())
        self.select(block.event.activity_id if block else None)
        if block is not None and self.movable(block.event):
            grab = self.minutes_at(event.position().y()) - block.top
            self._drag = _Drag(block, event.position().toPoint(), grab, day=block.day, minutes=block.top)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None:
            block = self.block_at(event.position())
            if block is None:
                self.unsetCursor()
            else:
                movable = self.movable(block.event)
                shape = Qt.CursorShape.OpenHandCursor if movable else Qt.CursorShape.ArrowCursor
                self.setCursor(shape)
            return
        if not drag.active and (event.position().toPoint() - drag.press).manhattanLength() < DRAG_THRESHOLD:
            return
        drag.active = True
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        over = self.day_at(event.position().x())
        if self.by_person():  # the time changes, the owner does not: the block stays in its column
            if over != drag.block.day and not drag.hinted:
                drag.hinted = True
                who = self.owner_names.get(drag.block.event.owner_id or "") or "its owner"
                self.hinted.emit(f"Only the time changes: it stays with {who}.")  # short: the status bar
            over = drag.block.day
        drag.day = over
        drag.minutes = layout.snap(self.minutes_at(event.position().y()) - drag.grab_offset)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        self.unsetCursor()
        if drag is None or not drag.active:
            return
        self.update()
        if (drag.day, drag.minutes) != (drag.block.day, drag.block.top):
            self.moveRequested.emit(drag.block.event.activity_id, self.lanes[drag.day].day, drag.minutes)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            block = self.block_at(QPointF(event.pos()))
            if block is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_of(block.event), self)
            return True
        return super().event(event)

    def tooltip_of(self, event: Event) -> str:
        """A block's tooltip: what it is, and whether it drags (why not, when it does not)."""
        local = event.start.astimezone(self.tz)
        end = event.end.astimezone(self.tz)
        lines = [event.subject, f"{local:%a %d %b}, {local:%H:%M}\u2013{end:%H:%M}"]
        if event.party:
            lines.append(event.party)
        why = self.locked.get(event.activity_id)
        if why is not None and not event.done:
            lines.append(why)
        elif not event.done and self.by_person():
            lines.append(self.stays_with(event))
        elif not event.done:
            lines.append("Drag to reschedule; right-click for more.")
        return "\n".join(lines)

    def stays_with(self, event: Event) -> str:
        """What a drag does in a column per person: the time changes, the owner does not."""
        who = self.owner_names.get(event.owner_id or "") or "its owner"
        return (
            f"Drag up or down to change its time; it stays with {who} (dragging it to another person's "
            "column does not hand it over). Right-click for more."
        )

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            block = self.block_at(QPointF(event.pos()))
        else:  # the Menu key: the selected block
            block = self.block_of(self.selected) if self.selected else None
        if block is None:
            return
        self._drag = None
        self.select(block.event.activity_id)
        where = event.globalPos()
        if event.reason() != QContextMenuEvent.Reason.Mouse:
            where = self.mapToGlobal(self.block_rect(block).center().toPoint())
        self.menuRequested.emit(block.event.activity_id, where)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        block = self.block_at(event.position())
        if block is not None:
            self._drag = None
            self.select(block.event.activity_id)
            self.openRequested.emit(block.event.activity_id)

    # -- keyboard -----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.unsetCursor()
            self.update()
            return
        ordered = sorted(self.blocks, key=lambda b: (b.day, b.top, b.column))
        current = self.block_of(self.selected) if self.selected else None
        if (
            alt
            and current is not None
            and key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right)
        ):
            if not self.movable(current.event):
                return
            day, minutes = self.lanes[current.day].day, current.top
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                minutes = layout.snap(
                    minutes + (layout.SNAP_MINUTES if key == Qt.Key.Key_Down else -layout.SNAP_MINUTES)
                )
                when = day
            else:
                when = day + dt.timedelta(days=1 if key == Qt.Key.Key_Right else -1)
            if (when, minutes) != (day, current.top):
                self.moveRequested.emit(current.event.activity_id, when, minutes)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current is not None:
            self.openRequested.emit(current.event.activity_id)
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right) and ordered:
            self.select(self._neighbour(ordered, current, key).event.activity_id)
            return
        super().keyPressEvent(event)

    def _neighbour(self, ordered: list[layout.Block], current: layout.Block | None, key: int) -> layout.Block:
        if current is None:
            return ordered[0]
        at = ordered.index(current)
        if key == Qt.Key.Key_Down:
            return ordered[min(at + 1, len(ordered) - 1)]
        if key == Qt.Key.Key_Up:
            return ordered[max(at - 1, 0)]
        if key == Qt.Key.Key_Right:
            later = [b for b in ordered if b.day > current.day]
            return later[0] if later else current
        earlier = [b for b in ordered if b.day < current.day]
        if not earlier:
            return current
        return next(b for b in earlier if b.day == earlier[-1].day)
