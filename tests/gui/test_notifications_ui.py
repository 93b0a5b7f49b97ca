"""The notification centre and the Comments tab in the window (issue 15, items 3 and 4), offscreen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QToolBar

from sfa_desktop.core.notifications import inbox
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.notifications.inbox import Item
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.comments_tab import CommentsTab
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.notification_centre import (
    ITEM_ROLE,
    Bell,
    NotificationCentre,
    NotificationModel,
    NotificationService,
    when_text,
)
from tests.gui.conftest import Seeded

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


class FakeTray:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def isVisible(self) -> bool:
        return True

    def showMessage(self, title: str, message: str, *args: Any) -> None:
        self.shown.append((title, message))


def _record(store: LocalStore, events: list[NotificationEvent]) -> None:
    with store.transaction() as s:
        inbox.record(s, notification_ops.LOCAL_USER, events)


def _events(account: str) -> list[NotificationEvent]:
    return [
        NotificationEvent(
            "mention:1", "mention", "Ann mentioned you", "call them", "accounts", account, NOW, False
        ),
        NotificationEvent(
            "sync:x", "sync", "Sign in again to sync", "expired", None, None, NOW - dt.timedelta(days=1), True
        ),
    ]


def _item(key: str, read: bool) -> Item:
    return Item(key, "mention", f"title {key}", "body", None, None, NOW, False, read)


def test_the_model_shows_newest_first_unread_in_bold(qtmodeltester: Any) -> None:
    model = NotificationModel()
    model.set_items([_item("a", False), _item("b", True)])
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, 2)) == "title a"
    assert model.data(model.index(0, 1)) == "Mention"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, 0), Qt.ItemDataRole.FontRole) is None
    model.mark_read({"a"})
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole) is None
    assert model.data(model.index(0, 0), ITEM_ROLE).read
    assert model.data(QModelIndex()) is None


def test_when_text_is_short_for_recent_times() -> None:
    now = dt.datetime.now(dt.UTC)
    assert len(when_text(now, now)) == 5  # HH:MM
    assert when_text(now - dt.timedelta(days=30), now) == (now - dt.timedelta(days=30)).astimezone().strftime(
        "%Y-%m-%d"
    )


def test_the_centre_filters_marks_read_and_opens_the_record(
    qtbot: Any, store: LocalStore, runner: Any, seeded: Seeded
) -> None:
    account = seeded.accounts[0]
    _record(store, _events(account))
    centre = NotificationCentre(store, runner)
    qtbot.addWidget(centre)
    centre.load_now()
    assert [i.key for i in centre.model.items] == ["mention:1", "sync:x"]
    assert centre.mark_all.isEnabled()
    centre.kind_box.setCurrentIndex(centre.kind_box.findData("sync"))
    qtbot.waitUntil(lambda: [i.key for i in centre.model.items] == ["sync:x"])
    centre.kind_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(centre.model.items) == 2)
    with qtbot.waitSignal(centre.recordRequested) as opened, qtbot.waitSignal(centre.changed):
        centre.activate(centre.model.index(0, 2))
    assert opened.args == ["accounts", account]
    assert notification_ops.unread_count(store) == 1
    with qtbot.waitSignal(centre.changed):
        centre.mark_all_read()
    assert notification_ops.unread_count(store) == 0
    assert not centre.mark_all.isEnabled()
    centre.kind_box.setCurrentIndex(centre.kind_box.findData("conflict"))
    qtbot.waitUntil(lambda: centre.empty.isVisibleTo(centre))
    assert centre.empty.text() == "No conflicts."


def test_the_bell_says_how_many_are_unread() -> None:
    bell = Bell()
    assert bell.text() == ""
    assert bell.toolTip() == "Notifications: all read"
    bell.set_count(1234)
    assert bell.text() == "1,234"
    assert bell.toolTip() == "1,234 unread notifications"


@pytest.mark.qt_log_ignore("This plugin does not support")  # a popup on the offscreen platform
def test_the_window_has_the_bell_and_the_tray_tells_urgent_ones_once(
    qtbot: Any, store: LocalStore, runner: Any, seeded: Seeded
) -> None:
    _record(store, _events(seeded.accounts[0]))
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    tray = FakeTray()
    service = NotificationService(window, tray=tray)  # type: ignore[arg-type]
    assert service.bell.parent() is window.findChild(QToolBar, "mainToolbar")
    qtbot.waitUntil(lambda: service.bell.count == 2)
    qtbot.waitUntil(lambda: tray.shown == [("Sign in again to sync", "expired")])
    with qtbot.waitSignal(service.show_urgent().finished):
        pass
    assert tray.shown == [("Sign in again to sync", "expired")]  # never twice
    service.open_centre()
    assert service.centre.isVisible()
    with qtbot.waitSignal(service.centre.changed):
        service.centre.activate(service.centre.model.index(0, 2))
    qtbot.waitUntil(lambda: service.bell.count == 1)
    assert window.current_kind() == "accounts"
    tabs = window.sections["accounts"].form.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Comments"  # a mention opens the thread
    service.stop()


def test_the_comments_tab_posts_and_shows_the_thread(
    qtbot: Any, store: LocalStore, runner: Any, seeded: Seeded
) -> None:
    account = seeded.accounts[0]
    tab = CommentsTab(store, runner, "accounts")
    qtbot.addWidget(tab)
    tab.show_record(account)
    qtbot.waitUntil(lambda: tab.hint.text().startswith("@ reaches"))
    assert "cwalsh" in tab.editor.people
    tab.editor.setPlainText("Renewal is due, @cwalsh please join the call")
    with qtbot.waitSignal(tab.posted):
        tab.post()
    qtbot.waitUntil(lambda: "Catherine Walsh" in tab.browser.toPlainText())
    assert "@Catherine Walsh please join" in tab.browser.toPlainText()
    assert tab.editor.toPlainText() == ""
    tab.editor.setPlainText("ask @nobody")
    tab.post()
    qtbot.waitUntil(tab.post_button.isEnabled)
    assert len(notification_ops.comments_on(store, "accounts", account)) == 1
    tab.clear()
    assert not tab.editor.isEnabled()
