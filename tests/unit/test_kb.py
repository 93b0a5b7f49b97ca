"""The knowledge base's text handling and command line: Markdown as plain text (broken Markdown and
embedded HTML included), talking points, article files with front matter, who may write, ``sfa kb``, and
the demo's articles and planned day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.callsheet import sheet as callsheet
from sfa_desktop.core.demo import day as demo_day
from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.demo.data import load
from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.kb import mdtext
from sfa_desktop.core.kb.files import ArticleFileError, parse
from sfa_desktop.store.database import LocalStore

NASTY = """# Pricing <script>alert('x')</script>

Hello <b>bold</b> and <img src="http://evil.example/x.png"> **strong *nested*** `code`
[a link](javascript:alert(1)) ![remote](https://evil.example/y.png)

* one
* [ ] two

| a | b |
|---|---|
| 1 | 2 |

> quoted

```
unclosed code
"""


def test_markdown_as_plain_text_survives_anything() -> None:
    blocks = mdtext.blocks(NASTY)
    kinds = [b.kind for b in blocks]
    assert kinds == ["heading", "paragraph", "item", "item", "paragraph", "paragraph", "quote", "code"]
    assert blocks[0].text == "Pricing"  # the script element is gone, not shown
    assert blocks[1].text == "Hello bold and strong nested code a link remote"
    assert blocks[3].text == "two"
    assert blocks[-1].text == "unclosed code"
    plain = mdtext.plain_text(NASTY)
    assert "<" not in plain
    assert "alert" not in plain
    assert "http" not in plain
    for broken in ("**unclosed", "[dangling](", "#", "```", "> ", "|", "* ", "\r\n\r\n", "<div", ""):
        mdtext.blocks(broken)  # never raises
    excerpt = mdtext.excerpt("word " * 200, 50)
    assert len(excerpt) == 1
    assert excerpt[0].text.endswith("…")
    assert len(excerpt[0].text) <= 51


def test_key_points() -> None:
    body = "Intro.\n\n## Key points\n- One\n- Two\n\n## Other\n- Not this\n"
    assert mdtext.key_points(body) == ["One", "Two"]
    assert mdtext.key_points("Para.\n\n- A\n- B\n- C\n- D\n") == ["A", "B", "C"]
    assert mdtext.key_points("First sentence. Second one! Third? Fourth.") == [
        "First sentence.",
        "Second one!",
        "Third?",
    ]
    assert mdtext.key_points("") == []


def test_article_files() -> None:
    article = parse(
        Path("Objection - Too Expensive!.md"),
        "\ufeff---\r\ntitle: 'Too expensive'\r\ntags: [Pricing, pricing, value]\r\n"
        "products: tel-110, TEL-110\r\npublished: no\r\n---\r\n\r\nBody text.\r\n",
    )
    assert (article.slug, article.title, article.tags, article.skus, article.published, article.body) == (
        "objection-too-expensive",
        "Too expensive",
        "Pricing, value",
        ("TEL-110",),
        False,
        "Body text.",
    )
    heading = parse(Path("x.md"), "# From the heading\n\nText")
    assert (heading.title, heading.body) == ("From the heading", "Text")
    for content, problem in (
        ("Text only", "no title"),
        ("---\ntitle: A\n", "no closing"),
        ("---\ntitle A\n---\n", "expected 'key: value'"),
        ("---\ntitle: A\ntitle: B\n---\n", "given twice"),
        ("---\ntitle: A\npublished: maybe\n---\n", "yes or no"),
        ("---\ntitle: A\ncategory: " + "c" * 81 + "\n---\n", "limit is 80"),
        ("---\ntitle: A\n---\nnul \x00 byte", "control characters"),
    ):
        with pytest.raises(ArticleFileError, match=problem):
            parse(Path("bad.md"), content)
    with pytest.raises(ArticleFileError, match="no letters"):
        parse(Path("!!!.md"), "# T")


def test_keys_and_who_may_write() -> None:
    assert kb.slug("Café Crème.md") == "cafe-creme"
    assert kb.article_id("pricing-bundles.md") == kb.article_id("Pricing Bundles")
    assert kb.article_id("a") != kb.article_id("b")
    assert kb.tag_list("a, B ,, b,  trade  show") == ["a", "B", "trade show"]
    assert kb.may_author("manager")
    assert kb.may_author("admin")
    assert kb.may_author(None)
    assert not kb.may_author("rep")
    assert not kb.may_author("unknown")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    store = LocalStore.open(tmp_path_factory.mktemp("demo"))
    with store.transaction() as session:
        summary = demo.seed(session, accounts=200, seed=0, today=dt.date(2026, 3, 3))
    assert 40 <= summary.kb_articles <= 60
    yield store
    store.close()


def test_the_demo_knowledge_base_and_day(demo_store: LocalStore) -> None:
    with demo_store.reading() as session:
        categories = dict(kb.categories(session))
        assert categories["Product sheets"] == 30
        assert {"Objection handling", "Pricing rules", "Competitor notes", "Sales playbook"} <= set(
            categories
        )
        sheet = kb.get_article(session, kb.resolve(session, "product-tel-120"))
        assert [sku for sku, _ in sheet.products] == ["TEL-120"]
        homes = session.execute(
            text("SELECT login, home_latitude FROM users WHERE home_latitude IS NOT NULL ORDER BY login")
        ).all()
        assert [h[0] for h in homes] == sorted(load().home_bases)
        reps = session.execute(text("SELECT id, login FROM users WHERE role = 'rep' ORDER BY login")).all()
        for rep_id, _login in reps:
            plan = callsheet.build(session, [rep_id], dt.date(2026, 3, 3), tz=dt.UTC)
            (day,) = plan.reps[0].days
            assert len(day.route) >= len(demo_day.VISIT_TIMES)  # the demo may have planned more that day
            assert len(day.phone) >= len(demo_day.CALL_TIMES)
            planned = {c.info.due_at.time(): c.stop or 0 for c in day.route}
            stops = [planned[t] for t in demo_day.VISIT_TIMES]
            assert stops == sorted(stops)  # the day's planned visits come in route order


def test_sfa_kb(demo_store: LocalStore, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(demo_store.path.parent)]
    assert main([*data, "kb", "search", "too", "expens"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Objection: “It is *too* *expensive*”")
    assert main([*data, "kb", "search", "nothing-like-this"]) == 0
    assert "No article matches" in capsys.readouterr().err
    assert main([*data, "kb", "search", "gt", "--category", "Pricing rules", "--limit", "1"]) == 0
    assert capsys.readouterr().out.startswith("Pricing: bundles")
    assert main([*data, "kb", "show", "objection-too-expensive"]) == 0
    shown = capsys.readouterr().out
    assert "Objection handling" in shown
    assert "  • A tracker pays for itself" in shown
    assert "**" not in shown
    assert main([*data, "kb", "show", "objection-too-expensive", "--markdown"]) == 0
    assert "**one hour of idling" in capsys.readouterr().out
    assert main([*data, "kb", "show", "no such thing"]) == 1
    assert "sfa: error: There is no article 'no such thing'" in capsys.readouterr().err
    assert main([*data, "kb", "list"]) == 0
    listed = capsys.readouterr().out
    assert "53 articles." in listed
    assert "Product sheets (30)" in listed
    assert main([*data, "kb", "list", "--tag", "competitors"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 7  # five competitor notes, two objections
