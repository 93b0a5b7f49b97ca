"""The Timeline tab of accounts, contacts and leads: the whole story, newest first, filterable by kind.

The items come from :func:`sfa_desktop.core.timeline.feed.build` in a job on the task runner (the same
function
``sfa timeline`` prints).  :class:`TimelineModel` holds them and hands them to the view a hundred at a time
as it scrolls (``canFetchMore``/``fetchMore``); filtering by kind happens in memory with the core's
:class:`~sfa_desktop.core.timeline.feed.Filter`, so switching filters is instant and the chips show counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ACTIVITY_KINDS
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.core.timeline.feed import Filter, TimelineItem
from sfa_desktop.ops.timeline import load_timeline
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.timeline_delegate import HEADER_ROLE, ITEM_ROLE, TimelineDelegate
from sfa_desktop.ui.widgets import named

Index = QModelIndex | QPersistentModelIndex
BATCH = 100
_CHIPS = {"": "All", "activities": "Activities", "opportunities": "Opportunities", "orders": "Orders"}
_CHIPS["changes"] = "Changes"
_ACTIVITY_NAMES = {"": "Any activity", **{k: k.capitalize() + "s" for k in ACTIVITY_KINDS}}


def _group(item: TimelineItem, now: dt.datetime, names: dict[tuple[int, int], str]) -> str:
    """The heading an item goes under: "Upcoming", or its month ("November 2026")."""
    if item.planned and item.when > now:
        return "Upcoming"
    day = item.when.date() if item.all_day else item.when.astimezone().date()
    key = (day.year, day.month)
    name = names.get(key)
    if name is None:
        name = names[key] = day.strftime("%B %Y")
    return name


def tooltip(item: TimelineItem) -> str:
    lines = [f"{item.label}: {item.title}", f"{timeline.absolute_time(item)}  ·  {item.who or 'unknown'}"]
    if item.changes:
        lines += [change.as_text() for change in item.changes]
    elif item.detail:
        lines.append(item.detail)
    if item.pending:
        lines.append("Not synced yet: the central store gets it at the next sync.")
    return "\n".join(lines)


class TimelineModel(QAbstractListModel):
    """Timeline items matching a filter; rows are handed to the view in batches as it scrolls."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[TimelineItem] = []
        self._items: list[TimelineItem] = []
        self._headers: list[str | None] = []
        self._shown = 0
        self.filter = Filter()
        self.now = dt.datetime.now(dt.UTC)

    @property
    def items(self) -> list[TimelineItem]:
        """Every item passing the filter (also those not handed to the view yet)."""
        return self._items

    def set_items(self, items: list[TimelineItem], now: dt.datetime | None = None) -> None:
        self._all = items
        self.now = now or dt.datetime.now(dt.UTC)
        self._apply()

    def set_filter(self, only: Filter) -> None:
        self.filter = only
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        self._items = [item for item in self._all if self.filter.matches(item)]
        names: dict[tuple[int, int], str] = {}
        groups = [_group(item, self.now, names) for item in self._items]
        self._headers = [g if i == 0 or g != groups[i - 1] else None for i, g in enumerate(groups)]
        self._shown = min(BATCH, len(self._items))
        self.endResetModel()

    def counts(self) -> dict[str, int]:
        """Items of each kind and of each kind of activity, before filtering ('' : all)."""
        result = dict.fromkeys(("", *timeline.KINDS, *ACTIVITY_KINDS), 0)
        for item in self._all:
            result[""] += 1
            result[item.kind] += 1
            if item.kind == "activities":
                result[item.event] = result.get(item.event, 0) + 1
        return result

    def item_at(self, row: int) -> TimelineItem | None:
        return self._items[row] if 0 <= row < self._shown else None

    # -- Qt -----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < len(self._items)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(BATCH, len(self._items) - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0:
            return None
        item = self.item_at(index.row())
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return tooltip(item)
        if role == ITEM_ROLE:
            return item
        if role == HEADER_ROLE:
            return self._headers[index.row()]
        return None


