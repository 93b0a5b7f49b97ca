"""The items of a visit checklist as the Visit checklists… dialog (``ui.checklist_editor``) edits them: a
:class:`Draft` per item (its range as typed), turned into the JSON ``ops.visits.save_template`` takes with
every mistake named by item (:func:`items_of`), and the item list's keyboard (:class:`ItemList`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListWidget

from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.visits import templates
from sfa_desktop.core.visits.templates import TYPE_LABELS

KIND_NAMES = {"yesno": "Yes / no", "number": "Number", "text": "Text", "photo": "Photo"}
SEGMENT_CHOICES = (
    ("", "Default (any segment)"),
    *((s, f"Segment {s}") for s in templates.SEGMENTS),
)


@dataclass
class Draft:
    """An item as the dialog edits it: min and max as typed (checked when saving)."""

    key: str
    label: str
    type: str
    required: bool
    min: str = ""
    max: str = ""

    @classmethod
    def of(cls, item: templates.Item) -> Draft:
        return cls(
            item.key,
            item.label,
            item.type,
            item.required,
            "" if item.min is None else f"{item.min:g}",
            "" if item.max is None else f"{item.max:g}",
        )

    def summary(self) -> str:
        parts = [TYPE_LABELS[self.type], "required" if self.required else "optional"]
        if self.type == "number" and (self.min or self.max):
            parts.append(f"{self.min or '…'} to {self.max or '…'}")
        return " · ".join(parts)


def _number(text: str, where: str, what: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise ValidationError({where: f"{where}: the {what} '{text.strip()}' is not a number."}) from None


def items_of(drafts: list[Draft]) -> str:
    """The items as ``save_template`` takes them (JSON), new items keyed from their label; raises
    ValidationError (naming the item, by number and label) for what the core's check would refuse less
    clearly: an empty label, a range that is not numbers."""
    if not drafts:
        raise ValidationError({"items": "A checklist needs at least one item: add one with + Item."})
    taken = {d.key for d in drafts if d.key}
    found: list[dict[str, Any]] = []
    for number, draft in enumerate(drafts, start=1):
        label = " ".join(draft.label.split())
        where = f"item {number}" + (f" ({label})" if label else "")
        if not label:
            raise ValidationError({f"item {number}": f"item {number}: give it a label."})
        key = draft.key or templates.new_key(label, taken)
        taken.add(key)
        entry: dict[str, Any] = {"key": key, "label": label, "type": draft.type, "required": draft.required}
        if draft.type == "number":
            low, high = _number(draft.min, where, "minimum"), _number(draft.max, where, "maximum")
            if low is not None and high is not None and low > high:
                raise ValidationError(
                    {where: f"{where}: the minimum {low:g} is above the maximum {high:g}; swap them."}
                )
            entry.update({"min": low, "max": high})
        found.append(entry)
    return json.dumps(found)


class ItemList(QListWidget):
    """The items: Ctrl+Up / Ctrl+Down move the current one, Delete removes it, Insert adds one."""

    moveRequested = Signal(int)
    removeRequested = Signal()
    addRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moveRequested.emit(-1 if key == Qt.Key.Key_Up else 1)
        elif key == Qt.Key.Key_Delete:
            self.removeRequested.emit()
        elif key == Qt.Key.Key_Insert:
            self.addRequested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
