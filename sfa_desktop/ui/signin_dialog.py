"""Sign in to the company's sync server: the dialog a laptop shows on its first start with no data, and
from Sync > Sign in…, Settings' "Sign in…" and the status bar's link once a sign-in has expired.

The server address (remembered), the login and the password; "Company certificate…" for a server whose
certificate a company authority signed; "Test connection" asks the server who it is without signing in.
Every call to the server runs on the window's task runner, never on the GUI thread (a sign-in to a login
that failed recently is answered slowly on purpose).  Errors are said on the dialog's message line; a wrong
password keeps the login and clears the password.  "Work offline" (or Esc) closes it: the app works on its
local data and the person can sign in later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.protocol.errors import AuthenticationFailed, Unreachable
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

PLACEHOLDER = "https://sync.example.com:8443"


def choose_certificate(parent: QWidget, start: str) -> str:
    """The company certificate file the person picks ("" when they cancel; tests replace this)."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, "Company certificate", start, "Certificates (*.pem *.crt *.cer);;All files (*)"
    )
    return chosen


def server_address(typed: str) -> str:
    """The address as typed, with https:// added when no scheme was given ("sync.example.com:8443")."""
    address = typed.strip()
    if address and "://" not in address:
        address = "https://" + address
    return address


def _remember_address(store: LocalStore, url: str) -> None:
    settings_ops.put(store, {"sync_server": url})


def _sign_in(store: LocalStore, url: str, login: str, password: str, ca_file: str | None) -> Any:
    _remember_address(store, url)
    return sync_ops.sign_in(store, url, login, password, ca_file=ca_file)


def _test(store: LocalStore, url: str, ca_file: str | None) -> Any:
    _remember_address(store, url)
    return sync_ops.test_connection(url, ca_file=ca_file)


def _starting_values(store: LocalStore) -> tuple[str, str, str]:
    """The address, login and company certificate to show: this laptop's connection to a sync server, or
    the address last typed here."""
    st = sync_ops.sync_state(store)
    if st.url and sync_ops.is_server(st.url):
        return st.url, st.login or "", st.ca_file or ""
    return settings_ops.get(store, "sync_server"), "", ""


