"""Before a new account, contact or lead is saved: are they here already?  The likely duplicates are shown
with why they look alike; the person opens the existing one, saves anyway, or keeps editing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.duplicates import Candidate
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.ops import data as data_ops
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

OPEN, SAVE, EDIT = "open", "save", "edit"


class DuplicateWarning(QDialog):
    def __init__(self, kind: str, candidates: Sequence[Candidate], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateWarning")
        ent = ENTITIES[kind]
        self.setWindowTitle(f"This {ent.singular} may be here already")
        self.setMinimumWidth(520)
        self.choice = EDIT
        self.candidates = list(candidates)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        layout.addWidget(named(QLabel(f"This {ent.singular} may be here already"), "dialogTitle"))
        many = len(self.candidates) > 1
        intro = QLabel(
            f"{'These' if many else 'This'} {ent.plural if many else ent.singular} look{'' if many else 's'} "
            f"like the one you are creating. Open the existing one instead of making a duplicate, or save "
            "the new one anyway."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = named(QListWidget(), "duplicatesTree")
        for candidate in self.candidates[:8]:
            item = QListWidgetItem(icon(kind), f"{candidate.label}\n{'; '.join(candidate.verdict.reasons)}")
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self._choose(OPEN))
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        keep = QPushButton("Keep editing")
        save = QPushButton("Save anyway")
        open_existing = named(QPushButton("Open the existing one"), "primaryButton")
        open_existing.setDefault(True)
        keep.clicked.connect(lambda: self._choose(EDIT))
        save.clicked.connect(lambda: self._choose(SAVE))
        open_existing.clicked.connect(lambda: self._choose(OPEN))
        buttons.addWidget(keep)
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(open_existing)
        layout.addLayout(buttons)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def chosen_id(self) -> str:
        return self.candidates[max(self.list.currentRow(), 0)].record_id


def ask_duplicate(parent: QWidget, kind: str, candidates: Sequence[Candidate]) -> tuple[str, str | None]:
    """(OPEN, id) | (SAVE, None) | (EDIT, None).  Tests replace this to answer without a dialog."""
    dialog = DuplicateWarning(kind, candidates, parent)
    dialog.exec()
    return dialog.choice, dialog.chosen_id() if dialog.choice == OPEN else None


def check_new_record(page: Any, values: dict[str, Any], save: Callable[[], None]) -> None:
    """``RecordForm.before_create`` of a section: look for likely duplicates in the background, then ask."""
    form = page.form
    task = form._runner.submit(data_ops.likely_duplicates, form._store, page.kind, values)
    task.finished.connect(lambda found: _decide(page, found, save))
    task.failed.connect(lambda _exc: save())  # the check must never stop a save


def _decide(page: Any, found: object, save: Callable[[], None]) -> None:
    assert isinstance(found, list)
    if not found:
        save()
        return
    choice, record_id = ask_duplicate(page, page.kind, found)
    if choice == SAVE:
        save()
    elif choice == OPEN and record_id is not None:
        page.form.discard_changes()
        page.open_record(record_id)
    else:
        page.form.save_button.setEnabled(True)
