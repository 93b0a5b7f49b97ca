"""The Service levels page (issue 16, item 1): for the company or a territory, each segment's visit
frequency, visit length and answer times, and where each is set (the territory itself, one above it, the
company, the built-in default).  Managers change them in their territories, admins everywhere; the
territories below inherit them.  "Suggest segments…" applies the territory report's ABC ranking to the
accounts' segments; "Visit checklists…" shows (and lets managers edit) what reps answer on site per
segment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.vocabularies import SEGMENTS
from sfa_desktop.core.service_levels import LevelRow, ServiceLevel
from sfa_desktop.ops import planning as plan_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

COLUMNS = ("Visit from (days)", "Visit by (days)", "Visit (min)", "Answer (h)", "Resolve (h)", "Set on")


class ServiceLevelsPage(QWidget):
    """``loaded()``: the levels of the chosen territory are on screen; ``saved()``: a level was changed."""

    loaded = Signal()
    saved = Signal()
    reported = Signal(str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serviceLevelsPage")
        self.store = store
        self.runner = runner
        self.rows: list[LevelRow] = []
        self.editors: dict[
            str, tuple[QSpinBox, QSpinBox, QSpinBox, QDoubleSpinBox, QDoubleSpinBox, QLabel]
        ] = {}
        self._build()

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Service levels"), "sectionTitle"))
        titles.addWidget(named(QLabel("How each customer segment is served, per territory"), "sectionCount"))
        bar.addLayout(titles)
        bar.addStretch(1)
        bar.addWidget(QLabel("For"))
        self.territory = QComboBox()
        self.territory.setMinimumWidth(240)
        self.territory.currentIndexChanged.connect(lambda _i: self.load())
        bar.addWidget(self.territory)
        self.suggest_button = QPushButton(icon("score"), "Suggest segments…")
        self.suggest_button.setToolTip("Give accounts the segment the ABC ranking of profitability suggests")
        self.suggest_button.clicked.connect(self.suggest)
        bar.addWidget(self.suggest_button)
        self.checklists_button = QPushButton(icon("task"), "Visit checklists…")
        self.checklists_button.setToolTip("What reps answer on site, per segment (managers edit, reps read)")
        self.checklists_button.clicked.connect(self.open_checklists)
        bar.addWidget(self.checklists_button)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(24, 18, 24, 12)
        grid.setHorizontalSpacing(14)
        grid.addWidget(named(QLabel("Segment"), "formSection"), 0, 0)
        for n, title in enumerate(COLUMNS, start=1):
            grid.addWidget(named(QLabel(title), "formSection"), 0, n)
        for row, segment in enumerate(SEGMENTS, start=1):
            grid.addWidget(named(QLabel(segment), "formTitle"), row, 0)
            low, high, minutes = QSpinBox(), QSpinBox(), QSpinBox()
            for box, top in ((low, 3650), (high, 3650), (minutes, 720)):
                box.setRange(1 if box is not minutes else 5, top)
            answer, resolve = QDoubleSpinBox(), QDoubleSpinBox()
            for hours in (answer, resolve):
                hours.setRange(0, 8760)
                hours.setDecimals(1)
            source = QLabel()
            self.editors[segment] = (low, high, minutes, answer, resolve, source)
            for n, widget in enumerate(self.editors[segment], start=1):
                grid.addWidget(widget, row, n)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(icon("save"), "Save")
        self.save_button.clicked.connect(self.save)
        self.inherit_button = QPushButton("Inherit again")
        self.inherit_button.setToolTip("Remove the levels set on this territory: it takes its parent's again")
        self.inherit_button.clicked.connect(self.inherit)
        buttons.addStretch(1)
        buttons.addWidget(self.inherit_button)
        buttons.addWidget(self.save_button)
        grid.addLayout(buttons, len(SEGMENTS) + 1, 0, 1, len(COLUMNS) + 1)
        self.note = named(QLabel(), "formSubtitle")
        self.note.setWordWrap(True)
        grid.addWidget(self.note, len(SEGMENTS) + 2, 0, 1, len(COLUMNS) + 1)
        grid.setRowStretch(len(SEGMENTS) + 3, 1)
        grid.setColumnStretch(len(COLUMNS), 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(body, 1)

    def territory_id(self) -> str | None:
        value = self.territory.currentData()
        return str(value) if value else None

    def page_shown(self) -> None:
        task = self.runner.submit(plan_ops.territory_choices, self.store)
        task.finished.connect(self._set_choices)

    def _set_choices(self, choices: object) -> None:
        assert isinstance(choices, list)
        current = self.territory_id()
        self.territory.blockSignals(True)
        self.territory.clear()
        for territory_id, label in choices:
            self.territory.addItem(label, territory_id or "")
        index = max(0, self.territory.findData(current or ""))
        self.territory.setCurrentIndex(index)
        self.territory.blockSignals(False)
        self.load()

    def load(self) -> None:
        territory = self.territory_id()
        task = self.runner.submit(_load, self.store, territory)
        task.finished.connect(self._show)
        task.failed.connect(lambda exc: show_problem(self, "Service levels not loaded", exc))

    def _show(self, loaded: object) -> None:
        assert isinstance(loaded, tuple)
        rows, may = loaded
        self.rows = rows
        for r in rows:
            low, high, minutes, answer, resolve, source = self.editors[r.segment]
            low.setValue(r.level.visit_min_days)
            high.setValue(r.level.visit_max_days)
            minutes.setValue(r.level.visit_minutes)
            answer.setValue(r.level.answer_hours)
            resolve.setValue(r.level.resolve_hours)
            source.setText("here" if r.row_id else f"inherited: {r.source}")
            for box in (low, high, minutes, answer, resolve):
                box.setEnabled(may)
        self.save_button.setEnabled(may)
        self.inherit_button.setEnabled(
            may and any(r.row_id for r in rows) and self.territory_id() is not None
        )
        self.note.setText(
            "Territories below this one inherit these levels unless they set their own. An account's own "
            "visit frequency (on its form) overrides its level's."
            if may
            else "Only managers of this territory and administrators change its service levels."
            if self.territory_id() is not None
            else "Only administrators change the company's default service levels; managers set their "
            "territories' own (choose one above)."
        )
        self.loaded.emit()

    def save(self) -> None:
        levels = []
        for segment in SEGMENTS:
            low, high, minutes, answer, resolve, _ = self.editors[segment]
            level = ServiceLevel(
                segment, low.value(), high.value(), minutes.value(), answer.value(), resolve.value()
            )
            current = next(r.level for r in self.rows if r.segment == segment)
            here = next(r.row_id for r in self.rows if r.segment == segment)
            if level != current or here:
                levels.append(level)
        task = self.runner.submit(_save, self.store, self.territory_id(), levels)
        task.finished.connect(lambda _r: self._changed("Service levels saved."))
        task.failed.connect(lambda exc: show_problem(self, "Service levels not saved", exc))

    def _changed(self, message: str) -> None:
        self.reported.emit(message)
        self.saved.emit()
        self.load()

    def inherit(self) -> None:
        task = self.runner.submit(_inherit, self.store, self.territory_id())
        task.finished.connect(lambda _r: self._changed("The territory inherits its service levels again."))
        task.failed.connect(lambda exc: show_problem(self, "Service levels not changed", exc))

    def open_checklists(self) -> QWidget:
        from sfa_desktop.ui.checklist_editor import open_checklists

        dialog = open_checklists(self, self.store, self.runner)
        dialog.saved.connect(lambda t: self.reported.emit(f"Checklist “{t.name}” saved."))
        return dialog

    def suggest(self) -> None:
        task = self.runner.submit(plan_ops.suggest_segments, self.store, self.territory_id())
        task.finished.connect(self._offer)
        task.failed.connect(lambda exc: show_problem(self, "No suggestion", exc))

    def _offer(self, suggestions: object) -> None:
        assert isinstance(suggestions, list)
        changing = [s for s in suggestions if s.changes]
        counts = {seg: sum(1 for s in suggestions if s.suggested == seg) for seg in SEGMENTS}
        if not changing:
            QMessageBox.information(
                self, "Suggest segments", "Every account already has its suggested segment."
            )
            return
        answer = QMessageBox.question(
            self,
            "Suggest segments",
            f"The ABC ranking of the last year suggests A for {counts['A']}, B for {counts['B']} and C for "
            f"{counts['C']} accounts; {len(changing)} would change. Give them these segments?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            task = self.runner.submit(plan_ops.apply_segments, self.store, changing)
            task.finished.connect(
                lambda n: self.reported.emit(f"{n} account(s) got their suggested segment.")
            )
            task.failed.connect(lambda exc: show_problem(self, "Segments not changed", exc))


def _load(store: LocalStore, territory_id: str | None) -> tuple[list[LevelRow], bool]:
    return plan_ops.levels(store, territory_id), plan_ops.may_set_levels(store, territory_id)


def _save(store: LocalStore, territory_id: str | None, levels: list[ServiceLevel]) -> None:
    for level in levels:
        plan_ops.set_level(store, territory_id, level)


def _inherit(store: LocalStore, territory_id: str | None) -> None:
    for segment in SEGMENTS:
        plan_ops.clear_level(store, territory_id, segment)


def make_page(window: Any) -> ServiceLevelsPage:
    page = ServiceLevelsPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    return page
