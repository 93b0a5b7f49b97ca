"""Settings: the connection (the sync server, who this laptop is signed in as, this device, the last sync;
Sign in… and Sign out), a central database reached directly (URL, login, password into the keyring), the
sync interval, the phone region, the distance unit of call sheets.

The same dialog is the first-run prompt when this laptop is not connected; it can be skipped, the app works
fully offline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import phonenumbers
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.settings import region_unit
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.sync_status import ago
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

ROLES = {"rep": "sales rep", "manager": "manager", "admin": "administrator"}


def confirm_sign_out(parent: QWidget, url: str, waiting: int) -> bool:
    """Ask before signing out (tests replace this to answer without a dialog)."""
    changes = (
        f"\n\n{waiting:,} change{'s' if waiting != 1 else ''} not synced yet will wait on this laptop until "
        "you sign in again."
        if waiting
        else ""
    )
    answer = QMessageBox.question(
        parent,
        "Sign out",
        f"Sign this device out of {url}?\n\nYour data stays on this laptop; syncing stops until you sign "
        f"in again.{changes}",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def last_sync_text(when: str | None, now: datetime | None = None) -> str:
    if not when:
        return "Not synced yet"
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone().strftime('%d %b %Y, %H:%M')} ({ago(moment, now)})"


def _section(title: str) -> QLabel:
    return named(QLabel(title.upper()), "formSection")


class SettingsDialog(QDialog):
    """``signedIn(SignInDialog)`` once "Sign in…" signed this device in; ``signedOut()`` after Sign out."""

    signedIn = Signal(object)
    signedOut = Signal()

    def __init__(
        self,
        store: LocalStore,
        parent: QWidget | None = None,
        *,
        first_run: bool = False,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._own_runner = runner is None
        self.runner = runner or TaskRunner(self)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Connect to the central store" if first_run else "Settings")
        #: A password the keyring could not keep: the caller may hold it in memory for this session.
        self.unsaved_password: str | None = None
        st = sync_ops.sync_state(store)
        values = settings_ops.all_settings(store)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(6)
        if first_run:
            intro = QLabel(
                "This laptop is not connected to a central store yet. Connect to share your work with your "
                "team, or skip: everything works offline and you can connect later in Settings."
            )
            intro.setWordWrap(True)
            layout.addWidget(intro)
        #: one form, so every label of every section lines up
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.form = form
        form.addRow(_section("Connection"))
        self._build_connection(form)
        self.url = QLineEdit(st.url or "")
        self.url.setObjectName("centralUrl")
        self.url.setPlaceholderText("postgresql://server/sfa or the path of a SQLite central store")
        self.login = QLineEdit(st.login or "")
        self.login.setObjectName("login")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            "kept in this computer's keyring; leave empty to keep the current one"
        )
        #: a central database reached directly (one office's SQLite file, PostgreSQL): hidden when this
        #: laptop syncs through sfa-server (Sign in… and Sign out manage that)
        hint = named(
            QLabel("Or sync with a database directly: one office's SQLite file, or PostgreSQL."),
            "dialogHint",
        )
        self.database_rows: list[QWidget] = [_section("Central database"), hint]
        for widget in self.database_rows:
            form.addRow(widget)
        for label, field in (("Central store", self.url), ("Login", self.login), ("Password", self.password)):
            form.addRow(label, field)
            self.database_rows.append(field)
        self.interval = QSpinBox()
        self.interval.setObjectName("syncInterval")
        self.interval.setRange(1, 24 * 60)
        self.interval.setSuffix(" min")
        self.interval.setValue(int(values["sync_interval_minutes"]))
        self.region = QComboBox()
        self.region.setObjectName("phoneRegion")
        for code in sorted(phonenumbers.SUPPORTED_REGIONS):
            self.region.addItem(code, code)
        self.region.setCurrentIndex(max(self.region.findData(values["phone_region"]), 0))
        self.distance = QComboBox()
        self.distance.setObjectName("distanceUnit")
        self.distance.setToolTip("The unit of the distances on call sheets.")
        self.distance.addItem("", "auto")
        self.distance.addItem("Kilometres", "km")
        self.distance.addItem("Miles", "mi")
        self.distance.setCurrentIndex(max(self.distance.findData(values["distance_unit"]), 0))
        self._show_automatic_unit()
        self.region.currentIndexChanged.connect(self._show_automatic_unit)
        form.addRow(_section("This laptop"))
        form.addRow("Sync every", self.interval)
        form.addRow("Phone region", self.region)
        form.addRow("Distances in", self.distance)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        if first_run:
            cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
            cancel.setText("Skip — work offline")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        self._connected = (st.url or "", st.login or "")
        self.show_connection()
        # As tall as its content, the connection's note included (Sign out shows one while it is open): a
        # fixed minimum keeps it from shrinking below its content or resizing under the pointer.
        shown = self.connection_note.text()
        self._note(shown or "A note about the connection.")
        needed = layout.totalMinimumSize()
        self.setMinimumSize(max(580, needed.width()), needed.height())
        self.connection_note.setText(shown)
        self.form.setRowVisible(self.connection_note, bool(shown))

    # -- the connection ---------------------------------------------------------------------------------

    def _build_connection(self, form: QFormLayout) -> None:
        self.server_value = named(QLabel(), "connectionServer")
        self.user_value = named(QLabel(), "connectionUser")
        self.device_value = named(QLabel(), "connectionDevice")
        self.last_sync_value = named(QLabel(), "connectionLastSync")
        for label in (self.server_value, self.user_value, self.device_value, self.last_sync_value):
            label.setWordWrap(True)
        self.connection_note = named(QLabel(), "connectionNote")
        self.connection_note.setWordWrap(True)
        self.sign_in_button = QPushButton("Sign in…")
        self.sign_in_button.setObjectName("settingsSignIn")
        self.sign_in_button.setAutoDefault(False)
        self.sign_in_button.clicked.connect(self.open_sign_in)
        self.sign_out_button = named(QPushButton("Sign out"), "dangerButton")
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setToolTip("Sign this device out of the sync server; the data stays here")
        self.sign_out_button.clicked.connect(self.sign_out)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        form.addRow("Server", self.server_value)
        form.addRow("Signed in as", self.user_value)
        form.addRow("This device", self.device_value)
        form.addRow("Last sync", self.last_sync_value)
        form.addRow("", self.connection_note)
        form.addRow("", buttons)

    def show_connection(self) -> None:
        """Fill the connection section from the laptop's sync state (after Sign in… or Sign out too)."""
        st = sync_ops.sync_state(self.store)
        on_server = bool(st.url and sync_ops.is_server(st.url))
        signed = sync_ops.signed_in(self.store)
        self.server_value.setText(st.url if st.connected and st.url else "Not connected — working offline")
        user = sync_ops.local_user(self.store) if st.connected else None
        if user is None:
            self.user_value.setText("—")
        else:
            role = ROLES.get(
                user.role, "role known after the first sync" if user.role == "unknown" else user.role
            )
            name = user.full_name if user.full_name and user.full_name != user.login else ""
            self.user_value.setText(f"{name} ({user.login}), {role}" if name else f"{user.login}, {role}")
        self.device_value.setText(sync_ops.this_device())
        self.last_sync_value.setText(last_sync_text(st.last_sync_at) if st.connected else "—")
        if on_server and not signed:
            self.connection_note.setText(
                "This device is signed out: sign in to sync again. Your data stays on this laptop."
            )
        elif not st.connected:
            self.connection_note.setText("Sign in to your company's sync server to share your work.")
        else:
            self.connection_note.setText("")
        self.form.setRowVisible(self.connection_note, bool(self.connection_note.text()))
        self.sign_out_button.setVisible(on_server)
        self.sign_out_button.setEnabled(on_server and signed)
        self.sign_in_button.setText("Sign in again…" if on_server and not signed else "Sign in…")
        for widget in self.database_rows:
            self.form.setRowVisible(widget, not on_server)

    @property
    def database_shown(self) -> bool:
        """Are the rows for a central database reached directly on screen?"""
        return not self.url.isHidden()

    def _note(self, text: str) -> None:
        self.connection_note.setText(text)
        self.form.setRowVisible(self.connection_note, True)

    def open_sign_in(self) -> None:
        from sfa_desktop.ui.signin_dialog import SignInDialog  # on first use

        dialog = SignInDialog(self.store, self.runner, self)
        dialog.signedIn.connect(lambda _connected: self._signed_in(dialog))
        dialog.open()

    def _signed_in(self, dialog: Any) -> None:
        st = sync_ops.sync_state(self.store)
        self._connected = (st.url or "", st.login or "")
        self.url.setText(st.url or "")
        self.login.setText(st.login or "")
        self.show_connection()
        self.signedIn.emit(dialog)

    def sign_out(self) -> None:
        st = sync_ops.sync_state(self.store)
        if not confirm_sign_out(self, st.url or "", sync_ops.pending_changes(self.store)):
            return
        self.sign_out_button.setEnabled(False)
        self.sign_in_button.setEnabled(False)
        self._note("Signing out…")
        task = self.runner.submit(sync_ops.disconnect, self.store)
        task.finished.connect(self._signed_out)
        task.failed.connect(self._sign_out_failed)

    def _signed_out(self, told: object) -> None:
        self.sign_in_button.setEnabled(True)
        self.show_connection()
        if not told:
            self._note(
                "Signed out on this laptop. The server could not be told; if this laptop is lost, ask "
                "your administrator to revoke this device."
            )
        self.signedOut.emit()

    def _sign_out_failed(self, exc: object) -> None:
        self.sign_in_button.setEnabled(True)
        self.show_connection()
        self.message.setText(str(exc) if isinstance(exc, UserError) else "Signing out failed; try again.")

    # -- saving -----------------------------------------------------------------------------------------

    def _show_automatic_unit(self) -> None:
        """'Automatic' says what it means for the phone region chosen: miles in the US, else kilometres."""
        unit = region_unit(str(self.region.currentData()))
        shown = "miles" if unit == "mi" else "kilometres"
        self.distance.setItemText(0, f"Automatic ({shown}, from the phone region)")

    def accept(self) -> None:
        self.message.setText("")
        try:
            self.save()
        except (UserError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        super().accept()

    def done(self, result: int) -> None:
        if self._own_runner:
            self.runner.shutdown()
        super().done(result)

    def save(self) -> None:
        url, login, password = self.url.text().strip(), self.login.text().strip(), self.password.text()
        if url and not login:
            raise ValueError("Enter your login on the central store.")
        if url and ((url, login) != self._connected or password):
            if sync_ops.needs_password(url) and not password:
                password = sync_ops.saved_password(url, login) or ""
                if not password:
                    raise ValueError("Enter the password for the central store.")
            connected = sync_ops.connect(self.store, url, login, password or None)
            if password and connected.keyring_problem is not None:
                self.unsaved_password = password
        settings_ops.put(
            self.store,
            {
                "sync_interval_minutes": str(self.interval.value()),
                "phone_region": str(self.region.currentData()),
                "distance_unit": str(self.distance.currentData()),
            },
        )
