"""The window's extension points (``ui.extensions``): a declared page joins the sidebar at its place and is
built on first use; a declared detail tab shows the selected record only while it is visible; a declared
record action reaches its handler with the record on screen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from sfa_desktop.ui import extensions
from sfa_desktop.ui.extensions import ActionEntry, PageEntry, TabEntry, WindowActionEntry
from sfa_desktop.ui.mainwindow import MainWindow

calls: list[tuple[Any, ...]] = []


class TodayPage(QLabel):
    def __init__(self, window: MainWindow) -> None:
        super().__init__("Today's plan")
        calls.append(("built", window))

    def page_shown(self) -> None:
        calls.append(("shown",))


class NotesTab(QLabel):
    def __init__(self, store: object, runner: object, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def show_record(self, record_id: str) -> None:
        calls.append(("tab", self.kind, record_id))
        self.setText(record_id)

    def clear(self) -> None:
        calls.append(("tab cleared", self.kind))


def last_call() -> tuple[Any, ...]:
    return calls[-1]


def export_agenda(window: MainWindow) -> None:
    calls.append(("window action", window))


def log_call(page: QWidget, record_id: str) -> None:
    calls.append(("action", page, record_id))


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls.clear()
    here = __name__
    monkeypatch.setattr(
        extensions, "PAGES", (PageEntry("today", "Today", "sync", f"{here}:TodayPage", order=10),)
    )
    monkeypatch.setattr(
        extensions,
        "WINDOW_ACTIONS",
        (
            WindowActionEntry("&File", "Export agenda…", f"{here}:export_agenda"),
            WindowActionEntry("&Tools", "Scoring rules…", f"{here}:export_agenda"),
        ),
    )
    monkeypatch.setattr(extensions, "DETAIL_TABS", (TabEntry(("contacts",), "Notes", f"{here}:NotesTab"),))
    monkeypatch.setattr(
        extensions,
        "RECORD_ACTIONS",
        (ActionEntry(("contacts", "leads"), "Log call", f"{here}:log_call", icon="add", shortcut="Ctrl+L"),),
    )


@pytest.mark.usefixtures("declared")
def test_a_declared_page_tab_and_action(qtbot, store, seeded, runner):
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    page = window.section("contacts")
    with qtbot.waitSignal(page.settled):
        window.show()
    entries = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert entries == ["Today", "Accounts", "Contacts", "Leads", "Opportunities"]
    assert not any(call[0] == "built" for call in calls)  # not built before it is shown
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-2:] == ["&Tools", "&Help"]  # made as needed, Help stays last
    export = [a for a in window.menu("&File").actions() if a.text() == "Export agenda…"]
    export[0].trigger()
    assert last_call() == ("window action", window)
    calls.clear()

    today = window.show_page("today")
    assert window.pages.currentWidget() is today
    assert window.sidebar.currentRow() == window.nav_row("today") == 0
    assert window.current_kind() is None
    assert calls == [("built", window), ("shown",)]
    window.sidebar.setCurrentRow(window.nav_row("contacts"))
    assert window.pages.currentWidget() is page
    window.show_page("today")
    assert calls.count(("built", window)) == 1  # built once
    assert calls.count(("shown",)) == 2

    window.show_section("contacts")
    record_id = page.form.record_id
    assert record_id is not None
    assert not any(call[0] == "tab" for call in calls)  # a hidden tab is not asked for anything
    page.form.tabs.setCurrentIndex(1)
    assert calls[-1] == ("tab", "contacts", record_id)
    tab = page.form.tabs.currentWidget()
    assert isinstance(tab, NotesTab)
    assert tab.text() == record_id
    second = page.model.id_at(1)
    assert second is not None
    with qtbot.waitSignal(page.form.loaded):
        page.open_record(second)
    assert last_call() == ("tab", "contacts", second)  # the visible tab follows the selection
    page.new_record()
    assert not page.form.tabs.isTabEnabled(1)
    assert page.form.tabs.currentIndex() == 0
    page.form.revert()
    page.form.clear()

    with qtbot.waitSignal(page.form.loaded):
        page.open_record(second)
    assert [a.text() for a in page.record_actions] == ["Log call"]
    page.record_actions[0].trigger()
    assert last_call() == ("action", page, second)
    leads = window.section("leads")
    assert [a.text() for a in leads.record_actions] == ["Log call"]
    assert window.section("accounts").record_actions == []