class TimelineTab(QWidget):
    """The tab: filter chips, the list, and an empty state.  ``loaded`` fires when a record's items are
    in the model.  A visit's context menu checks in, checks out and opens its report (``ui.visit_actions``);
    its line says where it stands on site."""

    loaded = Signal()
    #: a message for the status bar (a visit checked in from the context menu...)
    reported = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timelineTab")
        self._store = store
        self._runner = runner
        self.kind = kind
        self.record_id: str | None = None
        self._task: Task | None = None
        self.model = TimelineModel(self)
        self._build()

    def _build(self) -> None:
        bar = named(QFrame(), "tabToolbar")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(14, 10, 14, 8)
        rows.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(5)
        self.chips: dict[str, QPushButton] = {}
        self._chip_group = QButtonGroup(self)
        self._chip_group.setExclusive(True)
        for key, title in _CHIPS.items():
            if key and key not in timeline.TIMELINE_OF[self.kind]:
                continue
            chip = named(QPushButton(title), "filterChip")
            chip.setCheckable(True)
            chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _checked=False, k=key: self._chip_chosen(k))
            self._chip_group.addButton(chip)
            self.chips[key] = chip
            row.addWidget(chip)
        row.addStretch(1)
        rows.addLayout(row)
        self.chips[""].setChecked(True)
        second = QHBoxLayout()
        self.activity_kind = named(QComboBox(), "activityKindFilter")
        for key, title in _ACTIVITY_NAMES.items():
            self.activity_kind.addItem(title, key)
        self.activity_kind.setToolTip("Only activities of this kind")
        self.activity_kind.currentIndexChanged.connect(lambda _i: self._kind_chosen())
        second.addWidget(self.activity_kind)
        second.addStretch(1)
        self.count_label = named(QLabel(), "tabCount")
        second.addWidget(self.count_label)
        rows.addLayout(second)

        self.view = named(QListView(), "timelineView")
        self.view.setModel(self.model)
        self.delegate = TimelineDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(False)
        self.view.setMouseTracking(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # a request or complaint raised from a visit (issue 15)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.empty = named(QLabel(), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addLayout(self._stack, 1)

    # -- the record tab protocol ------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        if self._task is not None:
            self._task.discard()
        if record_id != self.record_id:
            self.model.set_items([])
            self._show_state("Loading the timeline…")
        self.record_id = record_id
        self._task = self._runner.submit(load_timeline, self._store, self.kind, record_id)
        self._task.finished.connect(self._on_loaded)
        self._task.failed.connect(lambda exc: self._show_state(f"The timeline could not be read: {exc}"))

    def clear(self) -> None:
        if self._task is not None:
            self._task.discard()
            self._task = None
        self.record_id = None
        self.model.set_items([])
        self._show_state("")

    # -- results and filters ------------------------------------------------------------------------

    def _on_loaded(self, items: object) -> None:
        assert isinstance(items, list)
        self._task = None
        now = dt.datetime.now(dt.UTC)
        self.delegate.now = now
        self.model.set_items(items, now)
        self._refresh()
        self.loaded.emit()

    def _chip_chosen(self, key: str) -> None:
        if key != "activities" and self.activity_kind.currentIndex() != 0:
            self.activity_kind.blockSignals(True)
            self.activity_kind.setCurrentIndex(0)
            self.activity_kind.blockSignals(False)
        self._apply_filter()

    def _kind_chosen(self) -> None:
        if self.activity_kind.currentData():
            self.chips["activities"].setChecked(True)
        self._apply_filter()

    def set_filter(self, kind: str = "", activity_kind: str = "") -> None:
        """Choose a chip ('' for all) and an activity kind, as a person would."""
        self.chips[kind].setChecked(True)
        self.activity_kind.setCurrentIndex(max(0, self.activity_kind.findData(activity_kind)))
        self._apply_filter()

    def _apply_filter(self) -> None:
        checked = next((k for k, chip in self.chips.items() if chip.isChecked()), "")
        activity = str(self.activity_kind.currentData() or "")
        self.model.set_filter(
            Filter(
                frozenset({checked}) if checked else frozenset(),
                frozenset({activity}) if activity else frozenset(),
            )
        )
        self._refresh()

    def _refresh(self) -> None:
        counts = self.model.counts()
        for key, chip in self.chips.items():
            count = counts.get(key, 0)
            what = _CHIPS[key].lower() if key else "items"
            chip.setToolTip(f"{count:,} {what}" + ("" if key else " in all") + " on this timeline")
        for i in range(self.activity_kind.count()):
            key = str(self.activity_kind.itemData(i) or "")
            count = counts.get(key, 0) if key else counts["activities"]
            self.activity_kind.setItemText(i, f"{_ACTIVITY_NAMES[key]} ({count:,})")
        shown = len(self.model.items)
        pending = sum(1 for item in self.model.items if item.pending)
        text = f"{shown:,} item{'s' if shown != 1 else ''}"
        self.count_label.setText(text + (f"  ·  {pending:,} not synced yet" if pending else ""))
        if shown:
            self._stack.setCurrentWidget(self.view)
        elif counts[""]:
            self._show_state("Nothing on the timeline matches this filter.")
        else:
            self._show_state("Nothing on this timeline yet.\nLog a call or a visit with Ctrl+L.")

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        item = self.model.item_at(index.row()) if index.isValid() else None
        menu = self.context_menu(item)
        if menu is not None:
            menu.exec(self.view.viewport().mapToGlobal(pos))

    def context_menu(self, item: TimelineItem | None) -> QMenu | None:
        """The menu of an activity on the timeline: a visit's Check in, Check out and Visit report…, and
        New request from this activity… (None for other items)."""
        if item is None or item.kind != "activities":
            return None
        menu = QMenu(self)
        if item.event == "visit":
            from sfa_desktop.ui import visit_actions  # imported when first asked

            if visit_actions.add_visit_actions(
                menu, self, self._store, item.record_id, changed=self._visit_changed
            ):
                menu.addSeparator()
        record_id = item.record_id
        menu.addAction("New request from this activity…", lambda: self.raise_request_from(record_id))
        return menu

    def _visit_changed(self, message: str) -> None:
        if message:
            self.reported.emit(message)
        if self.record_id is not None:
            self.show_record(self.record_id)

    def raise_request_from(self, activity_id: str) -> QWidget | None:
        """Open "New request…" for the account of this activity (a visit, usually)."""
        from sfa_desktop.ops import requests as request_ops  # imported when first asked
        from sfa_desktop.ui.request_dialog import new_request_from_activity

        found = request_ops.activity_account(self._store, activity_id)
        if found is None:
            return None
        account_id, label = found
        return new_request_from_activity(self._store, self, activity_id, account_id, label)

    def _show_state(self, message: str) -> None:
        self.empty.setText(message)
        self._stack.setCurrentWidget(self.empty)
        if not message:
            self.count_label.setText("")
