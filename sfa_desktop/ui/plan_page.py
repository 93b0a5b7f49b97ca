"""The Week plan page (issue 16, item 2): propose a week of visits (``ops.planning.plan_week`` on the task
runner), see each day's route (the list of stops and a sketch of the route from home and back), take
visits out or put due accounts in (the plan is made again around them), and accept it: the visits become
agenda activities that sync.  The calendar view and the map are other pages."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from PySide6.QtCore import QDate, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.planning import week
from sfa_desktop.ops import planning as plan_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_DAY_ROLE = Qt.ItemDataRole.UserRole + 2


def _clock(minutes: int) -> str:
    return f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


class RouteSketch(QWidget):
    """A day's route drawn to scale (an equirectangular sketch): home, the stops in order, and back home;
    appointments already in the agenda in another colour.  Never blank: without a plan it says so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("routeSketch")
        self.setMinimumSize(260, 220)
        self.points: list[tuple[str, tuple[float, float], bool]] = []
        self.home: tuple[float, float] | None = None
        self.caption = "Propose a plan to see each day's route."

    def show_day(self, planned: week.WeekPlan | None, day: int | None) -> None:
        self.points, self.home = [], None
        if planned is None or day is None or day >= len(planned.plan.days):
            self.caption = "Propose a plan to see each day's route."
        else:
            plan_day = planned.plan.days[day]
            self.home = planned.home
            self.points = [
                (s.name, planned.places[s.key], s.fixed) for s in plan_day.stops if s.key in planned.places
            ]
            self.caption = (
                f"{plan_day.day.date:%A %d %B}" if self.points else f"{plan_day.day.date:%A}: nothing planned"
            )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#f7f8fa"))
        painter.setPen(QColor("#5b6472"))
        painter.drawText(QRectF(10, 6, self.width() - 20, 20), Qt.AlignmentFlag.AlignLeft, self.caption)
        if self.home is None:
            painter.end()
            return
        where = [self.home, *(p for _, p, _ in self.points)]
        lats = [p[0] for p in where]
        lons = [p[1] for p in where]
        box = QRectF(30, 34, self.width() - 60, self.height() - 64)
        span = max(max(lats) - min(lats), (max(lons) - min(lons)) * 0.75, 1e-4)

        def at(position: tuple[float, float]) -> QPointF:
            x = ((position[1] - min(lons)) * 0.75) / span
            y = (position[0] - min(lats)) / span
            side = min(box.width(), box.height())
            return QPointF(box.left() + x * side, box.top() + side - y * side)

        route = [at(self.home), *(at(p) for _, p, _ in self.points), at(self.home)]
        painter.setPen(QPen(QColor("#2f6fde"), 2))
        for a, b in itertools.pairwise(route):
            painter.drawLine(a, b)
        painter.setPen(QPen(QColor("#1d2430"), 1))
        painter.setBrush(QColor("#1d2430"))
        painter.drawRect(QRectF(route[0].x() - 6, route[0].y() - 6, 12, 12))
        painter.drawText(route[0] + QPointF(9, -6), "Home")
        for n, ((name, _, fixed), point) in enumerate(zip(self.points, route[1:-1], strict=True), start=1):
            painter.setBrush(QColor("#e08a00" if fixed else "#2f6fde"))
            painter.setPen(QPen(QColor("white"), 1.5))
            painter.drawEllipse(point, 9, 9)
            painter.setPen(QColor("white"))
            painter.drawText(
                QRectF(point.x() - 9, point.y() - 9, 18, 18), Qt.AlignmentFlag.AlignCenter, str(n)
            )
            painter.setPen(QColor("#1d2430"))
            painter.drawText(point + QPointF(12, 4), name[:28])
        painter.end()


