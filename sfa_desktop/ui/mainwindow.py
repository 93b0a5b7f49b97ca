"""The main window: navigation sidebar, global search, one page per record section, status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from sfa_desktop import __version__, build_id
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.ops import records as record_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import extensions, sidebar
from sfa_desktop.ui.extensions import PageEntry
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.search import SearchBox
from sfa_desktop.ui.sections import SectionPage
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

SECTIONS = extensions.SECTIONS
_SECTION_ORDER = {kind: 20 + 10 * number for number, kind in enumerate(SECTIONS)}
#: Services start this long after the first page is on screen: not on the start-up path.
SERVICES_DELAY_MS = 1000


def navigation() -> list[tuple[str, str, str, PageEntry | None]]:
    """(key, title, icon, page entry or None for a record section) in sidebar order."""
    entries: list[tuple[int, str, str, str, PageEntry | None]] = [
        (_SECTION_ORDER[kind], kind, ENTITIES[kind].plural.capitalize(), kind, None) for kind in SECTIONS
    ]
    entries += [(p.order, p.key, p.title, p.icon, p) for p in extensions.PAGES]
    return [(key, title, icon_name, page) for _order, key, title, icon_name, page in sorted(entries)]


class MainWindow(QMainWindow):
    """``sectionShown(kind)`` fires when a section page is on screen (created on first use); ``ready()``
    once, when the first page shows its data (the counts, the store check and the services wait for it)."""

    sectionShown = Signal(str)
    ready = Signal()

    @staticmethod
    def first_size() -> QSize:
        """1380 x 860, or the screen's free area where that is smaller (a 1280 x 720 laptop screen): a
        window larger than its screen hides its right edge and its status bar."""
        wanted = QSize(1380, 860)
        screens = QApplication.screens()  # none when the platform has no screen at all
        if not screens:
            return wanted
        free = QApplication.primaryScreen().availableGeometry().size()
        return wanted.boundedTo(free).expandedTo(QSize(1000, 640))

    def __init__(
        self, store: LocalStore, runner: TaskRunner | None = None, initial: str = "contacts"
    ) -> None:
        super().__init__()
        self.store = store
        self.runner = runner or TaskRunner(self)
        self.setObjectName("mainWindow")
        self.setWindowTitle("SFA Desktop")
        self.setWindowIcon(icon("logo"))
        self.resize(self.first_size())
        # An explicit minimum keeps the layout from re-sending size hints to the window system each
        # time the content changes (the offscreen platform warns about every such hint).
        self.setMinimumSize(1000, 640)
        self.sections: dict[str, SectionPage] = {}
        self.pages_by_key: dict[str, QWidget] = {}
        #: The keyboard shortcut overlay while it is open (F1, see ``ui.shortcuts``).
        self.shortcut_overlay: QWidget | None = None
        self.nav = navigation()
        self._closing = False
        self._build_toolbar()
        self._build_body()
        self._build_menus()
        self._build_status()
        self._build_sync()
        self._build_help_menu()
        self.runner.taskFailed.connect(self._on_task_failed)
        #: ``store.writes`` when the waiting count and the sidebar's counts were last asked for.
        self._writes_seen = self.store.writes
        self.runner.busyChanged.connect(self._after_jobs)
        #: What lives as long as the window (``extensions.SERVICES``), started once the first page is shown.
        self.services: list[object] = []
        # Counts for the sidebar once the first page is on screen (they are not needed to show it).
        self.ready.connect(self.refresh_counts, Qt.ConnectionType.SingleShotConnection)
        self.ready.connect(self.verify_store, Qt.ConnectionType.SingleShotConnection)
        self.ready.connect(
            lambda: QTimer.singleShot(SERVICES_DELAY_MS, self, self._start_services),
            Qt.ConnectionType.SingleShotConnection,
        )
        first = self.section(initial) if initial in SECTIONS else None
        if first is not None:  # connected before it is shown: its list may settle at once
            first.settled.connect(self.ready, Qt.ConnectionType.SingleShotConnection)
            self.show_section(initial)
        else:
            self._connect_ready(initial)
            self.show_page(initial)
        self.refresh_pending()

    # -- building -------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = named(QToolBar("Main"), "mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setIconSize(QSize(26, 26))
        bar.toggleViewAction().setEnabled(False)
        brand = named(QLabel(), "brand")
        brand.setText("SFA <span style='font-weight:400;color:#64748b'>Desktop</span>")
        logo = QLabel()
        logo.setPixmap(icon("logo").pixmap(26, 26))
        bar.addWidget(logo)
        bar.addWidget(brand)
        left = QWidget()
        left.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(left)
        self.search = SearchBox(self.store, self.runner, self)
        self.search.setFixedWidth(520)
        self.search.recordChosen.connect(self.open_record)
        bar.addWidget(self.search)
        right = QWidget()
        right.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(right)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_body(self) -> None:
        body = named(QWidget(), "body")
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = sidebar.make_sidebar(
            [(key, title, icon_name) for key, title, icon_name, _ in self.nav]
        )
        self.sidebar.currentRowChanged.connect(lambda row: self.show_page(self.nav[row][0]))
        self.pages = named(QStackedWidget(), "pages")
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)

    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.new_action = self._action("&New record", QKeySequence.StandardKey.New, self.new_record)
        self.new_action.setIcon(icon("add"))
        file_menu.addAction(self.new_action)
        self._file_menu = file_menu
        #: File entries of ``extensions.WINDOW_ACTIONS`` go above this separator (Quit stays last).
        self._file_end = file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))
        edit_menu = menus.addMenu("&Edit")
        from sfa_desktop.ui.undo_action import UndoAction

        self.undo_action = UndoAction(self, edit_menu)
        edit_menu.addSeparator()
        self.find_action = self._action("&Find…", "Ctrl+K", self.search.focus_search)
        self.find_action.setIcon(icon("search"))
        edit_menu.addAction(self.find_action)
        go_menu = menus.addMenu("&Go")
        for number, (key, title, icon_name, _page) in enumerate(self.nav, start=1):
            shortcut = f"Ctrl+{number}" if number <= 9 else ""
            action = self._action(title, shortcut, partial(self.show_page, key))
            action.setIcon(icon(icon_name))
            go_menu.addAction(action)

    def _build_help_menu(self) -> None:
        """Last in the menu bar, after the menus that other parts of the window add."""
        self._build_window_actions()
        help_menu = self.menuBar().addMenu("&Help")
        shortcuts = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        shortcuts.setShortcuts([QKeySequence("F1"), QKeySequence("?")])
        shortcuts.setIcon(icon("keyboard"))
        help_menu.addAction(shortcuts)
        help_menu.addAction(self._action("&About SFA Desktop", "", self.about))

    def menu(self, title: str) -> QMenu:
        """The menu bar's menu of that title, made if there is none yet."""
        for action in self.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and menu.title() == title:
                return menu
        return self.menuBar().addMenu(title)

    def _build_window_actions(self) -> None:
        for entry in extensions.WINDOW_ACTIONS:
            action = QAction(icon(entry.icon) if entry.icon else QIcon(), entry.text, self)
            if entry.shortcut:
                action.setShortcut(QKeySequence(entry.shortcut))
            action.triggered.connect(partial(self._run_window_action, entry.handler))
            menu = self.menu(entry.menu)
            if menu is self._file_menu:
                menu.insertAction(self._file_end, action)
            else:
                menu.addAction(action)

    def _start_services(self) -> None:
        if not self._closing:
            self.services = [extensions.resolve(path)(self) for path in extensions.SERVICES]

    def _run_window_action(self, handler: str, _checked: bool = False) -> None:
        extensions.resolve(handler)(self)

    def _build_status(self) -> None:
        status = self.statusBar()
        status.setObjectName("statusBar")
        self.count_label = named(QLabel(), "statusCount")
        self.pending_label = named(QLabel(), "statusPending")
        self.path_label = named(QLabel(str(self.store.path)), "statusPath")
        self.path_label.setToolTip(f"Data file: {self.store.path}")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        #: "Sync within N days or this laptop's data locks" (offline expiry), shown days ahead
        self.expiry_label = named(QLabel(), "statusExpiry")
        self.expiry_label.setStyleSheet("color: #b00020; font-weight: bold;")
        status.addPermanentWidget(self.expiry_label)
        status.addPermanentWidget(self.count_label)
        status.addPermanentWidget(self.pending_label)
        status.addPermanentWidget(self.path_label)
        self.refresh_expiry()

    def refresh_expiry(self) -> None:
        """The offline-expiry warning in the status bar (after start and after every sync)."""
        from sfa_desktop.ops import expiry as expiry_ops

        warning = expiry_ops.assess(self.store).warning or ""
        self.expiry_label.setText(warning)
        self.expiry_label.setVisible(bool(warning))

    def _build_sync(self) -> None:
        from sfa_desktop.ui.sync_wiring import install_sync

        self.sync = install_sync(self)
        self.sync.synced.connect(self.refresh_expiry)
        from sfa_desktop.ui.lock_guard import LockGuard

        #: Locks the window when it stays open past the offline limit (checked every few minutes).
        self.lock_guard = LockGuard(
            self, self.store, on_locked=self.search.close_popup, on_unlocked=self._after_unlock
        )
        self.lock_guard.timer.timeout.connect(self.refresh_expiry)  # the days left go down while open

    def _after_unlock(self) -> None:
        self.refresh_expiry()
        self.refresh_lists()

    # -- sections -------------------------------------------------------------------------------

    def section(self, kind: str) -> SectionPage:
        """The page of a section, created (and its list loaded) on first use."""
        page = self.sections.get(kind)
        if page is None:
            page = SectionPage(self.store, self.runner, kind)
            page.countChanged.connect(lambda count, k=kind: self._on_count(k, count))
            page.recordsChanged.connect(self.refresh_pending)
            page.recordsChanged.connect(self.refresh_counts)
            page.form.reported.connect(self.show_message)
            self.sections[kind] = page
            self.pages.addWidget(page)
        return page

    def current_key(self) -> str:
        """The sidebar entry on screen ("" on a page the sidebar does not list, such as Conflicts)."""
        row = self.sidebar.currentRow()
        return self.nav[row][0] if row >= 0 else ""

    def current_kind(self) -> str | None:
        """The record section on screen (None on another page)."""
        key = self.current_key()
        return key if key in SECTIONS else None

    def nav_row(self, key: str) -> int:
        """The sidebar row of a section or page."""
        return next(i for i, entry in enumerate(self.nav) if entry[0] == key)

    def _select_nav(self, key: str, title: str) -> None:
        row = self.nav_row(key)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)
        self.setWindowTitle(f"{title} — SFA Desktop")

    def show_unlisted_page(self, page: QWidget, title: str) -> None:
        """Show a page the sidebar does not list (Conflicts): no sidebar entry stays highlighted."""
        self.pages.setCurrentWidget(page)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(-1)
        self.sidebar.blockSignals(False)
        self.count_label.setText("")
        self.setWindowTitle(f"{title} — SFA Desktop")

    def show_section(self, kind: str) -> SectionPage:
        page = self.section(kind)
        self.pages.setCurrentWidget(page)
        page.table.setFocus()
        self._select_nav(kind, ENTITIES[kind].plural.capitalize())
        self._on_count(kind, page.model.rowCount() if page.model.is_loaded else None)
        self.sectionShown.emit(kind)
        return page

    def _connect_ready(self, key: str) -> None:
        """``ready`` after the page ``key`` (built here, not yet shown) settles: its ``settled`` signal, or
        at once for a page that has none."""
        entry = next(p for k, _t, _i, p in self.nav if k == key and p is not None)
        page = extensions.resolve(entry.factory)(self)
        self.pages_by_key[key] = page
        self.pages.addWidget(page)
        settled = getattr(page, "settled", None)
        if settled is not None:
            settled.connect(self.ready, Qt.ConnectionType.SingleShotConnection)
        else:
            QTimer.singleShot(0, self, self.ready.emit)

    def show_page(self, key: str) -> QWidget:
        """Show a sidebar entry: a record section or a page from ``extensions.PAGES`` (built on first use)."""
        if key in SECTIONS:
            return self.show_section(key)
        entry = next(p for k, _t, _i, p in self.nav if k == key and p is not None)
        page = self.pages_by_key.get(key)
        if page is None:
            page = extensions.resolve(entry.factory)(self)
            self.pages_by_key[key] = page
            self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
        self._select_nav(key, entry.title)
        self.count_label.setText("")
        shown = getattr(page, "page_shown", None)
        if callable(shown):
            shown()
        self.sectionShown.emit(key)
        return page

    def open_record(self, kind: str, record_id: str) -> None:
        if kind not in SECTIONS:
            return
        self.show_section(kind).open_record(record_id)

    def new_record(self) -> None:
        kind = self.current_kind()
        if kind is not None:
            self.show_section(kind).new_record()

    def _on_count(self, kind: str, count: int | None) -> None:
        if kind != self.current_kind():
            return
        if count is None:
            self.count_label.setText("Loading…")
        else:
            noun = ENTITIES[kind].singular if count == 1 else ENTITIES[kind].plural
            self.count_label.setText(f"{count:,} {noun} shown")

    # -- status ---------------------------------------------------------------------------------

    def _after_jobs(self, busy: bool) -> None:
        """The one place the status line learns of a write: whenever the background jobs are done and one
        of them (any: a save, Log outcome, a stage move, a merge...) changed the data, the changes waiting
        are asked for again (the sidebar's counts follow the saves, deletions, merges and syncs that change
        them)."""
        if busy or self._closing or self.store.writes == self._writes_seen:
            return
        self._writes_seen = self.store.writes
        self.refresh_pending()

    def refresh_pending(self) -> None:
        task = self.runner.submit(sync_ops.pending_changes, self.store)
        task.finished.connect(self._show_pending)

    def refresh_lists(self) -> None:
        """After a sync: every list that is loaded, the sidebar's counts and the changes waiting, from the
        data as it is now (each list keeps the record in its form highlighted, or says it is gone)."""
        for page in self.sections.values():
            page.model.reload()
        self.refresh_counts()
        self.refresh_pending()

    def refresh_counts(self) -> None:
        task = self.runner.submit(record_ops.section_counts, self.store, SECTIONS)
        task.finished.connect(self._show_counts)

    def _show_counts(self, counts: object) -> None:
        assert isinstance(counts, dict)
        for row, (key, _title, _icon, _page) in enumerate(self.nav):
            if key not in SECTIONS:
                continue
            item = self.sidebar.item(row)
            item.setData(sidebar.COUNT_ROLE, counts.get(key))
            shortcut = f" (Ctrl+{row + 1})" if row < 9 else ""
            item.setToolTip(f"{counts.get(key, 0):,} {ENTITIES[key].plural}{shortcut}")

    def _show_pending(self, count: object) -> None:
        assert isinstance(count, int)
        if count == 0:
            self.pending_label.setText("All changes synced")
        else:
            self.pending_label.setText(f"{count:,} change{'s' if count != 1 else ''} waiting to sync")
        self.pending_label.setProperty("pending", "true" if count > 0 else "false")
        sync_status = getattr(self, "sync_status", None)
        if sync_status is not None and sync_status.status.state != "syncing":
            sync_status.show_status(replace(sync_status.status, waiting=count))
        self.pending_label.style().unpolish(self.pending_label)
        self.pending_label.style().polish(self.pending_label)

    def verify_store(self) -> None:
        """A large file was only checked cheaply when it was opened: check every page in the background."""
        from sfa_desktop.store.database import FULL_CHECK_MAX_BYTES

        if self.store.path.stat().st_size > FULL_CHECK_MAX_BYTES:
            self.runner.submit(self.store.verify).finished.connect(self._report_damage)

    def _report_damage(self, message: object) -> None:
        if message:
            QMessageBox.warning(self, "The data file is damaged", str(message))

    def show_message(self, text: str) -> None:
        """Transient information in the status bar (never the only trace of an error)."""
        self.statusBar().showMessage(text, 8000)

    def _on_task_failed(self, task: object, exc: object) -> None:
        """A person's error that no part of the window was waiting for: shown in a message box.  Bugs were
        reported already, by the task runner (the error log and the bug dialog)."""
        if isinstance(exc, BaseException) and not getattr(task, "handled", True):
            show_problem(self, "SFA Desktop", exc)

    def show_shortcuts(self) -> None:
        """The overlay listing every shortcut of the window (read from its actions and menus)."""
        from sfa_desktop.ui.shortcuts import show_shortcuts

        show_shortcuts(self)

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About SFA Desktop",
            f"<h3>SFA Desktop {__version__}</h3>"
            f"<p>Build: <code>{build_id()}</code></p>"
            "<p>Offline-first sales force automation: your accounts, contacts, leads and opportunities "
            "on your laptop, synced with the company when you are online.</p>"
            f"<p>Data file: <code>{self.store.path}</code></p>" + self._protection_html(),
        )

    def _protection_html(self) -> str:
        """What protects the data (encryption, the key, the last contact, the offline limits): the facts
        ``sfa status`` prints."""
        from html import escape

        from sfa_desktop.ops import expiry as expiry_ops

        facts = expiry_ops.protection(self.store)
        rows = "".join(
            f"<tr><td>{escape(label)}:&nbsp;</td><td>{escape(value)}</td></tr>"
            for label, value in facts.lines()
            if label != "Data file"
        )
        return f"<table>{rows}</table>"

    # -- closing --------------------------------------------------------------------------------

    def _may_close(self) -> bool:
        """Ask about every form with unsaved changes.  True when the window may close now; False when
        the person cancelled, or a save is under way (the window then closes once it is saved)."""
        while dirty := [page for page in self.sections.values() if page.form.dirty]:
            page = dirty[0]
            self.show_section(page.kind)
            state = {"asking": True, "go": False}

            def proceed(state: dict[str, bool] = state) -> None:
                if state["asking"]:
                    state["go"] = True  # discarded: carry on closing
                else:
                    QTimer.singleShot(0, self.close)  # saved later: close then

            page.form.confirm_leave(proceed)
            state["asking"] = False
            if not state["go"]:
                return False
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing and not self._may_close():
            event.ignore()
            return
        self._closing = True
        self.search.close_popup()
        for service in self.services:
            stop = getattr(service, "stop", None)
            if callable(stop):
                stop()
        self.sync.stop()
        self.lock_guard.stop()
        self.store.stop_verify()  # else closing waits for the check of a large file to finish
        self.runner.shutdown()
        super().closeEvent(event)
