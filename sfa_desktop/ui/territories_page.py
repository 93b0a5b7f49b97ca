"""The Territories page: the territory tree, each territory's members and assignment rules, and Run
assignment.  Only what the local user may change is offered (``core.access.rights``): a rep reads, a
manager edits the territories below theirs, an admin (or a laptop not connected) edits everything."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.territories.tree import TerritoryError, TerritoryNode, below, flatten
from sfa_desktop.ops import territories as territory_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.assignment_panel import AssignmentPanel
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.territory_dialogs import MemberDialog, RuleDialog, TerritoryDialog
from sfa_desktop.ui.widgets import named

TREE_COLUMNS = ("Territory", "Code", "Accounts", "Open leads", "Reps")
_ID = Qt.ItemDataRole.UserRole


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = named(QTableWidget(0, len(columns)), name)
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    return table


class TerritoriesPage(QWidget):
    """``loaded()`` fires when the tree (and the selected territory) is on screen; ``changed()`` after an
    edit was saved (it waits for the next sync)."""

    loaded = Signal()
    changed = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("territoriesPage")
        self.store = store
        self.runner = runner
        self.data: territory_ops.TreeData | None = None
        self.nodes: dict[str, TerritoryNode] = {}
        self._select: str | None = None
        self._build()

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(named(QLabel("Territories"), "sectionTitle"))
        self.rights_label = named(QLabel(), "sectionCount")
        self.rights_label.setWordWrap(True)
        titles.addWidget(self.rights_label)
        bar.addLayout(titles)
        bar.addStretch(1)
        self.assign_button = QPushButton(icon("sync"), "Run assignment…")
        self.assign_button.setToolTip("Preview which accounts and leads the rules would move, then move them")
        self.new_button = named(QPushButton(icon("add", "#ffffff"), "New territory"), "primaryButton")
        bar.addWidget(self.assign_button)
        bar.addWidget(self.new_button)

        self.tree = named(QTreeWidget(), "territoryTree")
        self.tree.setHeaderLabels(TREE_COLUMNS)
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        tree_header = self.tree.header()
        tree_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree_header.setStretchLastSection(False)
        for column, width in ((1, 80), (2, 92), (3, 100), (4, 140)):
            tree_header.resizeSection(column, width)
        self.tree.currentItemChanged.connect(lambda _c, _p: self._show_selected())

        detail = named(QWidget(), "territoryDetail")
        d = QVBoxLayout(detail)
        d.setContentsMargins(20, 16, 20, 16)
        d.setSpacing(6)
        top = QHBoxLayout()
        names = QVBoxLayout()
        self.name_label = named(QLabel(), "formTitle")
        self.path_label = named(QLabel(), "formSubtitle")
        self.path_label.setWordWrap(True)
        names.addWidget(self.name_label)
        names.addWidget(self.path_label)
        top.addLayout(names, 1)
        self.edit_button = QPushButton("Edit…")
        self.delete_button = named(QPushButton(icon("delete"), "Delete"), "dangerButton")
        top.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        d.addLayout(top)
        self.description = named(QLabel(), "formSubtitle")
        self.description.setWordWrap(True)
        d.addWidget(self.description)

        d.addWidget(named(QLabel("MEMBERS"), "formSection"))
        self.members = _table(("Name", "Login", "Role"), "membersTable")
        self.members.setMaximumHeight(150)
        self.members.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        d.addWidget(self.members)
        member_buttons = QHBoxLayout()
        self.add_member_button = QPushButton(icon("add"), "Add member…")
        self.remove_member_button = QPushButton("Remove")
        member_buttons.addWidget(self.add_member_button)
        member_buttons.addWidget(self.remove_member_button)
        member_buttons.addStretch(1)
        d.addLayout(member_buttons)

        d.addWidget(named(QLabel("ASSIGNMENT RULES"), "formSection"))
        self.rules = _table(("Priority", "Rule", "Conditions", "Applies to"), "rulesTable")
        rules_header = self.rules.horizontalHeader()
        rules_header.resizeSection(0, 76)
        rules_header.resizeSection(1, 190)
        rules_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        d.addWidget(self.rules, 1)
        rule_buttons = QHBoxLayout()
        self.add_rule_button = QPushButton(icon("add"), "Add rule…")
        self.edit_rule_button = QPushButton("Edit…")
        self.remove_rule_button = QPushButton("Remove")
        for button in (self.add_rule_button, self.edit_rule_button, self.remove_rule_button):
            rule_buttons.addWidget(button)
        rule_buttons.addStretch(1)
        d.addLayout(rule_buttons)
        self.message = named(QLabel(), "panelSummary")
        self.message.setWordWrap(True)
        d.addWidget(self.message)

        # the detail scrolls, so the splitter below can give the assignment preview the room it needs
        self.detail_scroll = named(QScrollArea(), "territoryDetailScroll")
        self.detail_scroll.setWidgetResizable(True)
        self.detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.detail_scroll.setWidget(detail)
        self.tree.setMinimumHeight(90)
        upper = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        upper.addWidget(self.tree)
        upper.addWidget(self.detail_scroll)
        upper.setStretchFactor(0, 1)
        upper.setStretchFactor(1, 1)
        upper.setSizes([680, 560])  # the tree: names whole beside four figure columns
        upper.setChildrenCollapsible(False)
        self.panel = AssignmentPanel(self.store, self.runner)
        self.panel.hide()
        self.splitter = named(QSplitter(Qt.Orientation.Vertical), "assignmentSplitter")
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.panel)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(7)
        self.splitter.setSizes([430, 330])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.splitter, 1)

        self.new_button.clicked.connect(self.new_territory)
        self.edit_button.clicked.connect(self.edit_territory)
        self.delete_button.clicked.connect(self.delete_territory)
        self.add_member_button.clicked.connect(self.add_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.add_rule_button.clicked.connect(self.add_rule)
        self.edit_rule_button.clicked.connect(self.edit_rule)
        self.rules.itemDoubleClicked.connect(lambda _item: self.edit_rule())
        self.remove_rule_button.clicked.connect(self.remove_rule)
        self.assign_button.clicked.connect(self.run_assignment)
        self.members.itemSelectionChanged.connect(self._update_buttons)
        self.rules.itemSelectionChanged.connect(self._update_buttons)
        self.panel.applied.connect(lambda _n: self.reload())

    # -- loading --------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self._select = select or self.selected_id()
        self.runner.submit(territory_ops.load_tree, self.store).finished.connect(self._show_tree)

    def _show_tree(self, data: object) -> None:
        assert isinstance(data, territory_ops.TreeData)
        self.data = data
        self.nodes = {n.id: n for n in flatten(data.roots)}
        self.rights_label.setText(data.rights.describe())
        self.tree.blockSignals(True)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for node in flatten(data.roots):
            reps = ", ".join(m.full_name for m in node.members if m.role == "rep")
            values = (
                node.name,
                node.code,
                f"{node.total_accounts:,}",
                f"{node.total_leads:,}",
                reps or "\u2013",
            )
            parent = items.get(node.parent_id or "")
            item = QTreeWidgetItem(parent if parent is not None else self.tree, list(values))
            item.setData(0, _ID, node.id)
            item.setIcon(0, icon("accounts" if node.children else "contacts", "#64748b"))
            for column in (2, 3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            items[node.id] = item
        self.tree.expandAll()
        self.tree.blockSignals(False)
        target = items.get(self._select or "") or (
            self.tree.topLevelItem(0) if self.tree.topLevelItemCount() else None
        )
        if target is not None:
            self.tree.setCurrentItem(target)
        self._show_selected()
        self.loaded.emit()

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, _ID))

    def selected(self) -> TerritoryNode | None:
        territory_id = self.selected_id()
        return self.nodes.get(territory_id) if territory_id else None

    def _show_selected(self) -> None:
        node = self.selected()
        self.members.setRowCount(0)
        self.rules.setRowCount(0)
        if node is None:
            self.name_label.setText("No territories yet")
            self.path_label.setText("Create the first one with New territory.")
            self.description.clear()
            self._update_buttons()
            return
        self.name_label.setText(node.name)
        path = []
        parent = self.nodes.get(node.parent_id or "")
        while parent is not None:
            path.append(parent.name)
            parent = self.nodes.get(parent.parent_id or "")
        where = "part of " + " \u203a ".join(reversed(path)) if path else "a top-level territory"
        below_text = f"; {len(node.children)} below it" if node.children else ""
        self.path_label.setText(
            f"{node.code} · {where}{below_text} · {node.total_accounts:,} accounts and {node.total_leads:,} "
            "open leads on this laptop (with the territories below it)"
        )
        self.description.setText(node.description or "")
        self.description.setVisible(bool(node.description))
        self.members.setRowCount(len(node.members))
        for row, member in enumerate(node.members):
            for column, value in enumerate((member.full_name, member.login, member.role.capitalize())):
                item = QTableWidgetItem(value)
                item.setData(_ID, member.membership_id)
                self.members.setItem(row, column, item)
        rules = self.data.rules.get(node.id, []) if self.data else []
        self.rules.setRowCount(len(rules))
        scope = {"both": "Accounts and leads", "accounts": "Accounts", "leads": "Leads"}
        for row, (rule, active) in enumerate(rules):
            name = rule.name if active else f"{rule.name} (inactive)"
            values = (str(rule.priority), name, rule.describe(), scope.get(rule.applies_to, rule.applies_to))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(_ID, rule.id)
                item.setToolTip(value)
                self.rules.setItem(row, column, item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        rights = self.data.rights if self.data else None
        node = self.selected()
        editable = bool(
            rights and node and rights.may_edit_territory({"id": node.id, "parent_id": node.parent_id})
        )
        inside = bool(rights and node and rights.may_edit_in(node.id))
        can_add = bool(
            rights and (rights.may_add_territory(node.id if node else None) or rights.may_add_territory(None))
        )
        self.new_button.setEnabled(can_add)
        self.edit_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.add_member_button.setEnabled(inside)
        self.remove_member_button.setEnabled(inside and bool(self.members.selectedItems()))
        self.add_rule_button.setEnabled(inside)
        self.edit_rule_button.setEnabled(inside and bool(self.rules.selectedItems()))
        self.remove_rule_button.setEnabled(inside and bool(self.rules.selectedItems()))
        self.assign_button.setEnabled(bool(rights and rights.manages))
        for button in (self.edit_button, self.delete_button, self.add_member_button, self.add_rule_button):
            button.setToolTip(
                ""
                if button.isEnabled()
                else "Only your manager or an administrator may change this territory"
            )

    # -- choices for the dialogs ------------------------------------------------------------------

    def _labels(self, allowed: Any) -> list[tuple[str, str]]:
        return [(n.id, "    " * n.depth + n.label) for n in self.nodes.values() if allowed(n)]

    def parent_choices(self, node: TerritoryNode | None) -> list[tuple[str, str]]:
        """Where a territory may be put (not under itself or below it), by the user's rights."""
        assert self.data is not None
        rights = self.data.rights
        children: dict[str | None, list[str]] = {}
        for n in self.nodes.values():
            children.setdefault(n.parent_id, []).append(n.id)
        inside = below([node.id], children) if node else set()
        current = {"id": node.id, "parent_id": node.parent_id} if node else None

        def allowed_parent(parent_id: str | None) -> bool:
            if current is None:
                return rights.may_add_territory(parent_id)
            return parent_id == node.parent_id or rights.may_move_territory(current, parent_id)  # type: ignore[union-attr]

        top = [("", "(none: a top-level territory)")] if allowed_parent(None) else []
        return top + self._labels(lambda n: n.id not in inside and allowed_parent(n.id))

    # -- territory edits --------------------------------------------------------------------------

    def _saved(self, record_id: str, message: str) -> None:
        self.message.setText(message + " It goes to the central store with the next sync.")
        self.changed.emit()
        self.reload(record_id)

    def new_territory(self) -> TerritoryDialog:
        node = self.selected()
        choices = self.parent_choices(None)
        parent_id = node.id if node and any(c[0] == node.id for c in choices) else None
        dialog = TerritoryDialog(
            self.runner,
            lambda values: territory_ops.save_territory(self.store, None, values),
            choices,
            None,
            parent_id,
            self,
        )
        dialog.saved.connect(lambda rid: self._saved(rid, "Territory added."))
        dialog.open()
        return dialog

    def edit_territory(self) -> TerritoryDialog | None:
        node = self.selected()
        if node is None:
            return None
        current = {
            "code": node.code,
            "name": node.name,
            "parent_id": node.parent_id,
            "description": node.description,
        }
        territory_id = node.id
        dialog = TerritoryDialog(
            self.runner,
            lambda values: territory_ops.save_territory(self.store, territory_id, values),
            self.parent_choices(node),
            current,
            parent=self,
        )
        dialog.saved.connect(lambda rid: self._saved(rid, "Territory saved."))
        dialog.open()
        return dialog

    def delete_territory(self, confirm: bool = True) -> None:
        node = self.selected()
        if node is None:
            return
        if confirm:
            answer = QMessageBox.warning(
                self,
                "Delete territory",
                f"Delete {node.label} with its memberships and rules?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        task = self.runner.submit(territory_ops.delete_territory, self.store, node.id)
        task.finished.connect(lambda _n: self._saved(node.parent_id or "", f"{node.label} was deleted."))
        task.failed.connect(self._refused)

    def _refused(self, exc: object) -> None:
        self.message.setText(str(exc) if isinstance(exc, TerritoryError) else f"Not changed: {exc}")

    # -- members and rules ----------------------------------------------------------------------------

    def add_member(self) -> MemberDialog | None:
        node = self.selected()
        if node is None or self.data is None:
            return None
        taken = {m.user_id for m in node.members}
        users = [(uid, f"{name} ({login})") for uid, name, login in self.data.users if uid not in taken]
        territory_id = node.id
        dialog = MemberDialog(
            self.runner,
            lambda values: territory_ops.add_member(
                self.store, territory_id, values["user_id"] or "", values["role"] or "rep"
            ),
            users,
            node.label,
            self,
        )
        dialog.saved.connect(lambda _id: self._saved(territory_id, "Member added."))
        dialog.open()
        return dialog

    def remove_member(self) -> None:
        items = self.members.selectedItems()
        node = self.selected()
        if not items or node is None:
            return
        membership_id = str(items[0].data(_ID))
        task = self.runner.submit(territory_ops.remove_member, self.store, membership_id)
        task.finished.connect(lambda _r: self._saved(node.id, "Member removed."))
        task.failed.connect(self._refused)

    def _rule_territories(self) -> list[tuple[str, str]]:
        assert self.data is not None
        rights = self.data.rights
        return self._labels(lambda n: rights.may_edit_in(n.id))

    def add_rule(self) -> RuleDialog | None:
        node = self.selected()
        if node is None:
            return None
        dialog = RuleDialog(
            self.runner,
            lambda values: territory_ops.save_rule(self.store, None, values),
            self._rule_territories(),
            node.id,
            None,
            self,
        )
        dialog.saved.connect(lambda _id: self._saved(node.id, "Rule added."))
        dialog.open()
        return dialog

    def edit_rule(self) -> None:
        items = self.rules.selectedItems()
        node = self.selected()
        if not items or node is None or not self.edit_rule_button.isEnabled():
            return
        rule_id = str(items[0].data(_ID))
        task = self.runner.submit(territory_ops.rule_values, self.store, rule_id)
        task.finished.connect(lambda values: self._open_rule(rule_id, node.id, values))

    def _open_rule(self, rule_id: str, territory_id: str, values: object) -> None:
        assert isinstance(values, dict)
        self.rule_dialog = RuleDialog(
            self.runner,
            lambda changed: territory_ops.save_rule(self.store, rule_id, changed),
            self._rule_territories(),
            territory_id,
            values,
            self,
        )
        self.rule_dialog.saved.connect(lambda _id: self._saved(territory_id, "Rule saved."))
        self.rule_dialog.open()

    def remove_rule(self) -> None:
        items = self.rules.selectedItems()
        node = self.selected()
        if not items or node is None:
            return
        task = self.runner.submit(territory_ops.remove_rule, self.store, str(items[0].data(_ID)))
        task.finished.connect(lambda _r: self._saved(node.id, "Rule removed."))
        task.failed.connect(self._refused)

    # -- assignment -------------------------------------------------------------------------------

    def run_assignment(self) -> None:
        node = self.selected()
        label = f"{node.label} and the territories below it" if node and node.children else None
        opening = self.panel.isHidden()
        self.panel.run(node.id if node else None, label or (node.label if node else "all territories"))
        if opening:
            self.give_panel_room()

    def give_panel_room(self) -> None:
        """The preview takes two thirds of the height (the tree keeps a few rows); the handle between them
        drags."""
        total = max(sum(self.splitter.sizes()), self.splitter.height())
        self.splitter.setSizes([total // 3, total - total // 3])


def make_page(window: Any) -> TerritoriesPage:
    """The page for ``extensions.PAGES``; refreshed when shown and after every sync."""
    page = TerritoriesPage(window.store, window.runner)
    page.changed.connect(window.refresh_pending)
    sync = getattr(window, "sync", None)
    if sync is not None and hasattr(sync, "synced"):
        sync.synced.connect(lambda: page.reload() if page.isVisible() else None)
    page.panel.applied.connect(lambda _n: window.refresh_pending())
    return page
