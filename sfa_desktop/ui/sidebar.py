"""The navigation sidebar: one entry per section and page, the number of records of a section on its right,
and entries that close up on a short screen so that every page stays in view."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
#: An entry's height, and the least it closes up to so that every page stays in view on a short screen (a
#: 1280x720 laptop holds sixteen entries without scrolling).
ROW = 42
ROW_MIN = 32


class SidebarDelegate(QStyledItemDelegate):
    """The styled sidebar entry, with the number of records of the section on the right; the title gives
    way to the number (elided, never drawn under it)."""

    COUNT_MARGIN = 14  # from the entry's right edge to the number
    GAP = 6  # between the title and the number

    def _count_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setPixelSize(12)
        return font

    def title_text(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[str, QStyleOptionViewItem]:
        """The title as drawn (elided when the number needs its room) and the option to draw it with."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        count = index.data(COUNT_ROLE)
        if count is None:
            return opt.text, opt
        count_width = QFontMetrics(self._count_font(option)).horizontalAdvance(f"{count:,}")
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        text_left = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget).left()
        room = opt.rect.right() - self.COUNT_MARGIN - count_width - self.GAP - text_left
        font = QFont(opt.font)
        if opt.state & QStyle.StateFlag.State_Selected:
            font.setWeight(QFont.Weight.DemiBold)  # the selected entry's weight (style sheet)
        opt.text = QFontMetrics(font).elidedText(opt.text, Qt.TextElideMode.ElideRight, max(room, 0))
        return opt.text, opt

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        count = index.data(COUNT_ROLE)
        if count is None:
            super().paint(painter, option, index)
            return
        _text, opt = self.title_text(option, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setPen(QColor("#dbeafe" if selected else "#7c8aa0"))
        painter.setFont(self._count_font(option))
        rect = option.rect.adjusted(0, 0, -self.COUNT_MARGIN, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{count:,}")
        painter.restore()


class _Fit(QObject):
    """Every entry in view when the window is short: the entries close up (down to ``ROW_MIN``) before the
    sidebar scrolls."""

    def __init__(self, sidebar: QListWidget) -> None:
        super().__init__(sidebar)
        self.sidebar = sidebar
        sidebar.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        rows = self.sidebar.count()
        if not rows:
            return
        height = max(ROW_MIN, min(ROW, self.sidebar.viewport().height() // rows))
        if self.sidebar.item(0).sizeHint().height() != height:
            for row in range(rows):
                self.sidebar.item(row).setSizeHint(QSize(180, height))


def make_sidebar(entries: list[tuple[str, str, str]]) -> QListWidget:
    """The sidebar of (key, title, icon name) entries in order; Ctrl+1 to Ctrl+9 named in the tooltips."""
    sidebar = named(QListWidget(), "sidebar")
    sidebar.setFixedWidth(216)  # room for a title and a four-digit count
    sidebar.setIconSize(QSize(20, 20))
    sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for number, (key, title, icon_name) in enumerate(entries, start=1):
        item = QListWidgetItem(icon(icon_name, "#cbd5e1"), title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setToolTip(f"{title} (Ctrl+{number})" if number <= 9 else title)
        item.setSizeHint(QSize(180, ROW))
        sidebar.addItem(item)
    sidebar.setItemDelegate(SidebarDelegate(sidebar))
    _Fit(sidebar)
    return sidebar
