"""The Map page (issue 16, item 3): the day's route and the accounts by segment and due state.

The header chooses the day (the previous or next one, Today: PgUp, PgDown, Home), what is shown (the route,
the accounts) and whether map tiles are drawn (the ``map_tiles`` setting: off, or offline, the map is the
schematic).  The map is :class:`sfa_desktop.ui.map_view.MapView`; the pane on its right lists the route in
order (home, the stops with their times and legs, home again, the day's driving) and says what a clicked
account is.  Everything is read on the task runner; tiles load on the map's own two threads.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.callsheet.route import format_distance
from sfa_desktop.core.maps.day import DUE_LABELS, DayMap
from sfa_desktop.ops import maps as map_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.map_view import MapView, TileLoader
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

_STOP_ROLE = Qt.ItemDataRole.UserRole + 1


class MapPage(QWidget):
    """``settled()``: the page shows what it will show (after each load); ``reported(str)``: a message for
    the status bar; ``recordRequested(kind, id)``: open a record."""

    settled = Signal()
    reported = Signal(str)
    recordRequested = Signal(str, str)

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        loader: TileLoader | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mapPage")
        self.store = store
        self.runner = runner
        self.tz: dt.tzinfo = layout.local_zone()
        self.day = dt.date.today()
        self.data: DayMap | None = None
        self.tile_url = ""
        self._task: Task | None = None
        self.loader = loader or TileLoader(map_ops.tile_source, self)
        self._build()
        task = runner.submit(map_ops.tile_settings, store)
        task.finished.connect(self._set_tiles)
        task.failed.connect(lambda _exc: self.reload())

    # -- building -----------------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Map"), "sectionTitle"))
        self.day_label = named(QLabel(), "sectionCount")
        titles.addWidget(self.day_label)
        bar.addLayout(titles)
        bar.addSpacing(24)
        self.today_button = named(QToolButton(), "repsButton")
        self.today_button.setText("Today")
        self.today_button.setToolTip("Today's route (Home)")
        self.today_button.clicked.connect(self.go_today)
        self.prev_button = named(QToolButton(), "repsButton")
        self.prev_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.prev_button.setToolTip("Previous day (PgUp)")
        self.prev_button.setAccessibleName("Previous day")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = named(QToolButton(), "repsButton")
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.next_button.setToolTip("Next day (PgDown)")
        self.next_button.setAccessibleName("Next day")
        self.next_button.clicked.connect(lambda: self.step(1))
        for button in (self.today_button, self.prev_button, self.next_button):
            bar.addWidget(button)
        bar.addStretch(1)
        self.route_box = QCheckBox("Route")
        self.route_box.setChecked(True)
        self.route_box.toggled.connect(self._layers_changed)
        self.places_box = QCheckBox("Accounts")
        self.places_box.setChecked(True)
        self.places_box.toggled.connect(self._layers_changed)
        self.tiles_box = QCheckBox("Map tiles")
        self.tiles_box.setToolTip(
            "Draw OpenStreetMap tiles when online (cached on this computer); off: the schematic map only"
        )
        self.tiles_box.toggled.connect(self._tiles_toggled)
        for box in (self.route_box, self.places_box, self.tiles_box):
            bar.addWidget(box)
            bar.addSpacing(8)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole route and every account (0 or Home on the map)")
        self.refresh_button = QPushButton(icon("sync"), "Refresh")
        self.refresh_button.clicked.connect(lambda _checked=False: self.reload())
        bar.addWidget(self.fit_button)
        bar.addWidget(self.refresh_button)

        self.map = MapView(self.loader)
        self.fit_button.clicked.connect(self.map.fit)
        self.map.stopClicked.connect(self._select_stop)
        self.map.placeClicked.connect(self._show_place)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(self.map)
        splitter.addWidget(self._build_side())
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 320])
        splitter.setChildrenCollapsible(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(header)
        outer.addWidget(splitter, 1)
        for keys, slot in (
            ("PgUp", lambda: self.step(-1)),
            ("PgDown", lambda: self.step(1)),
            ("Home", self.go_today),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            self.addAction(action)

    def _build_side(self) -> QWidget:
        pane = named(QFrame(), "agendaDetail")
        pane.setMinimumWidth(260)
        pane.setMaximumWidth(400)
        box = QVBoxLayout(pane)
        box.setContentsMargins(16, 16, 16, 14)
        box.setSpacing(6)
        box.addWidget(named(QLabel("THE DAY'S ROUTE"), "formSection"))
        self.summary = named(QLabel(), "formSubtitle")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.stops = named(QListWidget(), "mapStops")
        self.stops.setWordWrap(True)
        self.stops.setFrameShape(QFrame.Shape.NoFrame)
        self.stops.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stops.currentItemChanged.connect(lambda item, _old: self._stop_chosen(item))
        box.addWidget(self.stops, 3)
        box.addWidget(named(QLabel("ACCOUNT"), "formSection"))
        self.place_label = named(QLabel("Click an account on the map."), "agendaMeta")
        self.place_label.setWordWrap(True)
        self.place_label.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.place_label)
        self.open_button = QPushButton("Open account")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open_place)
        box.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.counts = named(QLabel(), "agendaMeta")
        self.counts.setWordWrap(True)
        box.addWidget(self.counts)
        box.addStretch(1)
        self._place_id: str | None = None
        return pane

    # -- settings, days -----------------------------------------------------------------------------------

    def _set_tiles(self, found: object) -> None:
        assert isinstance(found, map_ops.TileSettings)
        self.tile_url = found.url
        self.tiles_box.blockSignals(True)
        self.tiles_box.setChecked(found.enabled)
        self.tiles_box.blockSignals(False)
        self.map.set_tiles(found.url if found.enabled else None)
        self.reload()

    def _tiles_toggled(self, on: bool) -> None:
        self.map.set_tiles(self.tile_url if on and self.tile_url else None)
        task = self.runner.submit(map_ops.set_tiles, self.store, on)
        task.failed.connect(lambda exc: show_problem(self, "Setting not saved", exc))

    def _layers_changed(self) -> None:
        self.map.show_route = self.route_box.isChecked()
        self.map.show_places = self.places_box.isChecked()
        self.map.update()

    def step(self, days: int) -> None:
        self.day += dt.timedelta(days=days)
        self.reload()

    def go_today(self) -> None:
        self.day = dt.date.today()
        self.reload()

    def page_shown(self) -> None:
        if self.tile_url:
            self.reload(fit=False)

    # -- loading ------------------------------------------------------------------------------------------

    def reload(self, *, fit: bool = True) -> Task:
        if self._task is not None:
            self._task.discard()
        task = self.runner.submit(map_ops.load_day, self.store, self.day, self.tz)
        task.finished.connect(lambda data: self._fill(data, fit))
        task.failed.connect(lambda exc: show_problem(self, "Map not loaded", exc))
        task.failed.connect(lambda _exc: self.settled.emit())
        self._task = task
        return task

    def _fill(self, data: object, fit: bool) -> None:
        assert isinstance(data, DayMap)
        self._task = None
        self.data = data
        self.map.set_data(data, fit=fit)
        self.day_label.setText(
            f"{data.day:%A} {data.day.day} {data.day:%B %Y}" + (f" · {data.rep}" if data.rep else "")
        )
        self.stops.clear()
        unit = data.unit
        if data.home is not None and data.stops:
            self._add_line("⌂", f"Start at {data.home_label}", "", None)
        for stop in data.stops:
            when = stop.due_at.astimezone(self.tz).strftime("%H:%M")
            leg = f" · {format_distance(stop.leg_km, unit)}" if stop.leg_km is not None else ""
            self._add_line(str(stop.number), f"{when}  {stop.party}", f"{stop.subject}{leg}", stop.number)
        if data.home_km is not None:
            self._add_line("⌂", "Back home", format_distance(data.home_km, unit), None)
        if data.stops:
            visits = len(data.stops)
            self.summary.setText(
                f"{visits} visit{'s' if visits != 1 else ''} on the route · "
                f"{format_distance(data.drive_km, unit)} of driving (straight lines)."
            )
        elif data.rep:
            self.summary.setText("No visits or meetings at placed accounts this day.")
        else:
            self.summary.setText(
                "Connect to the company's store to see your route; the accounts are on the map."
            )
        if data.unrouted:
            self.summary.setText(
                self.summary.text() + f"\nNot on the map (no position): {'; '.join(data.unrouted)}."
            )
        self.counts.setText(_counts_html(data))
        self.settled.emit()

    def _add_line(self, mark: str, title: str, detail: str, number: int | None) -> None:
        """A line of the route: its number (or ⌂ for home), what and when, and below it the subject and
        the leg's distance."""
        item = QListWidgetItem()
        item.setData(_STOP_ROLE, number)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{mark} {title} {detail}")
        if number is None:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        badge = "#1d4ed8" if number is not None else "#0f172a"
        label = QLabel(
            f"<table cellspacing='0' cellpadding='0'><tr>"
            f"<td width='26' valign='top'><span style='background:{badge};color:white;font-weight:700'>"
            f"&nbsp;{escape(mark)}&nbsp;</span></td>"
            f"<td><b>{escape(title)}</b>"
            + (f"<br><span style='color:#64748b'>{escape(detail)}</span>" if detail else "")
            + "</td></tr></table>"
        )
        label.setWordWrap(True)
        label.setContentsMargins(4, 4, 4, 4)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.stops.addItem(item)
        width = max(200, self.stops.viewport().width() - 4)
        item.setSizeHint(QSize(width, label.heightForWidth(width) + 8))
        self.stops.setItemWidget(item, label)

    # -- choosing -----------------------------------------------------------------------------------------

    def _select_stop(self, number: int) -> None:
        for row in range(self.stops.count()):
            if self.stops.item(row).data(_STOP_ROLE) == number:
                self.stops.setCurrentRow(row)
                return

    def _stop_chosen(self, item: QListWidgetItem | None) -> None:
        if item is None or self.data is None:
            return
        number = item.data(_STOP_ROLE)
        stop = next((s for s in self.data.stops if s.number == number), None)
        if stop is None:
            return
        self.map.center_on(stop.position, max(self.map.zoom, 13))
        if stop.account_id:
            self._show_place(stop.account_id)

    def _show_place(self, account_id: str) -> None:
        place = next((p for p in self.data.places if p.account_id == account_id), None) if self.data else None
        if place is None:
            return
        self._place_id = account_id
        segment = f"Segment {place.segment}" if place.segment else "No segment"
        self.place_label.setText(
            f"<b>{escape(place.name)}</b><br>{escape(place.city)}<br>"
            f"{segment} · {DUE_LABELS.get(place.due, place.due)}"
        )
        self.open_button.setEnabled(True)

    def _open_place(self) -> None:
        if self._place_id:
            self.recordRequested.emit("accounts", self._place_id)

    def shutdown(self) -> None:
        self.loader.shutdown()


def _counts_html(data: DayMap) -> str:
    if not data.places:
        return "No account has a map position yet (Map position on the account)."
    by_due: dict[str, int] = {}
    by_segment: dict[str, int] = {}
    for place in data.places:
        by_due[place.due] = by_due.get(place.due, 0) + 1
        by_segment[place.segment or "\u2013"] = by_segment.get(place.segment or "\u2013", 0) + 1
    due = ", ".join(f"{n} {DUE_LABELS[state].lower()}" for state, n in by_due.items() if state in DUE_LABELS)
    segments = " · ".join(f"{segment}: {n}" for segment, n in sorted(by_segment.items()))
    return f"<br>{len(data.places)} accounts on the map<br>{segments}<br>{escape(due)}"


# -- extension entry point ------------------------------------------------------------------------------


def map_page(window: Any) -> MapPage:
    page = MapPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    page.recordRequested.connect(window.open_record)
    sync = getattr(window, "sync", None)
    if sync is not None:  # what a sync brought
        sync.statusShown.connect(
            lambda status: page.page_shown() if status.state == "idle" and page.isVisible() else None
        )
    return page
