"""Puts sync into the main window: status bar widget, 'Sync now' (Ctrl+Shift+S), Settings, Conflicts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton

from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.signin_dialog import after_sign_in, open_sign_in
from sfa_desktop.ui.sync_status import PasswordDialog, SyncController, SyncStatusWidget


def _on_server(store: Any) -> bool:
    url = sync_ops.sync_state(store).url
    return bool(url and sync_ops.is_server(url))


def install_sync(window: Any) -> SyncController:
    store = window.store
    interval = float(settings_ops.get(store, "sync_interval_minutes"))
    window.sync = SyncController(store, interval, window)
    window.sync_status = SyncStatusWidget()
    window.sync.statusShown.connect(window.sync_status.show_status)
    window.sync.statusShown.connect(lambda _status: window.refresh_pending())
    window.sync.synced.connect(window.refresh_lists)
    window.sync_status.show_status(window.sync.status)
    window.sync_status.use_server(_on_server(store))
    window.statusBar().insertPermanentWidget(0, window.sync_status)
    window.conflicts_view = None

    def sync_now() -> None:
        window.sync.sync_now()

    def open_settings() -> None:
        from sfa_desktop.ui.settings_dialog import SettingsDialog  # on first use: not needed to start

        dialog = SettingsDialog(store, window, runner=window.runner)
        dialog.signedIn.connect(lambda dialog: after_sign_in(window, dialog))
        dialog.signedOut.connect(lambda: window.sync_status.use_server(_on_server(store)))
        if dialog.exec():
            if dialog.unsaved_password:
                window.sync.use_password(dialog.unsaved_password)
            window.sync.stop()
            window.sync.start()
            window.sync.sync_now()

    def enter_password() -> None:
        st = sync_ops.sync_state(store)
        if not st.connected:
            return
        if st.url and sync_ops.is_server(st.url):
            said = window.sync.status.message or "This device is not signed in to the sync server."
            open_sign_in(window, reason=f"{said} Your changes wait on this laptop until you sign in.")
            return
        dialog = PasswordDialog(st.url or "", st.login or "", window)
        if dialog.exec():
            if not dialog.remembered:
                window.sync.use_password(dialog.password.text())
            window.sync.sync_now()

    def show_conflicts() -> None:
        if window.conflicts_view is None:
            from sfa_desktop.ui.conflicts import ConflictsView  # on first use

            window.conflicts_view = ConflictsView(store)
            window.conflicts_view.changed.connect(window.refresh_pending)
            window.conflicts_view.recordRequested.connect(window.open_record)
            window.pages.addWidget(window.conflicts_view)
        window.conflicts_view.refresh()
        window.show_unlisted_page(window.conflicts_view, "Conflicts")
        window.sync_status.show_new_conflicts(0)

    def conflicts_arrived(count: int) -> None:
        window.sync_status.show_new_conflicts(count)
        noun = "conflict" if count == 1 else "conflicts"
        window.show_message(f"The sync kept {count:,} {noun}: see Sync > Conflicts.")

    window.sync_status.passwordRequested.connect(enter_password)
    window.sync_status.conflictsRequested.connect(show_conflicts)
    window.sync.conflictsArrived.connect(conflicts_arrived)
    window.sync_now_action = QAction(icon("sync"), "Sync now", window)
    window.sync_now_action.setToolTip("Sync with the central store now (Ctrl+Shift+S)")
    window.sync_now_action.setObjectName("syncNow")
    window.sync_now_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
    window.sync_now_action.triggered.connect(sync_now)
    menu = window.menuBar().addMenu("&Sync")
    menu.addAction(window.sync_now_action)
    conflicts_action = QAction("&Conflicts", window)
    conflicts_action.triggered.connect(show_conflicts)
    menu.addAction(conflicts_action)
    sign_in_action = QAction("Sign &in…", window)
    sign_in_action.setObjectName("signIn")
    sign_in_action.setToolTip("Sign this laptop in to the company's sync server")
    sign_in_action.triggered.connect(lambda: open_sign_in(window))
    menu.addAction(sign_in_action)
    settings_action = QAction("&Settings…", window)
    settings_action.triggered.connect(open_settings)
    menu.addAction(settings_action)
    toolbar = window.findChild(QToolBar, "mainToolbar")
    if toolbar is not None:
        toolbar.addAction(window.sync_now_action)
        button = toolbar.widgetForAction(window.sync_now_action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.show_conflicts = show_conflicts
    window.sync.start()
    controller: SyncController = window.sync
    return controller
