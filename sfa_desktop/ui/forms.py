"""The detail pane: an edit form generated from a record kind's field specs, with inline validation.

Each field is checked with :func:`sfa_desktop.core.records.fields.clean_value` as the person leaves it; a
problem
is shown in red under the field and Save stays disabled until every field is valid.  Saving runs the
same service as the command line (``services.create`` / ``services.update``) in one transaction on the
task runner; a ValidationError from the service is mapped back onto the fields.  Typed data is never
dropped silently: leaving a record with unsaved changes asks first.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedLayout,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ENTITIES, Field, clean_value, display_value
from sfa_desktop.core.records.validation import FieldError, ValidationError, format_money
from sfa_desktop.ops import records as record_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import location
from sfa_desktop.ui.extensions import RecordTab
from sfa_desktop.ui.failures import problem_text
from sfa_desktop.ui.fieldwidgets import FieldEditor, make_editor
from sfa_desktop.ui.form_parts import (
    GROUPS,
    WIDE_KINDS,
    ErrorLine,
    ask_unsaved,
    confirm_delete,
    group_of,
    stamp,
)
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named


class RecordForm(QWidget):
    """Shows one record of ``kind`` (or a new one) for editing.

    Signals: ``loaded(id)`` when a record is on screen ('' for a new one), ``saved(id)``, ``deleted(id)``,
    ``dirtyChanged(bool)`` and ``reported(str)`` with a message for the status bar.
    """

    loaded = Signal(str)
    saved = Signal(str)
    deleted = Signal(str)
    dirtyChanged = Signal(bool)
    reported = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordForm")
        self._store = store
        self._runner = runner
        self.kind = kind
        self.entity = ENTITIES[kind]
        self.record_id: str | None = None
        #: The record asked for and still loading (``shown_id`` is this while it loads).
        self._loading_id: str | None = None
        self._region = "US"
        self._original: dict[str, Any] = {}
        self._current: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self._dirty = False
        self._load_task: Task | None = None
        self._after_save: Callable[[], None] | None = None
        #: Asked before a new record is saved, with its values and a function that saves it (the section's
        #: duplicate check); None saves at once.
        self.before_create: Callable[[dict[str, Any], Callable[[], None]], None] | None = None
        self.editors: dict[str, FieldEditor] = {}
        #: What a field the user may not change shows instead of its editor (``LoadedRecord.locked``).
        self._read_only: dict[str, QLabel] = {}
        self._locked_new: dict[str, str] = {}  # the same for a new record
        self._error_labels: dict[str, ErrorLine] = {}
        self._record_tabs: dict[int, RecordTab] = {}
        self.location: location.LocationGroup | None = None
        self._build()
        self._showing(False)
        # Queued behind whatever the window asks for first (the list), which matters more at start-up.
        QTimer.singleShot(0, self._load_settings)

    def _load_settings(self) -> None:
        self._runner.submit(record_ops.phone_region, self._store).finished.connect(self._set_region)
        task = self._runner.submit(record_ops.locked_fields, self._store, self.kind)
        task.finished.connect(self._set_locked_new)
        for spec in self.entity.fields:
            if spec.kind == "ref" and spec.ref in record_ops.SMALL_REFS:
                task = self._runner.submit(record_ops.ref_choices, self._store, spec.ref)
                task.finished.connect(lambda options, name=spec.name: self._set_options(name, options))
            elif spec.choices_from is not None:  # a vocabulary kept in the database (pipeline stages)
                task = self._runner.submit(record_ops.dynamic_choices, self._store, spec.choices_from)
                task.finished.connect(lambda options, name=spec.name: self._set_options(name, options))

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        self._stack = QStackedLayout(self)
        self._empty = QLabel(
            f"Select {self.entity.singular} in the list to see it here,\nor create one with New."
        )
        self._empty.setObjectName("emptyState")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self._empty)

        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = named(QFrame(), "formHeader")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(20, 16, 20, 12)
        header_layout.setSpacing(2)
        self.title = named(QLabel(), "formTitle")
        self.subtitle = named(QLabel(), "formSubtitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.subtitle.setWordWrap(True)
        self.stamp = named(QLabel(), "formStamp")
        header_layout.addWidget(self.title)
        header_layout.addWidget(self.subtitle)
        header_layout.addWidget(self.stamp)
        #: Buttons for what can be done with the record on screen (see ``extensions.RECORD_ACTIONS``), in a
        #: row of their own under the title: beside it, four of them left the name a word per line and
        #: elided their own labels in the detail pane.
        self.actions_bar = QHBoxLayout()
        self.actions_bar.setSpacing(6)
        self.actions_bar.setContentsMargins(0, 8, 0, 0)
        self.actions_bar.addStretch(1)
        header_layout.addLayout(self.actions_bar)
        outer.addWidget(header)
        #: Said when the list does not hold the record on screen (a filter or a sync hid it): nothing is
        #: highlighted there, and this says why.
        self.notice = named(QLabel(), "formNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        outer.addWidget(self.notice)

        body = named(QWidget(), "formBody")
        grid = QGridLayout(body)
        grid.setContentsMargins(20, 8, 20, 16)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        row = 0
        for group in GROUPS:
            specs = [s for s in self.entity.fields if group_of(s) == group]
            if not specs:
                continue
            heading = named(QLabel(group.upper()), "formSection")
            grid.addWidget(heading, row, 0, 1, 2)
            row += 1
            column = 0
            hidden = [s for s in specs if s.name in location.FIELDS]  # behind the address, out of the way
            for spec in (s for s in specs if s.name not in location.FIELDS):
                cell = self._field_cell(spec)
                wide = spec.kind in WIDE_KINDS or spec.name in ("street", "name")
                if wide and column == 1:
                    row, column = row + 1, 0
                grid.addWidget(cell, row, column, 1, 2 if wide else 1, Qt.AlignmentFlag.AlignTop)
                if wide or column == 1:
                    row, column = row + 1, 0
                else:
                    column = 1
            if column == 1:
                row += 1
            if hidden:
                cells = [self._field_cell(spec) for spec in hidden]
                place = location.LocationGroup(cells, lambda name: self.editors[name].raw())
                self.loaded.connect(lambda _id, where=place: where.refresh())
                self.location = place
                grid.addWidget(self.location, row, 0, 1, 2)
                row += 1
        grid.setRowStretch(row, 1)
        scroll = named(QScrollArea(), "formScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        #: "Details" (the fields) and the record's other tabs (see ``extensions.DETAIL_TABS``).
        self.tabs = named(QTabWidget(), "recordTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(scroll, "Details")
        self.tabs.tabBar().hide()  # shown once there is more than one tab
        self.tabs.currentChanged.connect(lambda _index: self._show_in_tab())
        outer.addWidget(self.tabs, 1)

        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        footer = named(QFrame(), "formFooter")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(20, 10, 20, 10)
        self.delete_button = named(QPushButton(icon("delete"), "Delete"), "dangerButton")
        self.revert_button = QPushButton("Revert")
        self.save_button = named(QPushButton(icon("save", "#ffffff"), "Save"), "primaryButton")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip("Save the changes (Ctrl+S)")
        self.revert_button.setToolTip("Undo the changes not saved yet")
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addWidget(footer)
        self.delete_button.clicked.connect(self.delete)
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self._save_clicked)
        self._stack.addWidget(page)

    def _save_clicked(self) -> None:
        self.save()

    def add_tab(self, title: str, widget: QWidget, tab: RecordTab) -> None:
        """Another view of the record (timeline, sales history...): ``tab.show_record(id)`` is called when
        ``widget`` is the visible tab and the record changes, ``tab.clear()`` for a new record (``tab`` is
        usually the widget itself)."""
        self._record_tabs[self.tabs.addTab(widget, title)] = tab
        self.tabs.tabBar().show()

    def add_action_button(self, button: QWidget) -> None:
        self.actions_bar.insertWidget(self.actions_bar.count() - 1, button)  # before the stretch

    def _show_in_tab(self) -> None:
        tab = self._record_tabs.get(self.tabs.currentIndex())
        if tab is None:
            return
        if self.record_id is None:
            tab.clear()
        else:
            tab.show_record(self.record_id)

    def _field_cell(self, spec: Field) -> QWidget:
        cell = QWidget()
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(3)
        editor = make_editor(spec, self._store, self._runner)
        if spec.kind != "bool":
            label = named(QLabel(spec.label + (" *" if spec.required else "")), "fieldLabel")
            label.setBuddy(editor.widget)
            layout.addWidget(label)
        layout.addWidget(editor.widget)
        shown = named(QLabel(), "fieldReadOnly")
        shown.hide()
        layout.addWidget(shown)
        self._read_only[spec.name] = shown
        error = named(ErrorLine(), "fieldError")
        error.hide()
        layout.addWidget(error)
        self.editors[spec.name] = editor
        self._error_labels[spec.name] = error
        editor.edited.connect(lambda name=spec.name: self._on_edited(name))
        editor.committed.connect(lambda name=spec.name: self.validate_field(name))
        return cell

    def _set_locked_new(self, locked: object) -> None:
        assert isinstance(locked, dict)
        self._locked_new = locked
        if self.record_id is None and self._load_task is None and self._stack.currentIndex() == 1:
            for spec in self.entity.fields:  # a new record opened before this was known
                self._show_locked(spec, locked.get(spec.name))

    def _set_region(self, region: object) -> None:
        self._region = str(region)

    def _set_options(self, name: str, options: object) -> None:
        assert isinstance(options, list)
        editor = self.editors[name]
        editor.set_options(options)  # type: ignore[attr-defined]

    # -- state ----------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def shown_id(self) -> str | None:
        """The record on screen, or the one being loaded to replace it (None: a new record or nothing)."""
        return self._loading_id if self._load_task is not None else self.record_id

    def set_notice(self, text: str | None) -> None:
        """Say (or stop saying) why the list does not show this record as selected."""
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))

    def _showing(self, record: bool) -> None:
        self._stack.setCurrentIndex(1 if record else 0)

    def _cleaned(self, name: str) -> Any:
        editor = self.editors[name]
        editor.check()
        country = self.editors["country"].raw() if "country" in self.editors else None
        return clean_value(editor.spec, editor.raw(), phone_region=self._region, country=country)

    def validate_field(self, name: str) -> bool:
        """Check one field now; show or clear its message.  True when it is valid."""
        spec = self.entity.by_name[name]
        try:
            self._current[name] = self._cleaned(name)
        except FieldError as exc:
            message = str(exc)  # shown under the field: name the field only when the message needs it
            self._set_error(name, f"{spec.label} {message}" if message[:1].islower() else message)
            self._current.pop(name, None)
        else:
            self._set_error(name, None)
        self._update_state()
        return name not in self.errors

    def validate_all(self) -> bool:
        results = [self.validate_field(name) for name in self.editors]  # every field, no short cut
        return all(results)

    def _set_error(self, name: str, message: str | None) -> None:
        label = self._error_labels.get(name)
        if message and self.location is not None and name in location.FIELDS:
            self.location.expand()  # a problem is never hidden
        if message is None:
            self.errors.pop(name, None)
        else:
            self.errors[name] = message
        if label is not None:
            label.set_message(message or "")
            label.setVisible(message is not None)
            self.editors[name].set_invalid(message is not None)

    def _on_edited(self, name: str) -> None:
        if name in self.errors or self.editors[name].spec.kind in ("bool", "choice", "ref"):
            self.validate_field(name)  # clear a message as soon as the value is fixed
        else:
            self._set_dirty(True)
            self._update_buttons()

    def changes(self) -> dict[str, Any]:
        """Cleaned values that differ from the stored record (for a new record: everything filled in)."""
        return {
            name: value
            for name, value in self._current.items()
            if name not in self.errors and value != self._original.get(name)
        }

    def _update_state(self) -> None:
        self._set_dirty(bool(self.errors) or bool(self.changes()))
        self._update_buttons()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self._dirty and not self.errors)
        self.revert_button.setEnabled(self._dirty and self.record_id is not None)
        self.delete_button.setEnabled(self.record_id is not None)
        self.banner.hide()

    # -- loading --------------------------------------------------------------------------------

    def show_record(self, record_id: str) -> Task:
        if self._load_task is not None:
            self._load_task.discard()
        task = self._runner.submit(record_ops.load_record, self._store, self.kind, record_id)
        task.finished.connect(self._fill)
        task.failed.connect(self._on_load_failed)
        self._load_task = task
        self._loading_id = record_id
        return task

    def _on_load_failed(self, exc: object) -> None:
        self._load_task = None
        self._show_banner(problem_text(exc))

    def new_record(self) -> None:
        if self._load_task is not None:
            self._load_task.discard()
            self._load_task = None
        self._fill(record_ops.LoadedRecord(self.kind, "", {}, locked=self._locked_new))
        self.editors[self.entity.fields[0].name].widget.setFocus()

    def clear(self) -> None:
        if self._load_task is not None:
            self._load_task.discard()
            self._load_task = None
        self.record_id = None
        self.set_notice(None)
        self._set_dirty(False)
        self._showing(False)

    def revert(self) -> None:
        if self.record_id is None:
            self.new_record()
        else:
            self.show_record(self.record_id)

    def _fill(self, loaded: object) -> None:
        assert isinstance(loaded, record_ops.LoadedRecord)
        self._load_task = None
        self.record_id = loaded.record_id or None
        self._original = {s.name: loaded.values.get(s.name) for s in self.entity.fields}
        for spec in self.entity.fields:
            if spec.kind == "bool":
                self._original[spec.name] = bool(self._original[spec.name])
            self.editors[spec.name].show_value(
                self._original[spec.name], loaded.ref_labels.get(spec.name, "")
            )
            self._set_error(spec.name, None)
            self._show_locked(spec, loaded.locked.get(spec.name))
        self._current = dict(self._original)
        self._set_header(loaded)
        self._set_dirty(False)
        self._update_buttons()
        self._showing(True)
        for index in range(1, self.tabs.count()):  # other tabs make no sense for a record not saved yet
            self.tabs.setTabEnabled(index, self.record_id is not None)
        if self.record_id is None:
            self.tabs.setCurrentIndex(0)
        self._show_in_tab()
        self.loaded.emit(loaded.record_id)

    def _show_locked(self, spec: Field, why: str | None) -> None:
        """A field the user may not change shows its value as text, saying why, instead of its editor."""
        shown, editor = self._read_only[spec.name], self.editors[spec.name].widget
        editor.setVisible(why is None)
        shown.setVisible(why is not None)
        shown.setToolTip(f"<p>{html.escape(why)}</p>" if why else "")  # rich text: wrapped, not one long line
        if why is not None:
            shown.setText(display_value(spec, self._original[spec.name]) or "Not set")

    def _set_header(self, loaded: record_ops.LoadedRecord) -> None:
        values, labels = loaded.values, loaded.ref_labels
        if not loaded.record_id:
            self.title.setText(f"New {self.entity.singular}")
            self.subtitle.setText("Fill in the fields and save. Fields marked * are required.")
            self.stamp.setText("")
            return
        if "last_name" in values:
            name = f"{values.get('first_name') or ''} {values['last_name']}".strip()
        else:
            name = str(values.get("name") or "")
        parts: list[str] = []
        if self.kind == "contacts":
            parts = [values.get("title") or "", labels.get("account_id", "")]
        elif self.kind == "leads":
            parts = [values.get("company") or "", (values.get("status") or "").capitalize()]
        elif self.kind == "accounts":
            parts = [values.get("industry") or "", values.get("city") or ""]
        elif self.kind == "opportunities":
            amount = values.get("amount_cents")
            parts = [
                labels.get("account_id", ""),
                (values.get("stage") or "").capitalize(),
                format_money(amount) if amount is not None else "",
            ]
        self.title.setText(name)
        self.subtitle.setText("  ·  ".join(p for p in parts if p))
        self.stamp.setText(stamp(values.get("created_at"), values.get("updated_at")))

    # -- saving and deleting --------------------------------------------------------------------

    def save(self, then: Callable[[], None] | None = None) -> Task | None:
        """Save the changes; ``then`` runs after a successful save.  None when nothing could be sent."""
        if not self.validate_all():
            self._show_banner("Some fields need attention before saving.")
            return None
        changes = self.changes()
        if not changes and self.record_id is not None:
            if then is not None:
                then()
            return None
        if self.record_id is None and self.before_create is not None:

            def submit() -> None:
                self._submit(changes, then)

            self.save_button.setEnabled(False)
            self.before_create(changes, submit)
            return None
        return self._submit(changes, then)

    def _submit(self, changes: dict[str, Any], then: Callable[[], None] | None) -> Task:
        self.save_button.setEnabled(False)
        self._after_save = then
        task = self._runner.submit(record_ops.save_record, self._store, self.kind, self.record_id, changes)
        task.finished.connect(self._on_saved)
        task.failed.connect(self._on_save_failed)
        return task

    def _on_saved(self, record_id: object) -> None:
        assert isinstance(record_id, str)
        created = self.record_id is None
        self.record_id = record_id
        self._original.update(self._current)
        self._set_dirty(False)
        self._update_buttons()
        self.show_record(record_id)
        self.reported.emit(f"{self.entity.singular.capitalize()} {'created' if created else 'saved'}.")
        self.saved.emit(record_id)
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def _on_save_failed(self, exc: object) -> None:
        self._after_save = None
        if isinstance(exc, ValidationError):
            for name, message in exc.errors.items():
                if name in self.editors:
                    self._set_error(name, message)
            self._update_buttons()
            self._show_banner("Not saved: " + " ".join(exc.errors.values()))
        else:
            self._update_buttons()
            self._show_banner(f"Not saved: {problem_text(exc)}")
        self.reported.emit(f"The {self.entity.singular} was not saved.")

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def discard_changes(self) -> None:
        """Forget what was typed (the person chose to), without asking."""
        self._set_dirty(False)
        self._update_buttons()

    def confirm_leave(self, proceed: Callable[[], None]) -> None:
        """Run ``proceed`` once unsaved changes are saved or knowingly discarded (or at once if none)."""
        if not self._dirty:
            proceed()
            return
        what = f"this {self.entity.singular}" if self.record_id else f"a new {self.entity.singular}"
        answer = ask_unsaved(self, what)
        if answer == QMessageBox.StandardButton.Save:
            self.save(then=proceed)
        elif answer == QMessageBox.StandardButton.Discard:
            self._set_dirty(False)
            proceed()

    def delete(self) -> None:
        if self.record_id is None:
            return
        record_id, name = self.record_id, self.title.text()
        task = self._runner.submit(record_ops.delete_impact, self._store, self.kind, record_id)
        task.finished.connect(lambda impact: self._confirm_delete(record_id, name, impact))

    def _confirm_delete(self, record_id: str, name: str, impact: object) -> None:
        assert isinstance(impact, dict)
        text = f"Delete the {self.entity.singular} “{name}”?"
        taken = [
            f"{n} {ENTITIES[k].plural if n != 1 else ENTITIES[k].singular}" for k, n in impact.items() if n
        ]
        if taken:
            text += "\n\nIts " + ", ".join(taken) + " will be deleted with it."
        text += "\n\nThe deletion is sent to the central store at the next sync."
        if not confirm_delete(self, text):
            return
        task = self._runner.submit(record_ops.delete_record, self._store, self.kind, record_id)
        task.finished.connect(lambda count: self._on_deleted(record_id, name, count))
        task.failed.connect(lambda exc: self._show_banner(f"Not deleted: {exc}"))

    def _on_deleted(self, record_id: str, name: str, count: object) -> None:
        self.clear()
        extra = f" and {count - 1} related records" if isinstance(count, int) and count > 1 else ""
        self.reported.emit(f"Deleted “{name}”{extra} (Ctrl+Z: undo).")
        self.deleted.emit(record_id)
