"""Quick log (Ctrl+L on any account, contact, lead or opportunity): what just happened with the customer,
filled and saved from the keyboard.

Alt+C, V, E, M, N choose call, visit, email, meeting or note; Tab walks subject, outcome, duration and
notes; Alt+F adds a follow-up task; Enter in a field (Ctrl+Enter anywhere) logs it; Esc cancels.  Saving runs
:func:`sfa_desktop.core.records.activity_log.log_activity` in one transaction on the task runner; a problem is
shown under the field it is about and nothing is written.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records import activity_log
from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, ENTITIES
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ops import timeline as timeline_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

#: Each kind's button text and its key (Alt+key chooses it).
_KIND_KEYS = {"call": "C", "visit": "V", "email": "E", "meeting": "M", "note": "N"}
FOLLOW_UP_DAYS = 7


class QuickLogDialog(QDialog):
    """``logged(Logged)`` fires once the activity is saved (the dialog then closes)."""

    logged = Signal(object)

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        record_kind: str,
        record_id: str,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quickLog")
        self.setWindowTitle("Log activity")
        self._store = store
        self._runner = runner
        self.record_kind = record_kind
        self.record_id = record_id
        self.name = name
        self._subject_edited = False
        self.errors: dict[str, str] = {}
        self._build()
        self.choose_kind("call")
        self.subject.setFocus()
        self.subject.selectAll()

    # -- building -----------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = named(QFrame(), "dialogHeader")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(22, 16, 22, 14)
        header_layout.setSpacing(2)
        header_layout.addWidget(named(QLabel("Log an activity"), "dialogTitle"))
        singular = ENTITIES[self.record_kind].singular
        header_layout.addWidget(named(QLabel(f"on the {singular} {self.name}"), "dialogSubtitle"))
        outer.addWidget(header)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(22, 14, 22, 8)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(5)
        kinds = QHBoxLayout()
        kinds.setSpacing(6)
        kinds.setContentsMargins(0, 0, 0, 10)
        self.kind_buttons: dict[str, QToolButton] = {}
        self._kind_group = QButtonGroup(self)
        for kind, key in _KIND_KEYS.items():
            button = named(QToolButton(), "kindButton")
            button.setText(kind.capitalize())
            button.setIcon(icon(kind))
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(f"{kind.capitalize()} (Alt+{key})")
            button.clicked.connect(lambda _c=False, k=kind: self.choose_kind(k))
            # explicit shortcuts, not '&' mnemonics: those are not offered on every platform
            QShortcut(QKeySequence(f"Alt+{key}"), self, lambda k=kind: self.choose_kind(k))
            self._kind_group.addButton(button)
            self.kind_buttons[kind] = button
            kinds.addWidget(button)
        kinds.addStretch(1)
        grid.addLayout(kinds, 0, 0, 1, 2)

        self.subject = QLineEdit()
        self.subject.setMaxLength(250)
        self.subject.textEdited.connect(self._subject_typed)
        self.outcome = QComboBox()
        self.outcome.addItem("—", "")
        for outcome in ACTIVITY_OUTCOMES:
            self.outcome.addItem(outcome[:1].upper() + outcome[1:], outcome)
        self.duration = QLineEdit()
        self.duration.setPlaceholderText("minutes")
        self.duration.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("What was said, what was agreed…")
        self.notes.setFixedHeight(96)
        self.follow_up_box = QCheckBox("Create a follow-up task (Alt+F)")
        QShortcut(QKeySequence("Alt+F"), self, self.follow_up_box.toggle)
        self.follow_up = QLineEdit()
        self.follow_up.setPlaceholderText("What to do next")
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setMinimumDate(QDate.currentDate())
        self.due.setDate(QDate.currentDate().addDays(FOLLOW_UP_DAYS))
        self.follow_up_box.toggled.connect(self._follow_up_toggled)
        self.follow_up.setText(f"Follow up with {self.name}")

        self._error_labels: dict[str, QLabel] = {}
        self._editors: dict[str, QWidget] = {
            "subject": self.subject,
            "outcome": self.outcome,
            "duration_minutes": self.duration,
            "notes": self.notes,
            "follow_up": self.follow_up,
            "follow_up_due": self.due,
        }
        self._field(grid, 1, 0, 2, "subject", "Su&bject")
        self._field(grid, 4, 0, 1, "outcome", "&Outcome")
        self._field(grid, 4, 1, 1, "duration_minutes", "&Duration (min)")
        self._field(grid, 7, 0, 2, "notes", "No&tes")
        grid.setRowMinimumHeight(10, 40)
        grid.addWidget(self.follow_up_box, 10, 0, 1, 2, Qt.AlignmentFlag.AlignBottom)
        self._field(grid, 11, 0, 1, "follow_up", "Follow-u&p subject")
        self._field(grid, 11, 1, 1, "follow_up_due", "D&ue")
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        outer.addWidget(body)

        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)
        footer = named(QFrame(), "formFooter")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(22, 10, 22, 10)
        hint = named(QLabel("Alt+C V E M N: kind  ·  Ctrl+Enter: log"), "dialogHint")
        self.cancel_button = QPushButton("Cancel")
        self.save_button = named(QPushButton(icon("save", "#ffffff"), "Log activity"), "primaryButton")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addWidget(footer)
        # Enter logs (set once the button is in the dialog: before that it has no dialog to be default in)
        self.cancel_button.setAutoDefault(False)
        self.save_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self._follow_up_toggled(False)
        # An explicit minimum: messages appearing under fields then do not resize the window each time.
        self.setMinimumSize(540, 600)

    def _field(self, grid: QGridLayout, row: int, column: int, span: int, name: str, text: str) -> None:
        label = named(QLabel(text), "fieldLabel")
        editor = self._editors[name]
        label.setBuddy(editor)
        error = named(QLabel(), "fieldError")
        error.setWordWrap(True)
        error.hide()
        grid.addWidget(label, row, column, 1, span)
        grid.addWidget(editor, row + 1, column, 1, span)
        grid.addWidget(error, row + 2, column, 1, span)
        self._error_labels[name] = error
        editor.setProperty("invalid", "false")

    # -- behaviour ----------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return next((k for k, b in self.kind_buttons.items() if b.isChecked()), "call")

    def choose_kind(self, kind: str) -> None:
        self.kind_buttons[kind].setChecked(True)
        if not self._subject_edited:
            self.subject.setText(activity_log.default_subject(kind, self.name))
        self.duration.setEnabled(kind != "note")

    def _subject_typed(self, _text: str) -> None:
        self._subject_edited = True

    def _follow_up_toggled(self, on: bool) -> None:
        self.follow_up.setEnabled(on)
        self.due.setEnabled(on)
        if on:
            self.follow_up.setFocus()
            self.follow_up.selectAll()

    def values(self) -> dict[str, Any]:
        follow = self.follow_up_box.isChecked()
        return {
            "subject": self.subject.text(),
            "outcome": self.outcome.currentData() or None,
            "duration": self.duration.text() if self.kind != "note" else None,
            "notes": self.notes.toPlainText(),
            "follow_up": self.follow_up.text() if follow else None,
            "follow_up_due": self.due.date().toString("yyyy-MM-dd") if follow else None,
        }

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.save_button.setEnabled(False)
        self._show_errors({})
        task = self._runner.submit(
            timeline_ops.log_activity, self._store, self.kind, self.record_kind, self.record_id, self.values()
        )
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, logged: object) -> None:
        self.logged.emit(logged)
        self.accept()

    def _failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self._show_errors(exc.errors)
            first = next((n for n in self._editors if n in exc.errors), None)
            if first is not None:
                self._editors[first].setFocus()
        else:
            self.banner.setText(f"Not logged: {exc}")
            self.banner.show()

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        for name, label in self._error_labels.items():
            message = errors.get(name)
            label.setText(message or "")
            label.setVisible(message is not None)
            editor = self._editors[name]
            value = "true" if message else "false"
            if editor.property("invalid") != value:
                editor.setProperty("invalid", value)
                editor.style().unpolish(editor)
                editor.style().polish(editor)
        other = [m for n, m in errors.items() if n not in self._error_labels]
        if errors:
            self.banner.setText("Not logged: " + " ".join(other or ["fix the fields marked in red."]))
            self.banner.show()
        else:
            self.banner.hide()


def _context(page: Any) -> tuple[LocalStore, TaskRunner]:
    window = page.window()
    store, runner = getattr(window, "store", None), getattr(window, "runner", None)
    if isinstance(store, LocalStore) and isinstance(runner, TaskRunner):
        return store, runner
    return page.form._store, page.form._runner  # a section page shown on its own


def log_activity(page: Any, record_id: str) -> QuickLogDialog:
    """The record action: open the quick log for the record on screen (extensions.RECORD_ACTIONS)."""
    store, runner = _context(page)
    name = page.form.title.text()
    dialog = QuickLogDialog(store, runner, page.kind, record_id, name, page)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.logged.connect(lambda logged: _after(page, record_id, name, logged))
    dialog.open()
    return dialog


def _after(page: Any, record_id: str, name: str, logged: object) -> None:
    assert isinstance(logged, activity_log.Logged)
    message = f"Logged “{logged.subject}” on {name}"
    if logged.follow_up_id is not None:
        message += ", with a follow-up task"
    page.form.reported.emit(message + ".")
    tab = page.form.tabs.currentWidget()
    if page.form.record_id == record_id and hasattr(tab, "show_record"):
        tab.show_record(record_id)  # the timeline shows it at once
    refresh = getattr(page.window(), "refresh_pending", None)
    if callable(refresh):
        refresh()
