"""The Requests page (issue 15): the customer requests and complaints on this laptop, filtered as you
type (words, status, category, overdue only, everyone's / raised by me / assigned to me), and one request
in detail: its facts, service level, description, links and comment thread, with what this user may do
(comment; the territory's managers assign, change the status and resolve; the rep it is assigned to moves
it between "in progress" and "waiting on customer")."""

from __future__ import annotations

import html
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import REQUEST_CATEGORIES, REQUEST_STATUSES
from sfa_desktop.core.requests import listing
from sfa_desktop.ops import requests as ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.request_dialog import NewRequestDialog
from sfa_desktop.ui.requests_model import ID_ROLE, RequestsModel
from sfa_desktop.ui.widgets import named

#: Below this page width the list hides the severity and assignee columns (a 1280 x 720 screen).
NARROW_PAGE = 1200
NARROW_HIDDEN = (4, 6)
#: Typing pauses this long before the list filters (as the record lists do).
FILTER_DELAY_MS = 150
_WHOSE = (
    ("Everyone's", listing.EVERYONE),
    ("Raised by me", listing.MINE),
    ("Assigned to me", listing.ASSIGNED),
)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else "—"


class RequestDetail(QWidget):
    """One request: facts, service level, description, links, thread, actions.  ``changed(id)`` fires after
    this user changed it."""

    changed = Signal(str)

    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.request_id: str | None = None
        self.shown: ops.Detail | None = None
        self.title = named(QLabel(), "detailTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 17px; font-weight: 700; color: #0f172a;")
        self.level = named(QLabel(), "requestSla")
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(3)
        self.body = named(QTextBrowser(), "requestThread")
        self.body.setOpenExternalLinks(True)
        self.body.setMinimumHeight(160)
        self.comment_box = named(QPlainTextEdit(), "requestComment")
        self.comment_box.setPlaceholderText(
            "Add a comment (the whole thread goes to the rep and the office)…"
        )
        self.comment_box.setFixedHeight(64)
        self.comment_button = named(QPushButton(icon("note"), "Add comment"), "commentButton")
        self.assignee = named(QComboBox(), "requestAssignee")
        self.assign_button = named(QPushButton("Assign"), "assignButton")
        self.status = named(QComboBox(), "requestStatus")
        self.note = named(QLineEdit(), "requestNote")
        self.note.setPlaceholderText("Resolution note (when resolving or closing)")
        self.status_button = named(QPushButton("Set status"), "statusButton")
        self.resolve_button = named(QPushButton(icon("won", "#ffffff"), "Resolve"), "primaryButton")
        self.message = named(QLabel(), "requestMessage")
        self.message.setWordWrap(True)
        self.empty = named(QLabel("Choose a request to see it and its comments."), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._build()
        self.comment_button.clicked.connect(self._comment)
        self.assign_button.clicked.connect(self._assign)
        self.status_button.clicked.connect(self._set_status)
        self.resolve_button.clicked.connect(self._resolve)
        self.show_request(None)

    def _build(self) -> None:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(18, 14, 18, 14)
        column.setSpacing(8)
        column.addWidget(self.title)
        column.addWidget(self.level)
        column.addLayout(self.facts)
        column.addWidget(self.body, 1)
        column.addWidget(self.comment_box)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.comment_button)
        column.addLayout(row)
        self.action_box = named(QFrame(), "requestActions")
        grid = QGridLayout(self.action_box)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.addWidget(QLabel("Assign to"), 0, 0)
        grid.addWidget(self.assignee, 0, 1)
        grid.addWidget(self.assign_button, 0, 2)
        grid.addWidget(QLabel("Status"), 1, 0)
        grid.addWidget(self.status, 1, 1)
        grid.addWidget(self.status_button, 1, 2)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.addWidget(self.resolve_button, 2, 2)
        grid.setColumnStretch(1, 1)
        column.addWidget(self.action_box)
        column.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.content = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        layout.addWidget(self.empty)

    def show_request(self, request_id: str | None) -> None:
        self.request_id = request_id
        self.message.clear()
        self.content.setVisible(request_id is not None)
        self.empty.setVisible(request_id is None)
        if request_id is None:
            self.shown = None
            return
        try:
            self.shown = ops.detail(self.store, request_id)
        except UserError:  # gone (a sync removed it)
            self.show_request(None)
            return
        self._fill(self.shown)

    def _fill(self, shown: ops.Detail) -> None:
        r = shown.row
        self.title.setText(r.subject)
        color = "#b91c1c" if r.overdue else "#15803d" if r.level.done else "#475569"
        self.level.setText(
            f"<span style='color:{color}; font-weight:600'>{html.escape(r.level.describe())}</span>"
        )
        while self.facts.count():
            item = self.facts.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        facts = [
            ("Status", r.status),
            ("Account", r.account + (f" · {r.contact}" if r.contact else "")),
            ("Category", f"{r.category} · {r.severity}"),
            (
                "Raised",
                f"{_when(r.raised_at)} by {r.raised_by}"
                + (f" at {shown.activity}" if shown.activity else ""),
            ),
            ("Assigned to", r.assigned_to or "nobody yet"),
            ("First answer", _when(r.first_answered_at)),
            ("Resolved", _when(r.resolved_at)),
            ("Territory", r.territory or "—"),
        ]
        for number, (label, value) in enumerate(facts):
            name = QLabel(label)
            name.setStyleSheet("color: #64748b;")
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addWidget(name, number, 0, Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(text, number, 1)
        self.facts.setColumnStretch(1, 1)
        self.body.setHtml(self._thread_html(shown))
        self.action_box.setVisible(shown.may_handle or bool(shown.statuses))
        self.assignee.clear()
        self.assignee.addItem("Nobody", None)
        if shown.may_handle:
            for user_id, person in ops.assignable(self.store, r.id):
                self.assignee.addItem(person, user_id)
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(r.assigned_to_id)))
        for widget in (self.assignee, self.assign_button, self.resolve_button, self.note):
            widget.setVisible(shown.may_handle)
        self.resolve_button.setVisible(shown.may_handle and "resolved" in shown.statuses)
        self.status.clear()
        for status in shown.statuses:
            self.status.addItem(status.capitalize(), status)

    def _thread_html(self, shown: ops.Detail) -> str:
        parts = []
        if shown.description:
            parts.append(f"<p>{html.escape(shown.description).replace(chr(10), '<br>')}</p>")
        if shown.links:
            items = "".join(
                f"<li><a href='{html.escape(link)}'>{html.escape(link)}</a></li>"
                if link.startswith("http")
                else f"<li>{html.escape(link)} (knowledge base)</li>"
                for link in shown.links
            )
            parts.append(f"<p style='color:#64748b'>Links:</p><ul>{items}</ul>")
        if shown.resolution:
            parts.append(f"<p style='color:#15803d'><b>Resolution:</b> {html.escape(shown.resolution)}</p>")
        parts.append(f"<h4 style='color:#334155'>Comments ({len(shown.thread)})</h4>")
        if not shown.thread:
            parts.append("<p style='color:#94a3b8'>No comments yet.</p>")
        for c in shown.thread:
            parts.append(
                f"<p><b>{html.escape(c.author)}</b> <span style='color:#94a3b8'>{_when(c.at)}</span><br>"
                f"{html.escape(c.body).replace(chr(10), '<br>')}</p>"
            )
        return "".join(parts)

    def _run(self, what: str, action: Any, done: str) -> None:
        if self.request_id is None:
            return
        try:
            action()
        except UserError as exc:
            self.message.setStyleSheet("color: #b91c1c;")
            self.message.setText(str(exc))
            return
        except Exception as exc:  # a bug: the bug dialog
            show_problem(self, what, exc)
            return
        request_id = self.request_id
        self.show_request(request_id)
        self.message.setStyleSheet("color: #15803d;")
        self.message.setText(done)
        self.changed.emit(request_id)

    def _comment(self) -> None:
        text = self.comment_box.toPlainText()

        def act() -> None:
            assert self.request_id is not None
            ops.comment(self.store, self.request_id, text)
            self.comment_box.clear()

        self._run("Could not add the comment", act, "Comment added; it syncs with the request.")

    def _assign(self) -> None:
        user = self.assignee.currentData()
        self._run(
            "Could not assign the request",
            lambda: ops.assign(self.store, str(self.request_id), user),
            f"Assigned to {self.assignee.currentText()}.",
        )

    def _set_status(self) -> None:
        status = self.status.currentData()
        if status is None:
            return
        note = self.note.text() or None
        self._run(
            "Could not change the status",
            lambda: ops.set_status(self.store, str(self.request_id), str(status), note),
            f"Status set to '{status}'.",
        )

    def _resolve(self) -> None:
        note = self.note.text() or None
        self._run(
            "Could not resolve the request",
            lambda: ops.resolve(self.store, str(self.request_id), note),
            "Resolved.",
        )


