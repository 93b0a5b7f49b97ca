"""The Announcements page in real Qt widgets: pinned first and unread in bold, expired behind a toggle,
opening marks read (and syncs up as a receipt), the body rendered safely (raw HTML and scripts as inert
text, javascript: links refused), writers' buttons by role, the editor's preview and refusals, Read by, and
the pinned strip on Today."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import text

from sfa_desktop.core.announcements import board
from sfa_desktop.core.announcements.links import Link
from sfa_desktop.core.records import services
from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui import kb_view
from sfa_desktop.ui.announcement_editor import AnnouncementEditor, ReadByDialog
from sfa_desktop.ui.announcements_page import SUMMARY_ROLE, AnnouncementModel, AnnouncementsPage
from sfa_desktop.ui.announcements_today import PinnedStrip

HOSTILE = (
    "# Kit recall <script>document.title='pwned'</script>\n\n"
    '<b onclick="steal()">raw html</b> <iframe src="https://evil.example/"></iframe>\n\n'
    "[js](javascript:alert(1)) [file](file:///etc/passwd) [web](https://example.com/)\n"
)


def sign_in(store: LocalStore, user_id: str, login: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=login, user_id=user_id))


@pytest.fixture
def company(store: LocalStore) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        ids["NE"] = services.create(
            s, "territories", {"code": "NE", "name": "New England", "parent_id": ids["E"]}
        ).id
        for login, role, home in (("mara", "manager", "E"), ("rena", "rep", "NE"), ("adam", "admin", None)):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": login.title(), "role": role}
            ).id
            if home:
                services.create(
                    s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]}
                )
    sign_in(store, ids["adam"], "adam")
    ids["recall"] = ann_ops.post(store, board.Draft("Kit recall", HOSTILE, pinned=True))
    ids["news"] = ann_ops.post(
        store, board.Draft("GT-400 ships", "In stock.", links=(Link("Sheet", "kb:abc"),))
    )
    ids["old"] = ann_ops.post(store, board.Draft("Old news", "Gone."))
    with store.transaction() as s:
        s.execute(text("UPDATE announcements SET expires_on = '2020-01-01' WHERE id = :i"), {"i": ids["old"]})
    sign_in(store, ids["mara"], "mara")
    ids["targets"] = ann_ops.post(
        store, board.Draft("Q1 targets", "Targets.", "territory", territory_id=ids["E"])
    )
    return ids


def loaded_page(qtbot: Any, store: LocalStore, runner: Any) -> AnnouncementsPage:
    page = AnnouncementsPage(store, runner)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.choices is not None)
    return page


def test_the_list_reading_and_safe_rendering(
    qtbot, qtmodeltester, store, runner, company, monkeypatch
) -> None:
    opened: list[str] = []

    def open_external(url: QUrl) -> bool:
        opened.append(url.toString())
        return True

    monkeypatch.setattr(kb_view, "open_external", open_external)
    sign_in(store, company["rena"], "rena")
    page = loaded_page(qtbot, store, runner)
    qtmodeltester.check(page.model)
    items = [page.model.index(r).data(SUMMARY_ROLE) for r in range(page.model.rowCount())]
    assert [i.title for i in items] == [
        "Kit recall",
        "Q1 targets",
        "GT-400 ships",
    ]  # pinned first, no expired
    assert all(i.unread for i in items)
    assert page.count_label.text() == "3 announcements, 3 unread"
    assert not page.new_button.isVisibleTo(page)  # a rep writes none
    with qtbot.waitSignal(page.readChanged):
        page.list.setCurrentIndex(page.model.index(0))
    view = page.view
    assert view.title.text() == "Kit recall"
    assert not page.model.items[0].unread
    assert page.count_label.text() == "3 announcements, 2 unread"
    assert not view.read_by_button.isVisibleTo(page)
    assert not view.withdraw_button.isVisibleTo(page)
    shown = view.browser.toPlainText()
    assert "<script>document.title='pwned'</script>" in shown  # inert text: nothing runs
    assert '<b onclick="steal()">raw html</b>' in shown
    assert "pwned" not in page.window().windowTitle()
    refused: list[str] = []
    view.reported.connect(refused.append)
    view.browser.anchorClicked.emit(QUrl("javascript:alert(1)"))
    view.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert len(refused) == 2
    assert "javascript:" in refused[0]
    view.browser.anchorClicked.emit(QUrl("https://example.com/"))
    assert opened == ["https://example.com/"]
    assert view.browser.source().isEmpty()
    with store.engine.connect() as conn:
        receipts = conn.execute(text("SELECT announcement_id, user_id FROM announcement_receipts")).all()
        waiting = conn.execute(
            text("SELECT table_name FROM outbox WHERE table_name = 'announcement_receipts'")
        ).all()
    assert receipts == [(company["recall"], company["rena"])]
    assert len(waiting) == 1  # the receipt goes up with the next sync
    # a linked article asks the window for it
    articles: list[str] = []
    page.articleRequested.connect(articles.append)
    assert page.select(company["news"])
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.id == company["news"])
    view.links_box.findChildren(QPushButton)[0].click()
    assert articles == ["abc"]
    # expired ones behind the toggle
    with qtbot.waitSignal(page.settled):
        page.expired_box.setChecked(True)
    assert "Old news" in [i.title for i in page.model.items]


def test_writers_post_and_see_who_has_read(qtbot, store, runner, company) -> None:
    sign_in(store, company["rena"], "rena")
    ann_ops.open_announcement(store, company["targets"])
    sign_in(store, company["mara"], "mara")
    page = loaded_page(qtbot, store, runner)
    assert page.new_button.isVisibleTo(page)
    assert page.select(company["targets"])
    qtbot.waitUntil(lambda: page.view.detail is not None and page.view.detail.id == company["targets"])
    assert page.view.read_by_button.isVisibleTo(page)
    assert page.view.withdraw_button.isVisibleTo(page)
    dialog = ReadByDialog(store, runner, company["targets"], page)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None)
    assert dialog.summary.text().startswith("Read by 1 of 1")
    assert dialog.read.item(0).text().startswith("Rena")
    # the editor: a manager addresses the territories she manages; the preview renders safely
    assert page.choices is not None
    editor = AnnouncementEditor(store, runner, page.choices, page)
    qtbot.addWidget(editor)
    assert not editor.everyone.isVisibleTo(editor)
    assert [editor.territory.itemText(i) for i in range(editor.territory.count())] == [
        "East and below",
        "New England and below",
    ]
    editor.title.setText("Pipeline review on Tuesdays")
    editor.body.setPlainText("**Bring** your deals <script>x()</script>")
    editor.update_preview()
    assert "Bring your deals <script>x()</script>" in editor.preview.toPlainText()
    editor.web.setText("javascript:alert(1)")
    editor._attach_web()
    assert "not allowed" in editor.problem.text()
    assert editor.links == []
    editor.web.setText("https://example.com/sheet")
    editor._attach_web()
    assert [link.target for link in editor.links] == ["https://example.com/sheet"]
    editor.territory.setCurrentIndex(1)
    with qtbot.waitSignal(editor.posted) as posted:
        editor.post()
    detail = ann_ops.load(store, str(posted.args[0]))
    assert (detail.audience, detail.author) == ("New England and below", "Mara")
    # a problem a person can fix stays in the editor, next to it
    again = AnnouncementEditor(store, runner, page.choices, page)
    qtbot.addWidget(again)
    again.expires.setChecked(True)
    again.title.setText("No text")
    again.post()
    qtbot.waitUntil(lambda: again.problem.isVisibleTo(again))
    assert "needs a text" in again.problem.text()


def test_today_shows_pinned_unread_announcements(qtbot, store, runner, company) -> None:
    sign_in(store, company["rena"], "rena")
    holder = QWidget()  # not on screen: the strip shows and hides within it
    qtbot.addWidget(holder)
    strip = PinnedStrip(store, runner, holder)
    strip.refresh()
    qtbot.waitUntil(lambda: bool(strip.items))
    assert [s.title for s in strip.items] == ["Kit recall"]
    assert not strip.isHidden()
    asked: list[str] = []
    strip.openRequested.connect(asked.append)
    buttons = [b for b in strip.findChildren(QPushButton) if b.objectName() == "pinnedLink"]
    buttons[0].click()
    assert asked == [company["recall"]]
    ann_ops.open_announcement(store, company["recall"])
    strip.refresh()
    qtbot.waitUntil(lambda: strip.items == [])
    assert strip.isHidden()


def test_the_model_of_an_empty_list(qtmodeltester) -> None:
    model = AnnouncementModel()
    qtmodeltester.check(model)
    assert model.row_of("x") is None
