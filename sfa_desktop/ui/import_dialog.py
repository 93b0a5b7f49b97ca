"""File > Import…: choose a file, check how its columns are read, see what happens to every row, import.

Four steps in one dialog.  Reading the file, checking the rows and writing them run on the task runner with
a progress bar and Cancel; the import is one transaction, so Cancel leaves nothing half-imported.  Rows
with problems are listed with their line and reason and can be saved as a rejects file to fix and import
again.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.progress import Cancelled
from sfa_desktop.core.records import columns
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.transfer import importer
from sfa_desktop.core.transfer.import_source import Source
from sfa_desktop.ops import data as data_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.import_model import SHOWING, PreviewModel
from sfa_desktop.ui.progress import ProgressBridge, ProgressRow
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

STEPS = ("File", "Columns", "Preview", "Done")
KINDS = {"": "Detect from the file", "contacts": "Contacts", "leads": "Leads", "accounts": "Accounts"}
NOT_IMPORTED = "— not imported —"


def choose_file(parent: QWidget) -> str:
    """The file dialog (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import", str(Path.home()), "Contacts (*.csv *.txt *.vcf *.vcard);;All files (*)"
    )
    return path


def choose_rejects_file(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save the rows with problems", suggested, "CSV (*.csv)")
    return path


class ImportDialog(QDialog):
    """``imported(kind, count)`` fires after an import was written."""

    imported = Signal(str, int)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import")
        self.resize(960, 640)
        self.setMinimumSize(760, 520)
        self.store, self.runner = store, runner
        self.source: Source | None = None
        self.plan: importer.Plan | None = None
        self.outcome: importer.Result | None = None
        self.busy = False
        self._build()
        self._go(0)

    # -- building -------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = named(QFrame(), "dialogHeader")
        head = QVBoxLayout(header)
        head.setContentsMargins(24, 18, 24, 14)
        self.title = named(QLabel("Import contacts, leads or accounts"), "dialogTitle")
        steps = QHBoxLayout()
        steps.setSpacing(18)
        self.step_labels = []
        for number, name in enumerate(STEPS, start=1):
            label = named(QLabel(f"{number}  {name}"), "stepLabel")
            steps.addWidget(label)
            self.step_labels.append(label)
        steps.addStretch(1)
        head.addWidget(self.title)
        head.addLayout(steps)
        outer.addWidget(header)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._columns_page())
        self.pages.addWidget(self._preview_page())
        self.pages.addWidget(self._done_page())
        body = QVBoxLayout()
        body.setContentsMargins(24, 16, 24, 8)
        body.addWidget(self.pages, 1)
        outer.addLayout(body, 1)

        footer = named(QFrame(), "dialogFooter")
        foot = QHBoxLayout(footer)
        foot.setContentsMargins(24, 10, 24, 10)
        self.progress_row = ProgressRow()
        self.message = named(QLabel(), "dialogMessage")
        self.message.setWordWrap(True)
        self.back_button = QPushButton("Back")
        self.next_button = named(QPushButton("Next"), "primaryButton")
        self.close_button = QPushButton("Cancel")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.reject)
        foot.addWidget(self.progress_row, 3)
        foot.addWidget(self.message, 3)
        foot.addStretch(1)
        foot.addWidget(self.back_button)
        foot.addWidget(self.next_button)
        foot.addWidget(self.close_button)
        outer.addWidget(footer)

    def _file_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(12)
        intro = QLabel(
            "Choose a CSV file or vCards. Exports of Salesforce, HubSpot, Outlook, Google Contacts and "
            "LinkedIn are recognised; any encoding (UTF-8, UTF-16, Windows-1252) and separator (comma, "
            "semicolon, tab) are read. Nothing is written until you have seen the preview."
        )
        intro.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setPlaceholderText("A .csv, .txt or .vcf file")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.on_match = QButtonGroup(self)
        fill = QRadioButton("Complete the record: fill its empty fields from the row (never overwrite)")
        skip = QRadioButton("Leave the record as it is: skip the row")
        fill.setChecked(True)
        self.on_match.addButton(fill, 0)
        self.on_match.addButton(skip, 1)
        self.file_info = named(QLabel(), "fileInfo")
        self.file_info.setWordWrap(True)
        grid.addWidget(intro, 0, 0, 1, 3)
        grid.addWidget(named(QLabel("File"), "fieldLabel"), 1, 0)
        grid.addWidget(self.path, 1, 1)
        grid.addWidget(browse, 1, 2)
        grid.addWidget(named(QLabel("Records"), "fieldLabel"), 2, 0)
        grid.addWidget(self.kind, 2, 1)
        grid.addWidget(named(QLabel("A row that matches a record already here"), "fieldLabel"), 3, 0, 1, 3)
        grid.addWidget(fill, 4, 0, 1, 3)
        grid.addWidget(skip, 5, 0, 1, 3)
        grid.addWidget(self.file_info, 6, 0, 1, 3)
        grid.setRowStretch(7, 1)
        self.path.textChanged.connect(lambda _t: self._update_buttons())
        return page

    def _columns_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.columns_intro = QLabel()
        self.columns_intro.setWordWrap(True)
        self.mapping_table = named(QTableWidget(0, 3), "mappingTable")
        self.mapping_table.setHorizontalHeaderLabels(("Column in the file", "Example values", "Import as"))
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, 240)
        layout.addWidget(self.columns_intro)
        layout.addWidget(self.mapping_table, 1)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.preview = PreviewModel(self)
        self.summary = named(QLabel(), "importSummary")
        self.summary.setWordWrap(True)
        self.notes = named(QLabel(), "importNotes")
        self.notes.setWordWrap(True)
        bar = QHBoxLayout()
        self.showing = QComboBox()
        self.showing.addItems(list(SHOWING))
        self.showing.currentTextChanged.connect(self._show_only)
        self.save_rejects = QPushButton(icon("save"), "Save rows with problems…")
        self.save_rejects.clicked.connect(self._save_rejects)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.showing)
        bar.addStretch(1)
        bar.addWidget(self.save_rejects)
        self.preview_table = named(QTableView(), "previewTable")
        self.preview_table.setModel(self.preview)
        self.preview_table.verticalHeader().hide()
        self.preview_table.verticalHeader().setDefaultSectionSize(28)
        self.preview_table.setAlternatingRowColors(True)
        self.preview_table.setShowGrid(False)
        self.preview_table.setWordWrap(False)
        self.preview_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.preview_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate((60, 150, 230)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addLayout(bar)
        layout.addWidget(self.preview_table, 1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.done_text = named(QLabel(), "importDone")
        self.done_text.setWordWrap(True)
        self.done_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(self.done_text)
        layout.addStretch(2)
        return page

    # -- steps ----------------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.pages.currentIndex()

    def _go(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        for number, label in enumerate(self.step_labels):
            label.setProperty("state", "current" if number == step else "done" if number < step else "todo")
            label.style().unpolish(label)
            label.style().polish(label)
        self.next_button.setText({2: "Import", 3: "Close"}.get(step, "Next"))
        self.message.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.step
        self.back_button.setVisible(step in (1, 2))
        self.back_button.setEnabled(not self.busy)
        self.close_button.setVisible(step != 3)
        self.close_button.setEnabled(not self.busy)
        ready = {0: bool(self.path.text().strip()), 1: True, 2: self._importable(), 3: True}[step]
        self.next_button.setEnabled(ready and not self.busy)

    def _importable(self) -> bool:
        counts = self.plan.counts() if self.plan is not None else {}
        return bool(counts.get("create") or counts.get("update"))

    def set_path(self, path: str) -> None:
        self.path.setText(path)

    def _browse(self) -> None:
        path = choose_file(self)
        if path:
            self.set_path(path)

    def back(self) -> None:
        if self.step == 2 and self.source is not None and self.source.format == "csv":
            self._go(1)
        else:
            self._go(0)

    def next(self) -> None:
        if self.step == 0:
            self._read()
        elif self.step == 1:
            self._check()
        elif self.step == 2:
            self._import()
        else:
            self.accept()

    def selected_kind(self) -> str:
        chosen = str(self.kind.currentData() or "")
        return chosen or (self.source.kind if self.source is not None else "contacts")

    # -- jobs -----------------------------------------------------------------------------------------

    def _start(self, text: str) -> ProgressBridge:
        self.busy = True
        self.message.hide()
        bridge = ProgressBridge(self)
        self.progress_row.follow(bridge, text)
        self._update_buttons()
        return bridge

    def _stop(self, message: str = "") -> None:
        self.busy = False
        self.progress_row.hide()
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self._update_buttons()

    def _failed(self, exc: object) -> None:
        if isinstance(exc, Cancelled):
            self._stop("Cancelled: nothing was imported.")
        else:
            self._stop(str(exc))

    def _read(self) -> None:
        path = Path(self.path.text().strip()).expanduser()
        self._start(f"Reading {path.name}")
        kind = str(self.kind.currentData() or "") or None
        task = self.runner.submit(data_ops.read_file, path, kind)
        task.finished.connect(self._on_read)
        task.failed.connect(self._failed)

    def _on_read(self, source: object) -> None:
        assert isinstance(source, Source)
        self.source = source
        self._stop()
        kind = self.selected_kind()
        noun = ENTITIES[kind].plural
        self.file_info.setText(f"<b>{Path(self.path.text()).name}</b>: {source.describe()}")
        if source.format == "csv":
            self._fill_mapping(kind)
            self._go(1)
            origin = f"It looks like an export from {source.detected}. " if source.detected else ""
            self.columns_intro.setText(
                f"{origin}Each column of the file is imported as the field on the right; change any that is "
                f"wrong, or choose “{NOT_IMPORTED}”. The file holds {noun}."
            )
        else:
            self._check()

    def _fill_mapping(self, kind: str) -> None:
        assert self.source is not None
        suggested = columns.suggest(kind, self.source.headers)
        options = [(None, NOT_IMPORTED), *columns.targets(kind).items()]
        if "id" in suggested:
            options.append(("id", "Record id (from an export of this app)"))
        self.mapping_table.setRowCount(len(self.source.headers))
        samples = list(itertools.islice((r for r in self.source.rows if r.problem is None), 3))
        for row, header in enumerate(self.source.headers):
            self.mapping_table.setItem(row, 0, QTableWidgetItem(header))
            example = " · ".join(s.cells[row] for s in samples if row < len(s.cells) and s.cells[row].strip())
            self.mapping_table.setItem(row, 1, QTableWidgetItem(example[:120]))
            combo = QComboBox()
            for target, label in options:
                combo.addItem(label, target)
            target = suggested[row]
            if target is not None and target.startswith("phone_"):
                combo.addItem("Phone (by its type)", target)
            found = combo.findData(target)
            combo.setCurrentIndex(max(found, 0))
            self.mapping_table.setCellWidget(row, 2, combo)

    def mapping(self) -> list[str | None]:
        found: list[str | None] = []
        for row in range(self.mapping_table.rowCount()):
            combo = self.mapping_table.cellWidget(row, 2)
            assert isinstance(combo, QComboBox)
            found.append(combo.currentData())
        return found

    def set_target(self, header: str, target: str | None) -> None:
        """Map a column of the file to a field (the mapping step, as a person does it)."""
        assert self.source is not None
        row = self.source.headers.index(header)
        combo = self.mapping_table.cellWidget(row, 2)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(max(combo.findData(target), 0))

    def _check(self) -> None:
        assert self.source is not None
        kind = self.selected_kind()
        mapping = self.mapping() if self.source.format == "csv" else None
        on_match = "skip" if self.on_match.checkedId() == 1 else "update"
        bridge = self._start("Checking every row")
        task = self.runner.submit(
            data_ops.plan_import, self.store, self.source, kind, mapping, on_match, bridge.progress
        )
        task.finished.connect(self._on_checked)
        task.failed.connect(self._failed)

    def _on_checked(self, plan: object) -> None:
        assert isinstance(plan, importer.Plan)
        self.plan = plan
        self._stop()
        self.preview.set_plan(plan)
        counts = plan.counts()
        kind = plan.options.kind
        chips = [
            (counts["create"], "new", "#15803d"),
            (counts["update"], "complete a match", "#1d4ed8"),
            (counts["unchanged"] + counts["skip"], "already there", "#64748b"),
            (counts["reject"], "with problems", "#b91c1c"),
        ]
        text = "&nbsp;&nbsp;&nbsp;".join(
            f"<span style='font-size:18px;font-weight:700;color:{color}'>{n:,}</span> {label}"
            for n, label, color in chips
        )
        if plan.new_accounts:
            text += f"&nbsp;&nbsp;&nbsp;<b>{len(plan.new_accounts):,}</b> new accounts"
        self.summary.setText(text)
        warned = sum(1 for r in plan.rows if r.warnings and r.action != "reject")
        notes = list(plan.source.notes)
        if warned:
            said = "row has a note (shown with it)" if warned == 1 else "rows have notes (shown with them)"
            notes.append(f"{warned:,} {said}.")
        if counts["reject"]:
            notes.append(
                f"Rows with problems are left out; save them, fix them and import that file. "
                f"The other {ENTITIES[kind].plural} can be imported now."
            )
        self.notes.setText(" ".join(notes))
        self.notes.setVisible(bool(notes))
        self.save_rejects.setEnabled(counts["reject"] > 0)
        self.showing.setCurrentText("Rows with problems" if counts["reject"] else "All rows")
        self.preview.show_only(self.showing.currentText())
        self._go(2)
        if not self._importable():
            self.message.setText("There is nothing new to import.")
            self.message.show()

    def _show_only(self, label: str) -> None:
        self.preview.show_only(label)

    def _save_rejects(self) -> None:
        if self.plan is None:
            return
        suggested = str(Path(self.path.text()).with_name(Path(self.path.text()).stem + "-problems.csv"))
        target = choose_rejects_file(self, suggested)
        if target:
            self.write_rejects(Path(target))

    def write_rejects(self, target: Path) -> None:
        assert self.plan is not None
        try:
            target.write_text(importer.rejects_csv(self.plan), encoding="utf-8-sig", newline="")
        except OSError as exc:
            self.message.setText(f"Cannot save {target}: {exc.strerror}.")
        else:
            self.message.setText(
                f"Saved {self.plan.counts()['reject']:,} rows with problems to {target.name}."
            )
        self.message.show()

    def _import(self) -> None:
        assert self.plan is not None
        bridge = self._start("Importing")
        task = self.runner.submit(data_ops.run_import, self.store, self.plan, bridge.progress)
        task.finished.connect(self._on_imported)
        task.failed.connect(self._failed)

    def _on_imported(self, result: object) -> None:
        assert isinstance(result, importer.Result)
        assert self.plan is not None
        self.outcome = result
        self._stop()
        kind = self.plan.options.kind
        ent = ENTITIES[kind]
        lines = [
            f"<h2>{result.created:,} {ent.plural if result.created != 1 else ent.singular} imported</h2>"
        ]
        if result.updated:
            lines.append(f"{result.updated:,} existing {ent.plural} completed with new values.")
        if result.accounts_created:
            lines.append(f"{result.accounts_created:,} new accounts made for their companies.")
        if result.rejected:
            lines.append(f"{result.rejected:,} rows with problems were left out.")
        lines.append("Everything goes to the central store at the next sync.")
        self.done_text.setText("<br>".join(lines))
        self._go(3)
        self.imported.emit(kind, result.created + result.updated)


def open_import(window: Any, path: str = "") -> ImportDialog:
    """File > Import… (``extensions.WINDOW_ACTIONS``); with a ``path`` (``sfa-desktop FILE``, a .vcf or .csv
    opened with SFA Desktop) the dialog starts reading that file at once."""
    dialog = ImportDialog(window.store, window.runner, window)
    dialog.imported.connect(lambda kind, _n: _refresh(window, kind))
    dialog.open()
    if path:
        dialog.set_path(path)
        dialog.next()
    return dialog


def _refresh(window: Any, kind: str) -> None:
    page = window.sections.get(kind)
    if page is not None:
        page.model.reload()
    window.refresh_counts()
    window.refresh_pending()