class WeekPlanPage(QWidget):
    """``planned()``: a plan is on screen; ``accepted(int)``: its visits were written to the agenda;
    ``reported(str)``: a message for the status bar."""

    planned = Signal()
    accepted = Signal(int)
    reported = Signal(str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekPlanPage")
        self.store = store
        self.runner = runner
        self.current: week.WeekPlan | None = None
        self.exclude: set[str] = set()
        self.include: set[str] = set()
        self._task: Task | None = None
        self._build()

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Week plan"), "sectionTitle"))
        self.summary = named(QLabel("Visits due, in routes from your home base"), "sectionCount")
        titles.addWidget(self.summary)
        bar.addLayout(titles)
        bar.addStretch(1)
        bar.addWidget(QLabel("Week from"))
        monday = next_monday(dt.date.today())
        self.start = QDateEdit(QDate(monday.year, monday.month, monday.day))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd d MMM yyyy")
        bar.addWidget(self.start)
        self.propose_button = QPushButton(icon("sync"), "Propose")
        self.propose_button.setToolTip("Plan the week's visits again from what is due now")
        self.propose_button.clicked.connect(lambda _c=False: self.propose(fresh=True))
        bar.addWidget(self.propose_button)
        self.accept_button = QPushButton(icon("save"), "Accept")
        self.accept_button.setToolTip("Put these visits in your agenda (they sync)")
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self.accept)
        bar.addWidget(self.accept_button)

        self.tree = named(QTreeWidget(), "planTree")
        self.tree.setHeaderLabels(["Time", "Visit", "Drive", "Length"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 130)
        self.tree.setColumnWidth(1, 300)
        self.tree.setColumnWidth(2, 170)
        self.tree.currentItemChanged.connect(self._current_changed)
        edit = QHBoxLayout()
        self.remove_button = QPushButton(icon("delete"), "Take out")
        self.remove_button.setToolTip("Leave the chosen visit out and plan again")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_current)
        self.add_box = QComboBox()
        self.add_box.setMinimumWidth(200)
        self.add_box.setToolTip("Accounts due that are not in the plan")
        self.add_button = QPushButton(icon("add"), "Put in")
        self.add_button.setToolTip("Plan this account too, and plan again")
        self.add_button.clicked.connect(self.add_chosen)
        edit.addWidget(self.remove_button)
        edit.addStretch(1)
        edit.addWidget(self.add_box, 1)
        edit.addWidget(self.add_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 8, 6, 8)
        left_layout.addWidget(self.tree, 1)
        left_layout.addLayout(edit)
        self.sketch = RouteSketch()
        self.note = named(QLabel(), "formSubtitle")
        self.note.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 8, 12, 8)
        right_layout.addWidget(self.sketch, 1)
        right_layout.addWidget(self.note)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(splitter, 1)

    # -- planning ---------------------------------------------------------------------------------------

    def propose(self, *, fresh: bool = False) -> Task:
        if fresh:
            self.exclude.clear()
            self.include.clear()
        if self._task is not None:
            self._task.discard()
        self.propose_button.setEnabled(False)
        self.summary.setText("Planning…")
        first = self.start.date().toPython()
        assert isinstance(first, dt.date)
        task = self.runner.submit(_plan, self.store, first, frozenset(self.exclude), frozenset(self.include))
        task.finished.connect(self._show)
        task.failed.connect(self._failed)
        self._task = task
        return task

    def _failed(self, exc: object) -> None:
        self._task = None
        self.propose_button.setEnabled(True)
        self.summary.setText("No plan")
        show_problem(self, "Week not planned", exc)

    def _show(self, result: object) -> None:
        assert isinstance(result, week.WeekPlan)
        self._task = None
        self.current = result
        self.propose_button.setEnabled(True)
        plan = result.plan
        unit = result.unit_note or "km"
        self.tree.clear()
        first_day = None
        for n, day in enumerate(plan.days):
            label = f"{day.day.date:%a %d %b}"
            drive = (
                f"{day.travel_minutes} min · {plan_ops.distance(day.travel_km, unit)}" if day.stops else ""
            )
            top = QTreeWidgetItem([label, f"{len(day.visits)} visits", drive, ""])
            top.setData(0, _DAY_ROLE, n)
            font = top.font(0)
            font.setBold(True)
            for column in range(4):
                top.setFont(column, font)
            for stop in day.stops:
                name = stop.name + (" (appointment)" if stop.fixed else "")
                child = QTreeWidgetItem(
                    [_clock(stop.start), name, f"{stop.travel_minutes} min", f"{stop.minutes} min"]
                )
                child.setData(0, _KEY_ROLE, None if stop.fixed else stop.key)
                child.setData(0, _DAY_ROLE, n)
                top.addChild(child)
            if day.stops:
                top.addChild(QTreeWidgetItem(["", "Home", f"{day.home_minutes} min", ""]))
                first_day = n if first_day is None else first_day
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.add_box.clear()
        for c in sorted(plan.left_out, key=lambda c: (not c.overdue, c.name.casefold())):
            self.add_box.addItem(f"{c.name} ({'overdue' if c.overdue else 'due'})", c.key)
        self.add_button.setEnabled(self.add_box.count() > 0)
        overdue_left = sum(c.overdue for c in plan.left_out)
        self.summary.setText(
            f"{len(plan.visits)} visits over {sum(1 for d in plan.days if d.visits)} days · "
            f"{sum(d.travel_minutes for d in plan.days)} min on the road · {plan.solver.split(' (')[0]}"
        )
        notes = []
        if plan.left_out:
            notes.append(f"Not this week: {len(plan.left_out)} account(s) due, {overdue_left} overdue.")
        if result.no_place:
            notes.append(f"Without coordinates (not planned): {len(result.no_place)}.")
        self.note.setText(" ".join(notes) or "Everything due fits in this week.")
        self.accept_button.setEnabled(bool(plan.visits))
        top_item = self.tree.topLevelItem(first_day) if first_day is not None else None
        if top_item is not None:
            self.tree.setCurrentItem(top_item)
        else:
            self.sketch.show_day(result, None)
        self.planned.emit()

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        day = item.data(0, _DAY_ROLE) if item is not None else None
        self.sketch.show_day(self.current, day if isinstance(day, int) else None)
        self.remove_button.setEnabled(item is not None and bool(item.data(0, _KEY_ROLE)))

    def remove_current(self) -> None:
        item = self.tree.currentItem()
        key = item.data(0, _KEY_ROLE) if item is not None else None
        if key:
            self.exclude.add(str(key))
            self.include.discard(str(key))
            self.propose()

    def add_chosen(self) -> None:
        key = self.add_box.currentData()
        if key:
            self.include.add(str(key))
            self.exclude.discard(str(key))
            self.propose()

    def accept(self) -> None:
        if self.current is None:
            return
        self.accept_button.setEnabled(False)
        task = self.runner.submit(plan_ops.accept_plan, self.store, self.current)
        task.finished.connect(self._accepted)
        task.failed.connect(lambda exc: show_problem(self, "Visits not added", exc))

    def _accepted(self, made: object) -> None:
        count = len(made) if isinstance(made, list) else 0
        self.reported.emit(f"Added {count} visits to your agenda; they sync with the next sync.")
        self.summary.setText(f"Accepted: {count} visits are in your agenda")
        self.accepted.emit(count)
        self.current = None

    def page_shown(self) -> None:
        if self.current is None and self._task is None:
            self.propose(fresh=True)


def _plan(
    store: LocalStore, first: dt.date, exclude: frozenset[str], include: frozenset[str]
) -> week.WeekPlan:
    rep = plan_ops.this_user_id(store)
    return plan_ops.plan_week(store, week.WeekRequest(rep, first, exclude=exclude, include=include))


def make_page(window: Any) -> WeekPlanPage:
    page = WeekPlanPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    return page