class SignInDialog(QDialog):
    """``signedIn(Connected)`` once this device is signed in (the dialog then closes, accepted); rejected
    means "Work offline".  ``finishedWork()`` after every answer of the server (tests wait for it)."""

    signedIn = Signal(object)
    finishedWork = Signal()

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in")
        self.setModal(True)
        self.setMinimumSize(540, 400)
        #: the password, when the keyring could not keep the device's sign-in (the window holds it in memory)
        self.unsaved_password: str | None = None
        self.connected: Any = None
        self._task: Task | None = None
        url, login, ca_file = _starting_values(store)
        self.ca_file = ca_file
        self._build(reason)
        self.address.setText(url)
        self.login.setText(login)
        self._show_certificate()
        (self.password if url and login else self.address if not url else self.login).setFocus()

    # -- building -------------------------------------------------------------------------------------

    def _build(self, reason: str | None) -> None:
        title = named(QLabel("Sign in to your company"), "dialogTitle")
        subtitle = named(
            QLabel(
                reason
                or "Your accounts, contacts and opportunities stay on this laptop and sync with your team "
                "through the company's sync server. Ask your administrator for its address."
            ),
            "dialogSubtitle",
        )
        subtitle.setWordWrap(True)
        self.address = named(QLineEdit(), "serverAddress")
        self.address.setPlaceholderText(PLACEHOLDER)
        self.address.setToolTip("The sync server's address: https://HOST:PORT")
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.setAutoDefault(False)
        self.test_button.setToolTip("Ask the server who it is, without signing in")
        self.test_button.clicked.connect(self.test_connection)
        address_row = QHBoxLayout()
        address_row.setSpacing(8)
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.test_button)
        self.certificate_button = named(QPushButton("Company certificate…"), "linkButton")
        self.certificate_button.setAutoDefault(False)
        self.certificate_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.certificate_button.setToolTip(
            "Only when your company signs its server's certificate itself: the certificate file (.pem) "
            "your administrator gave you"
        )
        self.certificate_button.clicked.connect(self.choose_certificate)
        self.certificate_label = named(QLabel(), "dialogHint")
        self.clear_certificate = named(QPushButton("Remove"), "linkButton")
        self.clear_certificate.setAutoDefault(False)
        self.clear_certificate.clicked.connect(lambda: self._set_certificate(""))
        certificate_row = QHBoxLayout()
        certificate_row.setContentsMargins(0, 0, 0, 0)
        certificate_row.setSpacing(4)
        certificate_row.addWidget(self.certificate_button)
        certificate_row.addWidget(self.certificate_label, 1)
        certificate_row.addWidget(self.clear_certificate)
        self.login = named(QLineEdit(), "signInLogin")
        self.login.setPlaceholderText("your login, such as ann")
        self.password = named(QLineEdit(), "signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("checked by the server once; never kept on this laptop")
        for field in (self.address, self.login, self.password):
            field.textEdited.connect(lambda _text, f=field: self._mark(f, False))
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(named(QLabel("Server"), "fieldLabel"), address_row)
        form.addRow("", certificate_row)
        form.addRow(named(QLabel("Login"), "fieldLabel"), self.login)
        form.addRow(named(QLabel("Password"), "fieldLabel"), self.password)
        #: the reserved message line: errors in red, a good test in green; kept even while empty
        self.message = named(QLabel(), "signInMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.message.setSizePolicy(policy)
        form.addRow("", self.message)
        body = QVBoxLayout()
        body.setContentsMargins(24, 22, 24, 8)
        body.setSpacing(6)
        body.addWidget(title)
        body.addWidget(subtitle)
        body.addSpacing(12)
        body.addLayout(form)
        self.busy = named(QProgressBar(), "signInBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(90, 6)
        self.busy_text = named(QLabel(), "dialogHint")
        self.offline_button = QPushButton("Work offline")
        self.offline_button.setObjectName("workOffline")
        self.offline_button.setAutoDefault(False)
        self.offline_button.setToolTip("Work on this laptop's data; sign in later from Sync > Sign in… (Esc)")
        self.offline_button.clicked.connect(self.reject)
        self.sign_in_button = named(QPushButton(icon("sync", "#ffffff"), "Sign in"), "primaryButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        footer = named(QFrame(), "dialogFooter")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(24, 12, 24, 12)
        buttons.setSpacing(8)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.busy_text)
        buttons.addStretch(1)
        buttons.addWidget(self.offline_button)
        buttons.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(body)
        layout.addStretch(1)
        layout.addWidget(footer)
        self._set_busy(None)

    # -- state ----------------------------------------------------------------------------------------

    @property
    def working(self) -> bool:
        return self._task is not None

    def _set_busy(self, what: str | None) -> None:
        busy = what is not None
        self.busy.setVisible(busy)
        self.busy_text.setText(what or "")
        for widget in (
            self.address,
            self.login,
            self.password,
            self.test_button,
            self.certificate_button,
            self.clear_certificate,
            self.offline_button,
            self.sign_in_button,
        ):
            widget.setEnabled(not busy)

    def say(self, text: str, *, good: bool = False) -> None:
        """Show ``text`` on the message line (red for a problem, green for good news)."""
        self.message.setProperty("tone", "good" if good else "problem")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setToolTip(text)

    def _mark(self, field: QLineEdit, invalid: bool) -> None:
        if bool(field.property("invalid")) == invalid:
            return
        field.setProperty("invalid", invalid)
        field.style().unpolish(field)
        field.style().polish(field)

    def _show_certificate(self) -> None:
        if self.ca_file:
            self.certificate_label.setText(Path(self.ca_file).name)
            self.certificate_label.setToolTip(self.ca_file)
        else:
            self.certificate_label.setText("")
            self.certificate_label.setToolTip("")
        self.clear_certificate.setVisible(bool(self.ca_file))

    def _set_certificate(self, path: str) -> None:
        self.ca_file = path
        self._show_certificate()

    def choose_certificate(self) -> None:
        start = str(Path(self.ca_file).parent) if self.ca_file else str(Path.home())
        chosen = choose_certificate(self, start)
        if chosen:
            self._set_certificate(chosen)

    # -- the address and the person -------------------------------------------------------------------

    def _address(self) -> str | None:
        url = server_address(self.address.text())
        if not url:
            self._mark(self.address, True)
            self.say(f"Enter the sync server's address, such as {PLACEHOLDER}.")
            self.address.setFocus()
            return None
        if not sync_ops.is_server(url):
            self._mark(self.address, True)
            self.say(f"'{self.address.text().strip()}' is not a server address; give it as {PLACEHOLDER}.")
            self.address.setFocus()
            return None
        return url

    def test_connection(self) -> None:
        if self.working:
            return
        url = self._address()
        if url is None:
            return
        self.say("")
        self._run("Testing the connection…", _test, self.store, url, self.ca_file or None)
        assert self._task is not None
        self._task.finished.connect(self._tested)

    def sign_in(self) -> None:
        if self.working:
            return
        url = self._address()
        if url is None:
            return
        login, password = self.login.text().strip(), self.password.text()
        if not login:
            self._mark(self.login, True)
            self.say("Enter your login.")
            self.login.setFocus()
            return
        if not password:
            self._mark(self.password, True)
            self.say("Enter your password.")
            self.password.setFocus()
            return
        self.say("")
        self._run("Signing in…", _sign_in, self.store, url, login, password, self.ca_file or None)
        assert self._task is not None
        self._task.finished.connect(lambda result: self._signed_in(result, password))

    def _run(self, what: str, fn: Any, *args: Any) -> None:
        for field in (self.address, self.login, self.password):
            self._mark(field, False)
        self._set_busy(what)
        self._task = self.runner.submit(fn, *args)
        self._task.failed.connect(self._failed)

    def _done(self) -> None:
        self._task = None
        self._set_busy(None)

    def _tested(self, result: object) -> None:
        self._done()
        version = getattr(result, "app", "") or "unknown"
        protocol = getattr(result, "protocol", "?")
        self.say(
            f"Connected: an SFA sync server (version {version}, protocol {protocol}) answers at "
            f"{server_address(self.address.text())}.",
            good=True,
        )
        self.finishedWork.emit()

    def _signed_in(self, result: object, password: str) -> None:
        self._done()
        self.connected = result
        if getattr(result, "keyring_problem", None) is not None:
            self.unsaved_password = password
        self.password.clear()
        self.finishedWork.emit()
        self.signedIn.emit(result)
        super().accept()

    def _failed(self, exc: object) -> None:
        self._done()
        if isinstance(exc, AuthenticationFailed):
            self.password.clear()
            self._mark(self.password, True)
            self.password.setFocus()
            self.say(str(exc))
        elif isinstance(exc, Unreachable):
            self._mark(self.address, True)
            # said for a sync ("your work is kept; sync will try again"); here the person is waiting
            said = str(exc).split(" Your work is kept")[0]
            self.say(f"{said} Check the address, and that this computer is online.")
        elif isinstance(exc, UserError):
            if "address" in str(exc) or "://" in str(exc):
                self._mark(self.address, True)
            self.say(str(exc))
        else:  # a bug: the task runner logged it and showed the bug dialog
            self.say("Something went wrong while signing in; the details were logged. Try again.")
        self.finishedWork.emit()

    # -- closing --------------------------------------------------------------------------------------

    def accept(self) -> None:
        """Enter: sign in (the dialog closes by itself once signed in)."""
        self.sign_in()

    def reject(self) -> None:
        """Work offline (Esc); not while the server is being asked (the answer would be lost)."""
        if self.working:
            return
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.working:
            self.sign_in()
            return
        super().keyPressEvent(event)


# -- the window --------------------------------------------------------------------------------------------


def after_sign_in(window: Any, dialog: SignInDialog) -> None:
    """Signed in: sync starts now and runs on its schedule from here on."""
    connected = dialog.connected
    if dialog.unsaved_password:
        window.sync.use_password(dialog.unsaved_password)
    window.sync.stop()
    window.sync.start()
    window.sync.sync_now()
    if hasattr(window, "sync_status"):
        window.sync_status.use_server(True)
    login = dialog.login.text().strip()
    note = f" {connected.keyring_problem}" if getattr(connected, "keyring_problem", None) else ""
    window.show_message(f"Signed in to {connected.url} as {login}; the first sync is running.{note}")


def open_sign_in(window: Any, *, reason: str | None = None) -> SignInDialog:
    """Sync > Sign in…, and the status bar's link once the sign-in expired or was refused."""
    dialog = SignInDialog(window.store, window.runner, window, reason=reason)
    dialog.signedIn.connect(lambda _connected: after_sign_in(window, dialog))
    dialog.open()
    return dialog


def sign_in_at_first_start(window: Any) -> SignInDialog | None:
    """On a laptop's first start (no data, not connected) the sign-in dialog over the window; None
    otherwise (demo data, a laptop already connected, or one the person has used offline)."""
    if not sync_ops.first_start(window.store):
        return None
    return open_sign_in(window)
