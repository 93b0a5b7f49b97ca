"""File > Print call sheet…: choose a day or a range (and, for a manager, the reps), the paper, and where
to save; the PDF is made on the task runner, saved whole, and opened with the system's PDF viewer.  A day
with nothing planned gets a message in the dialog and no file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.callsheet.sheet import NothingPlanned
from sfa_desktop.ops.callsheet import Choices, choices, write_call_sheet
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

PAGE_SIZES = ("A4", "Letter")


def open_file(path: Path) -> bool:
    """Open the saved PDF with the system's viewer (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def default_folder() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents else Path.home()
    return folder if folder.is_dir() else Path.home()


class CallSheetDialog(QDialog):
    """``written(result)`` with the :class:`~sfa_desktop.printing.callsheet.Written` once saved and opened;
    ``choicesLoaded()`` when the reps and the setting are on screen."""

    written = Signal(object)
    choicesLoaded = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opened = False
        self.store = store
        self.runner = runner
        self.choices: Choices | None = None
        self.setWindowTitle("Print call sheet")
        self.setMinimumSize(560, 380)
        self._build()
        runner.submit(choices, store).finished.connect(self._show_choices)

    def _build(self) -> None:
        today = QDate.currentDate()
        self.start = QDateEdit(today)
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd d MMM yyyy")
        self.several = QCheckBox("to")
        self.end = QDateEdit(today)
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("ddd d MMM yyyy")
        self.end.setEnabled(False)
        self.several.toggled.connect(self.end.setEnabled)
        self.start.dateChanged.connect(lambda d: self.end.setDate(max(d, self.end.date())))
        days = QHBoxLayout()
        days.addWidget(self.start)
        days.addWidget(self.several)
        days.addWidget(self.end)
        days.addStretch(1)
        self.rep_label = QLabel("Loading…")
        self.reps = QListWidget()
        self.reps.setMaximumHeight(150)
        self.reps.hide()
        who = QVBoxLayout()
        who.setSpacing(4)
        who.addWidget(self.rep_label)
        who.addWidget(self.reps)
        self.page_size = QComboBox()
        self.page_size.addItems(PAGE_SIZES)
        self.page_size.setToolTip("Distances are in the distance unit of Settings (km or mi).")
        self.path = QLineEdit(str(default_folder() / f"call-sheet-{dt.date.today().isoformat()}.pdf"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Day", days)
        form.addRow("For", who)
        form.addRow("Paper", self.page_size)
        form.addRow("Save as", where)
        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.print_button = named(QPushButton(icon("print", "#ffffff"), "Save and open"), "primaryButton")
        self.print_button.setDefault(True)
        self.print_button.setEnabled(False)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.print_button.clicked.connect(self.make)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        intro = named(
            QLabel("The planned calls, visits and meetings, with the route from the home base."),
            "formSubtitle",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def _show_choices(self, result: object) -> None:
        assert isinstance(result, Choices)
        self.choices = result
        self.page_size.setCurrentText(result.page_size if result.page_size in PAGE_SIZES else "A4")
        user = result.user
        if user is not None and user.role == "rep":
            self.rep_label.setText(user.full_name)
        elif not result.reps:
            self.rep_label.setText("There are no reps on this laptop yet; sync first.")
        else:
            self.rep_label.setText("Choose the reps:" if user else "Choose whose call sheet:")
            for rep_id, name, login in result.reps:
                item = QListWidgetItem(f"{name}  ({login})")
                item.setData(Qt.ItemDataRole.UserRole, rep_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = user is not None or len(result.reps) == 1
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.reps.addItem(item)
            self.reps.show()
        self.print_button.setEnabled(bool(result.reps))
        self.choicesLoaded.emit()

    def chosen_reps(self) -> list[str]:
        if self.choices is None:
            return []
        if self.choices.user is not None and self.choices.user.role == "rep":
            return [r[0] for r in self.choices.reps]
        return [
            str(self.reps.item(r).data(Qt.ItemDataRole.UserRole))
            for r in range(self.reps.count())
            if self.reps.item(r).checkState() == Qt.CheckState.Checked
        ]

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save the call sheet as", self.path.text(), "PDF (*.pdf)"
        )
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")

    def _problem(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()
        self.print_button.setEnabled(True)

    def make(self) -> None:
        reps = self.chosen_reps()
        if not reps:
            self._problem("Tick at least one rep.")
            return
        start = self.start.date().toPython()
        end = self.end.date().toPython() if self.several.isChecked() else start
        assert isinstance(start, dt.date)
        assert isinstance(end, dt.date)
        if end < start:
            self._problem("The last day is before the first; choose the days again.")
            return
        path = Path(self.path.text().strip()).expanduser()
        if not self.path.text().strip() or path.suffix.lower() != ".pdf":
            self._problem("Give a file name ending in .pdf.")
            return
        if not path.parent.is_dir():
            self._problem(f"The folder {path.parent} does not exist; choose another with Browse….")
            return
        self.banner.hide()
        self.print_button.setEnabled(False)
        task = self.runner.submit(
            write_call_sheet, self.store, reps, start, end, path, self.page_size.currentText()
        )
        task.finished.connect(self._written)
        task.failed.connect(self._failed)

    def _written(self, result: object) -> None:
        path = getattr(result, "path", None)
        #: Whether the system's PDF viewer took the file (the status bar says so only when it did).
        self.opened = isinstance(path, Path) and bool(open_file(path))
        self.written.emit(result)
        self.accept()

    def _failed(self, exc: object) -> None:
        if isinstance(exc, NothingPlanned):
            self._problem(str(exc))
        elif isinstance(exc, OSError):
            self._problem(f"The call sheet could not be saved: {exc.strerror or exc}. Choose another place.")
        else:
            self._problem(f"The call sheet could not be made: {exc}")


def saved_message(result: Any, *, opened: bool) -> str:
    """What the status bar says once a sheet is saved: 'and opened' only when the viewer took it."""
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    if opened:
        return f"Call sheet saved to {result.path} ({pages}) and opened."
    return (
        f"Call sheet saved to {result.path} ({pages}); it could not be opened here: open it from its folder."
    )


def print_call_sheet(window: Any) -> CallSheetDialog:
    """The File menu's "Print call sheet…" (``extensions.WINDOW_ACTIONS``)."""
    dialog = CallSheetDialog(window.store, window.runner, window)

    def saved(result: Any) -> None:
        window.show_message(saved_message(result, opened=dialog.opened))

    dialog.written.connect(saved)
    dialog.open()
    return dialog
