"""The import preview as a table model: one row per file row (line, what happens, who, why), filterable by
outcome.  Holds the plan in memory and formats rows as the view asks, so 50,000 rows cost nothing to show."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.transfer.importer import Plan, PlannedRow

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Line", "Outcome", "Record", "Details")
OUTCOMES = {
    "create": ("New", "#15803d"),
    "update": ("Completes a match", "#1d4ed8"),
    "unchanged": ("Already there", "#64748b"),
    "skip": ("Skipped", "#64748b"),
    "reject": ("Problem", "#b91c1c"),
}
#: What the preview can show: label -> outcomes.
SHOWING = {
    "All rows": ("create", "update", "unchanged", "skip", "reject"),
    "Rows with problems": ("reject",),
    "New records": ("create",),
    "Matches of existing records": ("update", "unchanged", "skip"),
}


def record_label(kind: str, row: PlannedRow) -> str:
    if row.action == "reject" and row.source is not None:  # not cleaned: show what the file says
        cells = row.source.cells or list((row.source.card or {}).values())
        return " · ".join(c.strip() for c in cells[:4] if c.strip())[:80]
    values = row.values or {}
    if kind == "accounts":
        name = str(values.get("name") or "")
    else:
        name = f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()
        company = row.account_name or values.get("company")
        if company:
            name += f" · {company}"
    if not name and row.source is not None:
        name = " ".join(c for c in row.source.cells[:3] if c.strip()) or (row.source.card or {}).get(
            "last_name", ""
        )
    return name


def details(kind: str, row: PlannedRow) -> str:
    ent = ENTITIES[kind]
    if row.action == "reject":
        return " ".join(row.problems.values())
    notes = list(row.warnings)
    if row.action == "update":
        filled = ", ".join(ent.by_name[n].label.lower() for n in row.changes if n in ent.by_name)
        extra = [f"adds {filled}"] if filled else []
        if row.account_name:
            extra.append(f"new account {row.account_name}")
        notes.insert(0, f"Matches {row.match_label} ({'; '.join(row.reasons)}): " + ", ".join(extra) + ".")
    elif row.action in ("unchanged", "skip") and row.match_label:
        notes.insert(0, f"Matches {row.match_label} ({'; '.join(row.reasons)}).")
    elif row.action == "skip":
        notes.insert(0, f"{row.reasons[0].capitalize()} ({'; '.join(row.reasons[1:])}).")
    elif row.action == "create" and row.account_name:
        notes.insert(0, f"New account {row.account_name}.")
    return " ".join(notes)


class PreviewModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self._rows: list[PlannedRow] = []
        self._shown: dict[int, tuple[PlannedRow, str, str]] = {}
        self.showing = "All rows"

    def set_plan(self, plan: Plan | None) -> None:
        self.beginResetModel()
        self.plan = plan
        self._filter()
        self.endResetModel()

    def show_only(self, label: str) -> None:
        self.beginResetModel()
        self.showing = label
        self._filter()
        self.endResetModel()

    def _filter(self) -> None:
        wanted = SHOWING[self.showing]
        self._shown.clear()
        self._rows = [r for r in self.plan.rows if r.action in wanted] if self.plan is not None else []

    def row_at(self, row: int) -> PlannedRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.plan is None:
            return None
        row = self.row_at(index.row())
        if row is None or not 0 <= index.column() < len(COLUMNS):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QBrush(QColor(OUTCOMES[row.action][1]))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignRight if column == 0 else Qt.AlignmentFlag.AlignLeft
            return int((align | Qt.AlignmentFlag.AlignVCenter).value)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        kind = self.plan.options.kind
        if column == 0:
            return str(row.line)
        if column == 1:
            return OUTCOMES[row.action][0]
        shown = self._shown.get(id(row))  # a row's values are read again from the file: once per row shown
        if shown is None or shown[0] is not row:
            if len(self._shown) > 2000:
                self._shown.clear()
            shown = self._shown[id(row)] = (row, record_label(kind, row), details(kind, row))
        return shown[1] if column == 2 else shown[2]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None
