"""File > Export…: contacts, leads or accounts as CSV or vCards, written in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.progress import Cancelled
from sfa_desktop.core.transfer import vcards
from sfa_desktop.ops import data as data_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.progress import ProgressBridge, ProgressRow
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

KINDS = {"contacts": "Contacts", "leads": "Leads", "accounts": "Accounts"}
FORMATS = {"csv": "CSV (spreadsheets, other CRMs)", "vcard": "vCards (address books, phones)"}


def choose_target(parent: QWidget, suggested: str, pattern: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export to", suggested, pattern)
    return path


class ExportDialog(QDialog):
    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str = "contacts", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.setMinimumSize(560, 300)
        self.store, self.runner = store, runner
        self.busy = False
        self.written: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        layout.addWidget(named(QLabel("Export records"), "dialogTitle"))
        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        self.format = QComboBox()
        for key, label in FORMATS.items():
            self.format.addItem(label, key)
        self.version = QComboBox()
        for version in vcards.VERSIONS:
            self.version.addItem(f"vCard {version}", version)
        self.version.setCurrentIndex(1)
        self.path = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form.addRow("Records", self.kind)
        form.addRow("Format", self.format)
        form.addRow("Version", self.version)
        form.addRow("File", where)
        layout.addLayout(form)
        self.note = named(QLabel(), "dialogMessage")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.progress_row = ProgressRow()
        layout.addWidget(self.progress_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.export_button = named(QPushButton("Export"), "primaryButton")
        self.close_button.clicked.connect(self.reject)
        self.export_button.clicked.connect(self.start)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self.format.currentIndexChanged.connect(self._sync)
        self.kind.currentIndexChanged.connect(self._sync)
        self.path.textChanged.connect(lambda _t: self._update())
        self._sync()

    def _sync(self) -> None:
        vcard = self.format.currentData() == "vcard"
        self.version.setEnabled(vcard)
        suffix = ".vcf" if vcard else ".csv"
        current = self.path.text().strip()
        name = f"{self.kind.currentData()}{suffix}"
        self.path.setText(str(Path(current).with_name(name) if current else Path.home() / name))
        self._update()

    def _update(self) -> None:
        self.export_button.setEnabled(bool(self.path.text().strip()) and not self.busy)
        self.close_button.setEnabled(not self.busy)

    def _browse(self) -> None:
        vcard = self.format.currentData() == "vcard"
        chosen = choose_target(self, self.path.text(), "vCards (*.vcf)" if vcard else "CSV (*.csv)")
        if chosen:
            self.path.setText(chosen)

    def start(self) -> None:
        target = Path(self.path.text().strip()).expanduser()
        if not target.parent.is_dir():
            self.note.setText(f"The folder {target.parent} does not exist; choose another place.")
            return
        self.busy = True
        self._update()
        bridge = ProgressBridge(self)
        self.progress_row.follow(bridge, "Exporting")
        task = self.runner.submit(
            data_ops.export,
            self.store,
            str(self.kind.currentData()),
            str(self.format.currentData()),
            str(self.version.currentData()),
            target,
            bridge.progress,
        )
        task.finished.connect(lambda count: self._done(target, count))
        task.failed.connect(self._failed)

    def _done(self, target: Path, count: object) -> None:
        assert isinstance(count, int)
        self.busy = False
        self.written = count
        self.progress_row.hide()
        self.note.setText(f"Exported {count:,} {self.kind.currentText().lower()} to {target}.")
        self._update()

    def _failed(self, exc: object) -> None:
        self.busy = False
        self.progress_row.hide()
        if isinstance(exc, Cancelled):
            self.note.setText("Cancelled: no file was written.")
        elif isinstance(exc, OSError):
            self.note.setText(f"Cannot write the file: {exc.strerror or exc}.")
        else:
            self.note.setText(str(exc))
        self._update()


def open_export(window: Any) -> None:
    """File > Export… (``extensions.WINDOW_ACTIONS``): the records of the section on screen by default."""
    kind = window.current_kind() if window.current_kind() in KINDS else "contacts"
    ExportDialog(window.store, window.runner, kind, window).open()