class RequestsPage(QWidget):
    """The page: header with filters, the table, the detail pane."""

    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestsPage")
        self.store = store
        self.model = RequestsModel(self)
        self._build()
        self.refresh()

    def _build(self) -> None:
        top = named(QFrame(), "sectionHeader")
        header = QVBoxLayout(top)
        header.setContentsMargins(20, 12, 20, 10)
        first = QHBoxLayout()
        title = named(QLabel("Requests"), "sectionTitle")
        self.count_label = named(QLabel(""), "sectionCount")
        self.new_button = named(QPushButton(icon("add", "#ffffff"), "New request…"), "primaryButton")
        first.addWidget(title)
        first.addSpacing(10)
        first.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        first.addStretch(1)
        first.addWidget(self.new_button)
        second = QHBoxLayout()
        self.search = named(QLineEdit(), "filterBox")
        self.search.setPlaceholderText("Filter: subject, account, description…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search", "#94a3b8"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(240)
        self.status = named(QComboBox(), "statusFilter")
        self.status.addItem("Open", listing.OPEN)
        self.status.addItem("Any status", listing.ANY)
        for status in REQUEST_STATUSES:
            self.status.addItem(status.capitalize(), status)
        self.category = named(QComboBox(), "categoryFilter")
        self.category.addItem("All categories", None)
        for name in REQUEST_CATEGORIES:
            self.category.addItem(name.capitalize(), name)
        self.whose = named(QComboBox(), "whoseFilter")
        for label, key in _WHOSE:
            self.whose.addItem(label, key)
        self.overdue = named(QCheckBox("Overdue only"), "overdueFilter")
        second.addWidget(self.search, 1)
        for widget in (self.status, self.category, self.whose, self.overdue):
            second.addWidget(widget)
        header.addLayout(first)
        header.addLayout(second)

        self.table = named(QTableView(), "requestsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 96), (1, 170), (3, 84), (4, 82), (5, 128), (6, 118), (7, 132)):
            self.table.setColumnWidth(column, width)
        head.setMinimumSectionSize(48)
        self.detail = RequestDetail(self.store, self)
        self.detail.setMinimumWidth(340)
        self.empty = named(QLabel(), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.empty)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([980, 420])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(splitter, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._filter_timer.start())
        for combo in (self.status, self.category, self.whose):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.overdue.toggled.connect(lambda _b: self.refresh())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail.changed.connect(self._after_change)
        self.new_button.clicked.connect(self.new_request)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """On a small screen the list keeps what matters (subject, status, service level): severity and
        assignee are in the detail pane."""
        super().resizeEvent(event)
        narrow = self.width() < NARROW_PAGE
        for column in NARROW_HIDDEN:
            self.table.setColumnHidden(column, narrow)

    def filters(self) -> listing.Filters:
        return listing.Filters(
            text=self.search.text(),
            status=str(self.status.currentData()),
            category=self.category.currentData(),
            overdue=self.overdue.isChecked(),
            whose=str(self.whose.currentData()),
        )

    def refresh(self, keep: str | None = None) -> None:
        """Query the list again with the filters (as the person types), keeping ``keep`` (or the request on
        screen) selected when it is still listed."""
        keep = keep or self.detail.request_id
        found = ops.find_requests(self.store, self.filters())
        self.model.set_found(found, partial(ops.request_rows, self.store))
        rows = found.ids
        overdue = len(found.overdue)
        noun = "request" if len(rows) == 1 else "requests"
        self.count_label.setText(f"{len(rows):,} {noun}" + (f" · {overdue:,} overdue" if overdue else ""))
        self.empty.setText(
            "No request matches these filters."
            if rows or self.filters() != listing.Filters()
            else "No open requests. Raise one with “New request…”, from an account or from a visit."
        )
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.detail.show_request(None)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        request_id = indexes[0].data(ID_ROLE) if indexes else None
        if request_id != self.detail.request_id:
            self.detail.show_request(request_id)

    def _after_change(self, request_id: str) -> None:
        self.refresh(keep=request_id)
        refresh = getattr(self.window(), "refresh_pending", None)
        if callable(refresh):
            refresh()

    def open_request(self, request_id: str) -> None:
        """Show this request (the notification centre opens it so), widening the filters if needed."""
        if self.model.row_of(request_id) < 0:
            self.search.clear()
            self.status.setCurrentIndex(self.status.findData(listing.ANY))
            self.category.setCurrentIndex(0)
            self.whose.setCurrentIndex(0)
            self.overdue.setChecked(False)
        self.refresh(keep=request_id)

    def new_request(self) -> NewRequestDialog:
        dialog = NewRequestDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.raised.connect(self._after_change)
        dialog.open()
        return dialog

    def page_shown(self) -> None:
        self.refresh()


def make_page(window: Any) -> RequestsPage:
    """The page factory for ``extensions.PAGES``; a sync that brings requests refreshes it when shown."""
    page = RequestsPage(window.store)
    sync = getattr(window, "sync", None)
    synced = getattr(sync, "synced", None)
    if synced is not None:
        synced.connect(lambda: page.refresh() if page.isVisible() else None)
    return page
