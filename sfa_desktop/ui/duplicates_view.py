"""Tools > Find duplicates…: likely duplicate groups of accounts, contacts or leads, with the reasons, and
the merge of a group; and the record action that looks for the duplicates of the record on screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.duplicates import Group
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.ops import data as data_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.merge_dialog import MergeDialog
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

KINDS = ("accounts", "contacts", "leads")
_GROUP_ROLE = Qt.ItemDataRole.UserRole + 1


class DuplicatesDialog(QDialog):
    """``merged(kind, survivor_id)`` fires after each merge made from here."""

    merged = Signal(str, str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str = "contacts", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesDialog")
        self.setWindowTitle("Find duplicates")
        self.resize(860, 600)
        self.setMinimumSize(640, 420)
        self.store, self.runner = store, runner
        self.kind = kind if kind in KINDS else "contacts"
        self.groups: list[Group] = []
        self.loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        layout.addWidget(named(QLabel("Likely duplicates"), "dialogTitle"))
        explain = QLabel(
            "Records that share an email, a phone or a web domain, or have similar names at the same "
            "company. Select a group and merge it, or leave it: nothing changes until you merge."
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        tabs = QHBoxLayout()
        tabs.setSpacing(0)
        self.kind_buttons = QButtonGroup(self)
        for key in KINDS:
            button = named(QPushButton(ENTITIES[key].plural.capitalize()), "segment")
            button.setCheckable(True)
            button.setMinimumWidth(110)
            button.setChecked(key == self.kind)
            button.setProperty("kind", key)
            self.kind_buttons.addButton(button)
            tabs.addWidget(button)
        tabs.addStretch(1)
        self.count_label = named(QLabel(), "sectionCount")
        tabs.addWidget(self.count_label)
        layout.addLayout(tabs)
        self.tree = named(QTreeWidget(), "duplicatesTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(("Records", "Why they look alike", "Likeness"))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().resizeSection(0, 330)
        self.tree.header().resizeSection(1, 380)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda _item, _col: self.merge_selected())
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.message = named(QLabel(), "dialogMessage")
        buttons.addWidget(self.message, 1)
        self.close_button = QPushButton("Close")
        self.merge_button = named(QPushButton("Merge…"), "primaryButton")
        self.close_button.clicked.connect(self.accept)
        self.merge_button.clicked.connect(self.merge_selected)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.merge_button)
        layout.addLayout(buttons)
        self.kind_buttons.buttonToggled.connect(self._on_kind_toggled)
        self.refresh()

    def _on_kind_toggled(self, button: QPushButton, on: bool) -> None:
        if on and button.property("kind") != self.kind:
            self.show_kind(str(button.property("kind")))

    def show_kind(self, kind: str) -> None:
        self.kind = kind
        for button in self.kind_buttons.buttons():
            button.setChecked(button.property("kind") == kind)
        self.refresh()

    def refresh(self) -> None:
        self.loading = True
        self.count_label.setText("Looking…")
        self.tree.clear()
        self._update_buttons()
        kind = self.kind
        task = self.runner.submit(data_ops.find_groups, self.store, kind)
        task.finished.connect(lambda groups: self._show(kind, groups))
        task.failed.connect(lambda exc: self.message.setText(str(exc)))

    def _show(self, kind: str, groups: object) -> None:
        assert isinstance(groups, list)
        if kind != self.kind:
            return
        self.loading = False
        self.groups = groups
        self.tree.clear()
        for number, group in enumerate(groups):
            first = group.members[0]
            more = len(group.members) - 1
            top = QTreeWidgetItem(
                [f"{first.label}  +{more} more", " · ".join(group.reasons()), f"{group.score}%"]
            )
            top.setData(0, _GROUP_ROLE, number)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for member in group.members:
                child = QTreeWidgetItem([member.label, f"id {member.ref[:8]}", ""])
                child.setData(0, _GROUP_ROLE, number)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        noun = ENTITIES[kind].plural
        self.count_label.setText(
            f"{len(groups):,} group{'s' if len(groups) != 1 else ''} of likely duplicate {noun}"
            if groups
            else f"No likely duplicate {noun}"
        )
        first_item = self.tree.topLevelItem(0)
        if first_item is not None:
            self.tree.setCurrentItem(first_item)
        self._update_buttons()

    def selected_group(self) -> Group | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        number = item.data(0, _GROUP_ROLE)
        return self.groups[number] if isinstance(number, int) and number < len(self.groups) else None

    def _update_buttons(self) -> None:
        self.merge_button.setEnabled(self.selected_group() is not None and not self.loading)

    def merge_selected(self) -> MergeDialog | None:
        group = self.selected_group()
        if group is None:
            return None
        dialog = MergeDialog(
            self.store, self.runner, self.kind, [m.ref for m in group.members], group.reasons(), self
        )
        dialog.merged.connect(self._on_merged)
        dialog.open()
        return dialog

    def _on_merged(self, kind: str, survivor: str) -> None:
        self.message.setText("Merged. The merge goes to the central store at the next sync.")
        self.merged.emit(kind, survivor)
        self.refresh()


def _after_merge(window: Any, kind: str, survivor: str) -> None:
    for page in window.sections.values():
        page.model.reload()
    window.refresh_counts()
    window.refresh_pending()
    if kind in window.sections:
        window.sections[kind].open_record(survivor)


def open_duplicates(window: Any) -> None:
    """Tools > Find duplicates… (``extensions.WINDOW_ACTIONS``)."""
    kind = window.current_kind() if window.current_kind() in KINDS else "contacts"
    dialog = DuplicatesDialog(window.store, window.runner, kind, window)
    dialog.merged.connect(lambda k, survivor: _after_merge(window, k, survivor))
    dialog.open()


def merge_with_duplicates(page: Any, record_id: str) -> None:
    """The record action: the likely duplicates of the record on screen, to merge with it."""
    kind = page.kind
    task = page.form._runner.submit(data_ops.find_for_record, page.form._store, kind, record_id)
    task.finished.connect(lambda found: _offer(page, kind, record_id, found))


def _offer(page: Any, kind: str, record_id: str, found: object) -> None:
    assert isinstance(found, list)
    ent = ENTITIES[kind]
    if not found:
        page.form.reported.emit(f"No likely duplicates of this {ent.singular}.")
        return
    reasons = [r for c in found for r in c.verdict.reasons]
    dialog = MergeDialog(
        page.form._store,
        page.form._runner,
        kind,
        [record_id, *[c.record_id for c in found[:3]]],
        list(dict.fromkeys(reasons)),
        page,
    )
    dialog.merged.connect(lambda _k, survivor: _after_record_merge(page, survivor))
    dialog.open()


def _after_record_merge(page: Any, survivor: str) -> None:
    page.model.reload()
    page.recordsChanged.emit()
    page.open_record(survivor)
