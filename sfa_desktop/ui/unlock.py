"""Before the main window: the passphrase of the encrypted data (where the computer has no keyring) and the
locked screen of a laptop that has not synced for longer than the company allows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import scheduler


class PassphraseDialog(QDialog):
    """The passphrase of this laptop's data; ``new``: one is being chosen (typed twice)."""

    def __init__(self, new: bool, problem: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle("SFA Desktop: passphrase")
        self.new = new
        form = QFormLayout(self)
        intro = (
            "This computer has no keyring to keep the key of SFA Desktop's data, so the data is encrypted "
            "with a passphrase. Choose one: it is asked at every start, and if it is forgotten the data must "
            "be downloaded again from the central store."
            if new
            else "SFA Desktop's data on this laptop is encrypted with a passphrase. Enter it to open it."
        )
        text = QLabel(intro)
        text.setWordWrap(True)
        form.addRow(text)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase", self.passphrase)
        self.again = QLineEdit()
        self.again.setObjectName("passphraseAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        if new:
            form.addRow("Again", self.again)
        self.note = QLabel(problem)
        self.note.setObjectName("passphraseProblem")
        self.note.setWordWrap(True)
        form.addRow(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        if not self.passphrase.text():
            self.note.setText("Enter the passphrase, or Quit.")
            return
        if self.new and self.again.text() != self.passphrase.text():
            self.note.setText("The two passphrases differ: type the same one twice.")
            return
        super().accept()


def ask_passphrase(problem: str = "") -> Callable[[bool], str | None]:
    """A ``PassphraseSource`` for ``LocalStore.open`` that asks with :class:`PassphraseDialog`."""

    def ask(new: bool) -> str | None:
        dialog = PassphraseDialog(new, problem)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.passphrase.text()

    return ask


class LockedDialog(QDialog):
    """The locked screen: not synced for longer than the company allows.  Sync now unlocks (a sync that
    succeeds); Quit leaves the data locked."""

    def __init__(self, store: LocalStore, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockedDialog")
        self.setWindowTitle("SFA Desktop is locked")
        self.store = store
        layout = QVBoxLayout(self)
        title = QLabel("<h2>This laptop's data is locked</h2>")
        layout.addWidget(title)
        self.message = QLabel(message)
        self.message.setObjectName("lockedMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.password = QLineEdit()
        self.password.setObjectName("lockedPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Central store password (when it is not kept in the keyring)")
        self.password.hide()
        layout.addWidget(self.password)
        self.problem = QLabel()
        self.problem.setObjectName("lockedProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("lockedSync")
        self.sync_button.setDefault(True)
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.AcceptRole)
        quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        assert quit_button is not None
        self.sync_button.clicked.connect(self.sync_now)
        quit_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def sync_now(self) -> None:
        password = self.password.text() or None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            sync_ops.sync_now(self.store, password=password)
        except scheduler.PasswordNeeded as exc:
            self.password.show()
            self.password.setFocus()
            self.problem.setText(str(exc))
            return
        except UserError as exc:
            self.problem.setText(f"The sync did not succeed: {exc}")
            return
        finally:
            QApplication.restoreOverrideCursor()
        if expiry_ops.assess(self.store).locked:
            self.problem.setText("The sync ran, but the data is still locked; try again.")
            return
        super().accept()
