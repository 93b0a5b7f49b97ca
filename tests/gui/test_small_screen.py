"""The window at 1280x720 (issue 14, item 11): headers whose controls do not overlap, sidebar counts that do
not run into the titles, inline errors that do not move the form under the pointer."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLayout, QLineEdit, QMessageBox, QStyleOptionViewItem, QWidget

from sfa_desktop.ui import forms
from sfa_desktop.ui.icons import style_sheet
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.sidebar import COUNT_ROLE, SidebarDelegate


@pytest.fixture
def styled(qapp: QApplication):
    qapp.setStyleSheet(style_sheet())
    yield
    qapp.setStyleSheet("")


def small_window(qtbot, store, runner, initial: str = "accounts") -> MainWindow:
    window = MainWindow(store, runner, initial=initial)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    with qtbot.waitSignal(window.section(initial).settled):
        window.show()
    qtbot.waitUntil(lambda: window.width() == 1280)
    return window


def overlaps(layout: QLayout) -> list[tuple[str, str]]:
    widgets: list[QWidget] = []
    for number in range(layout.count()):
        item = layout.itemAt(number)
        widget = item.widget() if item is not None else None
        if widget is not None and widget.isVisible():
            widgets.append(widget)
    return [
        (type(a).__name__ + ":" + a.objectName(), type(b).__name__ + ":" + b.objectName())
        for a, b in itertools.combinations(widgets, 2)
        if a.geometry().intersects(b.geometry())
    ]


def test_the_section_header_does_not_overlap_at_1280(qtbot, store, seeded, runner, styled):
    window = small_window(qtbot, store, runner)
    page = window.section("accounts")
    with qtbot.waitSignal(page.model.loaded):
        page.filter.setText("zzz no such")  # the longest count text: "0 accounts match the filters"
    qtbot.wait(20)
    header = page.findChild(QWidget, "sectionHeader")
    assert header is not None
    layout = header.layout()
    assert layout is not None
    assert overlaps(layout) == []


def test_the_reports_header_does_not_overlap_at_1280(qtbot, store, seeded, runner, styled):
    window = small_window(qtbot, store, runner)
    page = window.show_page("reports")
    qtbot.wait(50)
    header = page.findChild(QWidget, "sectionHeader")
    assert header is not None
    layout = header.layout()
    assert layout is not None
    assert overlaps(layout) == []


def test_four_digit_sidebar_counts_leave_the_titles_whole(qtbot, store, seeded, runner, styled):
    window = small_window(qtbot, store, runner)
    row = window.nav_row("opportunities")
    item = window.sidebar.item(row)
    item.setData(COUNT_ROLE, 9_999)
    delegate = window.sidebar.itemDelegate()
    assert isinstance(delegate, SidebarDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(window.sidebar)
    option.rect = window.sidebar.visualItemRect(item)
    option.font = window.sidebar.font()
    index = window.sidebar.model().index(row, 0)
    text, _opt = delegate.title_text(option, index)
    assert text == "Opportunities"
    item.setData(COUNT_ROLE, 123_456_789_000)  # no room for both: the title gives way, never drawn under it
    text, _opt = delegate.title_text(option, index)
    assert text.endswith("…")


def test_an_inline_error_does_not_move_the_fields_below(qtbot, store, seeded, runner, styled, monkeypatch):
    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Discard)  # on closing
    window = small_window(qtbot, store, runner)
    form = window.section("accounts").form
    below = form.editors["street"].widget
    before = below.mapTo(form, below.rect().topLeft()).y()
    editor = form.editors["email"]
    assert isinstance(editor.widget, QLineEdit)
    editor.widget.clear()
    qtbot.keyClicks(editor.widget, "not an address")
    qtbot.keyClick(editor.widget, Qt.Key.Key_Return)
    assert "email" in form.errors
    qtbot.wait(20)
    assert below.mapTo(form, below.rect().topLeft()).y() == before


def test_every_sidebar_entry_is_in_view_at_1280x720_and_roomy_at_1600x1000(qtbot, store, runner, styled):
    window = small_window(qtbot, store, runner)
    sidebar = window.sidebar
    assert sidebar.count() >= 14  # the pages this build has (more come with extensions)
    qtbot.waitUntil(
        lambda: (
            sidebar.visualItemRect(sidebar.item(sidebar.count() - 1)).bottom() < sidebar.viewport().height()
        )
    )
    assert not sidebar.verticalScrollBar().isVisible()
    assert sidebar.item(0).sizeHint().height() < 42
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: sidebar.item(0).sizeHint().height() == 42)
    last = sidebar.visualItemRect(sidebar.item(sidebar.count() - 1))
    assert last.bottom() < sidebar.viewport().height()
