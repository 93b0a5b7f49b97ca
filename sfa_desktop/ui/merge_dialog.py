"""The merge dialog: duplicates side by side, one column each; pick the record that stays and, field by
field, the value it keeps.  Merging moves every related record and the history to it, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records import merge
from sfa_desktop.core.records.fields import ENTITIES, display_value
from sfa_desktop.ops import data as data_ops
from sfa_desktop.ops.data import MergeRecords
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

EMPTY = "—"


def _name(kind: str, values: dict[str, Any]) -> str:
    if kind == "accounts":
        return str(values.get("name") or "")
    return f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()


class MergeDialog(QDialog):
    """``merged(kind, survivor_id)`` fires after the merge was saved."""

    merged = Signal(str, str)

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        kind: str,
        record_ids: Sequence[str],
        reasons: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.store, self.runner, self.kind = store, runner, kind
        self.entity = ENTITIES[kind]
        self.setWindowTitle(f"Merge {self.entity.plural}")
        self.resize(min(360 + 260 * len(record_ids), 1200), 680)
        self.setMinimumSize(640, 480)
        self.records: MergeRecords | None = None
        self.reasons = list(reasons)
        self.survivor_buttons = QButtonGroup(self)
        self.field_groups: dict[str, QButtonGroup] = {}
        self.value_buttons: dict[tuple[str, str], QRadioButton] = {}
        self.include: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        self.title = named(QLabel(f"Merge {self.entity.plural}"), "dialogTitle")
        self.intro = QLabel("Loading…")
        self.intro.setWordWrap(True)
        self.scroll_area = named(QScrollArea(), "mergeScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.summary = named(QLabel(), "mergeSummary")
        self.summary.setWordWrap(True)
        self.message = named(QLabel(), "dialogMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        self.cancel_button = QPushButton("Cancel")
        self.merge_button = named(QPushButton("Merge"), "primaryButton")
        self.merge_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.reject)
        self.merge_button.clicked.connect(self.start_merge)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.merge_button)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        task = runner.submit(data_ops.load_for_merge, store, kind, list(record_ids))
        task.finished.connect(self._fill)
        task.failed.connect(lambda exc: self.intro.setText(str(exc)))

    # -- building -------------------------------------------------------------------------------------

    def _fill(self, records: object) -> None:
        assert isinstance(records, MergeRecords)
        self.records = records
        why = f" They are alike: {'; '.join(self.reasons)}." if self.reasons else ""
        self.intro.setText(
            f"Choose the {self.entity.singular} that stays and, for each field, the value it keeps.{why} "
            f"Everything related to the others moves to it; they are deleted and their ids lead to it."
        )
        grid_host = named(QWidget(), "mergeGrid")
        grid = QGridLayout(grid_host)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        grid.setColumnMinimumWidth(0, 130)
        for column, record_id in enumerate(records.ids, start=1):
            grid.addWidget(self._record_header(record_id, column == 1), 0, column)
            grid.setColumnStretch(column, 1)
        row = 1
        for spec in self.entity.fields:
            shown = {
                rid: display_value(spec, records.values[rid].get(spec.name))
                if spec.kind != "ref"
                else records.labels[rid].get(spec.name, "")
                for rid in records.ids
            }
            label = named(QLabel(spec.label), "fieldLabel")
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            group = QButtonGroup(self)
            group.setExclusive(True)
            same = len(set(shown.values())) == 1
            for column, record_id in enumerate(records.ids, start=1):
                text = shown[record_id] or EMPTY
                button = QRadioButton(text if len(text) < 90 else text[:88] + "…")
                button.setObjectName("mergeValue")
                button.setToolTip(shown[record_id])
                button.setEnabled(bool(shown[record_id]) and not same)
                group.addButton(button)
                self.value_buttons[(spec.name, record_id)] = button
                grid.addWidget(button, row, column, Qt.AlignmentFlag.AlignTop)
                button.toggled.connect(lambda _on: self._update_summary())
            self.field_groups[spec.name] = group
            row += 1
        grid.setRowStretch(row, 1)
        self.scroll_area.setWidget(grid_host)
        self._choose_defaults(records.ids[0])
        self.survivor_buttons.buttonToggled.connect(self._on_survivor_toggled)
        self.merge_button.setEnabled(True)
        self._update_summary()

    def _record_header(self, record_id: str, first: bool) -> QWidget:
        assert self.records is not None
        box = named(QFrame(), "mergeRecord")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(10, 8, 10, 8)
        name = named(QLabel(_name(self.kind, self.records.values[record_id])), "mergeRecordName")
        name.setWordWrap(True)
        related = self.records.related[record_id]
        details = QLabel(f"{related} related record{'s' if related != 1 else ''} · id {record_id[:8]}")
        details.setObjectName("formSubtitle")
        keep = QRadioButton("Keep this one")
        keep.setObjectName("keepRecord")
        keep.setChecked(first)
        self.survivor_buttons.addButton(keep)
        keep.setProperty("record_id", record_id)
        include = QCheckBox("Merge it")
        include.setChecked(True)
        include.setEnabled(not first)
        include.toggled.connect(lambda _on: self._update_summary())
        self.include[record_id] = include
        layout.addWidget(name)
        layout.addWidget(details)
        layout.addWidget(keep)
        layout.addWidget(include)
        return box

    def _choose_defaults(self, survivor: str) -> None:
        """The survivor's values, and for its empty fields the first other record's value."""
        assert self.records is not None
        values = merge.chosen_values(self.kind, self.records.values, survivor)
        for spec in self.entity.fields:
            pick = survivor
            if self.records.values[survivor].get(spec.name) in (None, ""):
                pick = next(
                    (
                        r
                        for r in self.records.ids
                        if self.records.values[r].get(spec.name) == values[spec.name]
                    ),
                    survivor,
                )
            button = self.value_buttons[(spec.name, pick)]
            if button.isEnabled():
                button.setChecked(True)
            else:  # all equal or all empty: nothing to choose
                group = self.field_groups[spec.name]
                group.setExclusive(False)
                for other in group.buttons():
                    other.setChecked(False)
                group.setExclusive(True)

    def _on_survivor_toggled(self, _button: object, on: bool) -> None:
        if on:
            self._on_survivor()

    def _on_survivor(self) -> None:
        survivor = self.survivor()
        for record_id, box in self.include.items():
            box.setEnabled(record_id != survivor)
            if record_id == survivor:
                box.setChecked(True)
        self._choose_defaults(survivor)
        self._update_summary()

    # -- choosing -------------------------------------------------------------------------------------

    def survivor(self) -> str:
        checked = self.survivor_buttons.checkedButton()
        return str(checked.property("record_id")) if checked is not None else ""

    def merged_ids(self) -> list[str]:
        assert self.records is not None
        survivor = self.survivor()
        return [r for r in self.records.ids if r != survivor and self.include[r].isChecked()]

    def take(self) -> dict[str, str]:
        """Field -> the record whose value the survivor keeps (only where that is another record)."""
        survivor = self.survivor()
        chosen: dict[str, str] = {}
        for (field_name, record_id), button in self.value_buttons.items():
            if button.isChecked() and record_id != survivor:
                chosen[field_name] = record_id
        return chosen

    def choose(self, field_name: str, record_id: str) -> None:
        self.value_buttons[(field_name, record_id)].setChecked(True)

    def keep(self, record_id: str) -> None:
        for button in self.survivor_buttons.buttons():
            if button.property("record_id") == record_id:
                button.setChecked(True)

    def _update_summary(self) -> None:
        if self.records is None:
            return
        survivor = self.survivor()
        others = self.merged_ids()
        moved = sum(self.records.related[r] for r in others)
        taken = [self.entity.by_name[f].label.lower() for f, r in self.take().items() if r in others]
        name = _name(self.kind, self.records.values[survivor])
        text = f"<b>{name}</b> stays"
        if taken:
            text += f", taking the other's {', '.join(taken)}"
        text += f"; {moved} related record{'s' if moved != 1 else ''} move to it; "
        text += f"{len(others)} {self.entity.singular if len(others) == 1 else self.entity.plural} deleted."
        self.summary.setText(text)
        self.merge_button.setEnabled(bool(others))

    def start_merge(self) -> None:
        survivor, others = self.survivor(), self.merged_ids()
        take = {f: r for f, r in self.take().items() if r in others}
        self.merge_button.setEnabled(False)
        self.message.setText("Merging…")
        task = self.runner.submit(data_ops.merge_records, self.store, self.kind, survivor, others, take)
        task.finished.connect(lambda _result: self._done(survivor))
        task.failed.connect(self._failed)

    def _done(self, survivor: str) -> None:
        self.merged.emit(self.kind, survivor)
        self.accept()

    def _failed(self, exc: object) -> None:
        self.message.setText(f"Not merged: {exc}")
        self.merge_button.setEnabled(True)
