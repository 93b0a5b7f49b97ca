"""The Knowledge page, the article editor and ArticleLinks with real widgets: search as you type, browse,
read; writing is offered by role; and rendering is safe: no script runs, no remote (or local) resource is
ever fetched, odd links are refused, broken Markdown still shows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from sqlalchemy import text

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui import kb_editor, kb_view
from sfa_desktop.ui.kb_links import ArticleDialog, ArticleLinks
from sfa_desktop.ui.kb_page import KnowledgePage
from sfa_desktop.ui.kb_view import SafeTextBrowser
from sfa_desktop.ui.mainwindow import MainWindow

PRICING = """Talk about **value** first.

## Talking points
- One hour of idling a week pays for the tracker
- See [bundles](pricing-bundles.md)
"""


def connect_as(store: LocalStore, login: str) -> None:
    """Make the laptop believe it is connected as this user (the local user decides what is offered)."""
    with store.engine.begin() as conn:
        state.save(conn, state.SyncState(client_id="laptop", url="sqlite:///central", login=login))


@pytest.fixture
def articles(store: LocalStore) -> dict[str, str]:
    with store.transaction() as session:
        users = {row[0]: row[1] for row in session.execute(text("SELECT login, id FROM users"))}
        if "cwalsh" not in users:  # the seeded store has them already
            users["cwalsh"] = services.create(
                session, "users", {"login": "cwalsh", "full_name": "Catherine Walsh", "role": "manager"}
            ).id
            services.create(
                session, "users", {"login": "dokafor", "full_name": "Daniel Okafor", "role": "rep"}
            )
        manager = users["cwalsh"]
        product = services.create(session, "products", {"sku": "TEL-120", "name": "Fleet tracker GT-400"}).id
        ids = services.create_many(
            session,
            "kb_articles",
            [
                {
                    "id": kb.article_id("objection-too-expensive"),
                    "title": "Objection: too expensive",
                    "body": PRICING,
                    "category": "Objection handling",
                    "tags": "pricing, objections",
                    "product_ids": f'["{product}"]',
                    "author_id": manager,
                },
                {
                    "id": kb.article_id("pricing-bundles"),
                    "title": "Pricing: bundles",
                    "body": "Bundles are 7% below the sum of their parts.",
                    "category": "Pricing rules",
                    "tags": "pricing, bundles",
                },
                {
                    "id": kb.article_id("competitor-trackstar"),
                    "title": "Competitor: TrackStar",
                    "body": "Cheap hardware on four-year contracts; no fuel data.",
                    "category": "Competitor notes",
                    "tags": "competitors",
                },
                {
                    "id": kb.article_id("draft-pricing"),
                    "title": "Pricing for 2027 (draft)",
                    "body": "Not yet.",
                    "category": "Pricing rules",
                    "published": False,
                },
            ],
        )
    return dict(zip(("pricing", "bundles", "trackstar", "draft"), ids, strict=True))


def _page(qtbot: Any, store: LocalStore, runner: Any) -> KnowledgePage:
    page = KnowledgePage(store, runner)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    with qtbot.waitSignal(page.resultsChanged):
        page.page_shown()
    return page


def _search(qtbot: Any, page: KnowledgePage, typed: str) -> list[str]:
    with qtbot.waitSignal(page.resultsChanged, timeout=3000):
        page.search.setText(typed)
    return page.result_ids()


def test_search_as_you_type_browse_and_read(qtbot, store, runner, articles) -> None:
    connect_as(store, "dokafor")
    page = _page(qtbot, store, runner)
    assert page.count_label.text() == "3 articles"  # a rep does not see the draft
    assert set(page.result_ids()) == {articles["pricing"], articles["bundles"], articles["trackstar"]}
    assert _search(qtbot, page, "pric") == [articles["bundles"], articles["pricing"]]  # title first
    # the best match is shown as you type
    qtbot.waitUntil(lambda: page.view.article is not None and page.view.article.id == articles["bundles"])
    html = page.results.item(0).data(page_roles()["html"])
    assert "<span style='background:#fde68a;color:#0f172a;'>Pricing</span>: bundles" in html  # highlighted
    assert page.count_label.text() == "2 of 3 articles match"
    assert _search(qtbot, page, "nothing like this") == []
    assert "No article matches" in page.results.item(0).data(page_roles()["html"])
    assert _search(qtbot, page, '" OR NEAR( *') == []  # any typed text is safe

    with qtbot.waitSignal(page.resultsChanged):
        page.search.clear()
    with qtbot.waitSignal(page.resultsChanged):
        page.set_filter(("category", "Competitor notes"))
    assert page.result_ids() == [articles["trackstar"]]
    with qtbot.waitSignal(page.articleShown):
        page.results.setCurrentRow(0)
    with qtbot.waitSignal(page.resultsChanged):
        page.set_filter(("tag", "PRICING"))
    assert set(page.result_ids()) == {articles["pricing"], articles["bundles"]}

    with qtbot.waitSignal(page.articleShown):
        page.open_article(articles["pricing"])
    view = page.view
    assert view.title.text() == "Objection: too expensive"
    assert "Objection handling" in view.meta.text()
    assert "by Catherine Walsh" in view.meta.text()
    assert view.chip_texts() == ["pricing", "objections", "TEL-120 · Fleet tracker GT-400"]
    body = view.browser.toPlainText()
    assert "Talk about value first." in body
    assert "**" not in body
    assert not view.edit_button.isVisibleTo(page)
    assert not page.new_button.isVisibleTo(page)
    with qtbot.waitSignal(page.articleShown) as shown:
        view.browser.anchorClicked.emit(QUrl("pricing-bundles.md"))  # a link to another article opens it
    assert shown.args == [articles["bundles"]]
    page.edit_article(articles["bundles"])  # not offered to a rep: nothing happens
    assert not hasattr(page, "editor")


def shown_article(page: KnowledgePage) -> kb.Article | None:
    return page.view.article


def page_roles() -> dict[str, int]:
    from sfa_desktop.ui import kb_page

    return {"html": kb_page.HTML_ROLE, "id": kb_page.ID_ROLE}


def test_a_manager_writes_edits_and_deletes(qtbot, store, runner, articles, monkeypatch) -> None:
    connect_as(store, "cwalsh")
    page = _page(qtbot, store, runner)
    assert page.count_label.text() == "4 articles"  # drafts too
    assert page.new_button.isVisibleTo(page)
    page.edit_article(None)
    editor = page.editor
    qtbot.waitUntil(lambda: editor.products.count() == 1)
    editor.title.setText("Handling “we already have a supplier”")
    editor.category.setCurrentText("Objection handling")
    editor.tags.setText("objections,  Switching , objections")
    editor.body.setPlainText("# Switching\n\nAsk when the **contract** ends.\n\n<script>alert(1)</script>")
    editor.update_preview()
    preview = editor.preview.toPlainText()
    assert "Ask when the contract ends." in preview
    assert "<script>alert(1)</script>" in preview  # embedded HTML is shown as text, never run
    editor.products.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(page.articleShown, timeout=3000) as shown:
        editor.save_button.click()
    new_id = shown.args[0]
    with store.engine.connect() as conn:
        article = kb.get_article(conn, new_id)
        outbox = (
            conn.execute(text("SELECT op FROM outbox WHERE record_id = :i"), {"i": new_id}).scalars().all()
        )
    assert article.tags == ("objections", "Switching")
    assert [sku for sku, _ in article.products] == ["TEL-120"]
    assert outbox == ["insert"]  # it goes to the central store with the next sync
    assert page.view.article is not None
    assert page.view.article.id == new_id
    assert page.view.edit_button.isVisibleTo(page)

    page.edit_article(new_id)
    editor = page.editor
    assert editor.title.text() == "Handling “we already have a supplier”"
    editor.title.setText("")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.banner.isVisibleTo(editor))
    assert "Title is required" in editor.banner.text()
    asked: list[bool] = []

    def keep_open(parent: object) -> bool:
        asked.append(False)
        return False

    monkeypatch.setattr(kb_editor, "ask_discard", keep_open)
    editor.reject()
    assert asked == [False]
    assert editor.isVisible()  # unsaved changes: kept open when the person says so
    monkeypatch.setattr(kb_editor, "ask_discard", lambda parent: True)
    editor.reject()
    assert not editor.isVisible()

    monkeypatch.setattr("sfa_desktop.ui.form_parts.confirm_delete", lambda parent, text: True)
    with qtbot.waitSignal(page.resultsChanged, timeout=3000):
        page.delete_article(new_id)
    assert shown_article(page) is None
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT deleted_at FROM kb_articles WHERE id = :i"), {"i": new_id}).scalar()


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A local web server that records every request (there must be none)."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_rendering_is_safe(qtbot, web_server, tmp_path, monkeypatch) -> None:
    base, requests = web_server
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for articles")
    opened: list[str] = []

    def open_external(url: QUrl) -> bool:
        opened.append(url.toString())
        return True

    monkeypatch.setattr(kb_view, "open_external", open_external)
    browser = SafeTextBrowser()
    qtbot.addWidget(browser)
    browser.resize(700, 500)
    markdown = (
        "# Title <script>document.title='pwned'</script>\n\n"
        f'<img src="{base}/html.png"> <iframe src="{base}/frame"></iframe>\n\n'
        f"![remote]({base}/remote.png) ![local](file://{secret}) ![relative](secret.png)\n\n"
        f"![embedded](data:image/png;base64,{PNG})\n\n"
        "[js](javascript:alert(1)) [file](file:///etc/passwd) [web](https://example.com/) "
        "[mail](mailto:sales@example.com) [other](pricing-bundles.md) [kb](kb:abc)\n\n"
        "**unclosed *emphasis and `code\n\n| broken | table\n|---\n\n```\nno end"
    )
    browser.set_markdown(markdown)
    browser.show()
    qtbot.waitExposed(browser)
    browser.grab()  # lays out and paints: every image is asked for now
    shown = browser.toPlainText()
    assert "<script>document.title='pwned'</script>" in shown  # inert text, no script engine
    assert f'<img src="{base}/html.png">' in shown
    assert "no end" in shown
    assert "unclosed" in shown
    assert requests == []  # nothing was fetched from the network
    assert f"{base}/remote.png" in browser.refused
    assert f"file://{secret}" in browser.refused
    assert any(r.endswith("secret.png") for r in browser.refused)
    assert not any(r.startswith("data:") for r in browser.refused)  # embedded images are local
    image_kind = QTextDocument.ResourceType.ImageResource.value
    placeholder = browser.loadResource(image_kind, QUrl(f"file://{secret}"))
    assert placeholder.width() == 260  # a drawn placeholder, never the file
    assert (
        browser.loadResource(QTextDocument.ResourceType.StyleSheetResource.value, QUrl(f"{base}/x.css"))
        is None
    )
    assert requests == []

    refused: list[str] = []
    linked: list[str] = []
    browser.linkRefused.connect(refused.append)
    browser.articleLinked.connect(linked.append)
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>", "ftp://x/y"):
        browser.anchorClicked.emit(QUrl(url))
    assert len(refused) == 4
    assert "javascript:" in refused[0]
    browser.anchorClicked.emit(QUrl("https://example.com/"))
    browser.anchorClicked.emit(QUrl("mailto:sales@example.com"))
    assert opened == ["https://example.com/", "mailto:sales@example.com"]  # only on a click, by the system
    browser.anchorClicked.emit(QUrl("pricing-bundles.md"))
    browser.anchorClicked.emit(QUrl("kb:abc"))
    assert linked == [kb.article_id("pricing-bundles"), "abc"]
    assert browser.source().isEmpty()  # it never navigated by itself


def test_article_links_open_in_the_window_or_a_dialog(qtbot, store, runner, seeded, articles) -> None:
    links = ArticleLinks(store, runner, title="Read before the call")
    qtbot.addWidget(links)
    with qtbot.waitSignal(links.loaded) as loaded:
        links.set_article_ids([articles["trackstar"], "no-such-id", articles["pricing"]])
    assert loaded.args == [2]
    assert links.ids() == [articles["trackstar"], articles["pricing"]]
    assert [links.list.item(i).text() for i in range(2)] == [
        "Competitor: TrackStar",
        "Objection: too expensive",
    ]
    with qtbot.waitSignal(links.articleOpened):
        links.list.itemClicked.emit(links.list.item(0))
    dialog = links.dialog
    assert isinstance(dialog, ArticleDialog)
    qtbot.waitUntil(lambda: dialog.view.article is not None)
    assert dialog.view.title.text() == "Competitor: TrackStar"
    assert not dialog.view.edit_button.isVisibleTo(dialog)
    dialog.close()
    with qtbot.waitSignal(links.loaded) as loaded:
        links.set_article_ids([])
    assert loaded.args == [0]
    assert links.empty.isVisibleTo(links)

    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled):
        window.show()
    assert "knowledge" in [entry[0] for entry in window.nav]
    in_window = ArticleLinks(store, runner, window.section("contacts"))  # beside a record, in the window
    with qtbot.waitSignal(in_window.loaded):
        in_window.set_article_ids([articles["bundles"]])
    page = window.show_page("knowledge")
    assert isinstance(page, KnowledgePage)
    window.show_section("contacts")
    with qtbot.waitSignal(page.articleShown, timeout=3000):
        in_window.open(articles["bundles"])
    assert window.pages.currentWidget() is page
    assert page.view.title.text() == "Pricing: bundles"
    window.close()
