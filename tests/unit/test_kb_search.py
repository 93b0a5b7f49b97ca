"""Knowledge-base search: the FTS index follows inserts, edits, deletes, tombstones and sync's upserts and
departures; ranking puts the title first; snippets mark the matched words; any typed text is safe; the
migration indexes articles already there; categories, tags and lookups by id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, text

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.records import services
from sfa_desktop.store import capture, kb_search
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from tests import local_files
from tests.unit.test_migrations import _migrate

ON, OFF = kb_search.MARK_ON, kb_search.MARK_OFF


def _create(store: LocalStore, **values: object) -> str:
    with store.transaction() as session:
        return services.create(session, "kb_articles", values).id


def _ids(conn: Connection, typed: str, **options: object) -> list[str]:
    return [h.article_id for h in kb_search.search(conn, typed, **options)]  # type: ignore[arg-type]


def _indexed(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM kb_fts")).scalar_one())


def test_the_index_follows_inserts_edits_and_deletes(store: LocalStore) -> None:
    first = _create(store, title="Handling price objections", body="Talk about value, not discounts.")
    second = _create(store, title="GT-400 product sheet", body="Reads fuel levels from the CAN bus.")
    with store.engine.connect() as conn:
        assert _ids(conn, "price") == [first]
        assert _ids(conn, "fuel") == [second]
    with store.transaction() as session:
        services.update(session, "kb_articles", second, {"body": "Reads odometers from the CAN bus."})
    with store.engine.connect() as conn:
        assert _ids(conn, "fuel") == []
        assert _ids(conn, "odomet") == [second]
    with store.transaction() as session:
        services.delete(session, "kb_articles", first)  # a tombstone
    with store.engine.connect() as conn:
        assert _ids(conn, "price") == []
        assert _indexed(conn) == 1
    with store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(text("DELETE FROM kb_articles WHERE id = :id"), {"id": second})  # a departure, a wipe
    with store.engine.connect() as conn:
        assert _indexed(conn) == 0
        assert conn.execute(text("SELECT count(*) FROM kb_doc")).scalar_one() == 0


def test_synced_upserts_keep_the_index_right(store: LocalStore) -> None:
    """Sync applies pulled rows with INSERT ... ON CONFLICT DO UPDATE (replica._flush): both paths index."""
    columns = "id, title, body, category, tags, published, created_at, updated_at, deleted_at"
    stamp = "2026-05-01 10:00:00.000000"
    upsert = text(
        f"INSERT INTO kb_articles ({columns}) "
        "VALUES (:id, :title, :body, 'Pricing', 'pricing', 1, :t, :t, :gone) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, "
        "deleted_at = excluded.deleted_at"
    )
    with store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(
            upsert,
            {"id": "k1", "title": "Volume pricing", "body": "Tiers at 50 and 200.", "t": stamp, "gone": None},
        )
    with store.engine.connect() as conn:
        assert _ids(conn, "tiers") == ["k1"]
    with store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(
            upsert,
            {"id": "k1", "title": "Term pricing", "body": "Three-year terms.", "t": stamp, "gone": None},
        )
    with store.engine.connect() as conn:
        assert _ids(conn, "tiers") == []
        assert _ids(conn, "term three") == ["k1"]
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0  # not sent back
    with store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(
            upsert,
            {"id": "k1", "title": "Term pricing", "body": "Three-year terms.", "t": stamp, "gone": stamp},
        )
    with store.engine.connect() as conn:
        assert _ids(conn, "term") == []  # a pulled tombstone leaves the index


def test_ranking_snippets_and_filters(store: LocalStore) -> None:
    in_title = _create(
        store,
        title="Competitor notes: TrackStar",
        body="Cheap hardware on long contracts.",
        category="Competitors",
        tags="competitors, trackstar",
    )
    in_body = _create(
        store,
        title="Objection: we already have a supplier",
        body="# Switching\n\nAsk when the contract ends. Many customers leave **TrackStar** after the "
        "first term because of [support](https://example.com/support) hours.",
        category="Objections",
        tags="Objections, switching",
    )
    draft = _create(store, title="TrackStar pricing (draft)", body="Not yet.", published=False)
    with store.engine.connect() as conn:
        hits = kb_search.search(conn, "trackstar")
        assert [h.article_id for h in hits] == [in_title, in_body]  # the title weighs most; no draft
        assert hits[0].title_marked == f"Competitor notes: {ON}TrackStar{OFF}"
        snippet = hits[1].snippet
        assert f"{ON}TrackStar{OFF}" in snippet
        assert "**" not in snippet
        assert "](" not in snippet
        assert "#" not in snippet
        assert "support hours" in kb_search.plain(snippet)
        assert kb_search.highlight_html(snippet).count("<span style=") == 1
        assert "<script>" not in kb_search.highlight_html(f"{ON}<script>{OFF}")
        assert (
            kb_search.highlight_terminal(hits[0].title_marked, color=False) == "Competitor notes: *TrackStar*"
        )
        with_drafts = _ids(conn, "trackstar", include_drafts=True)
        assert set(with_drafts[:2]) == {in_title, draft}
        assert with_drafts[2] == in_body
        assert _ids(conn, "trackstar", category="Objections") == [in_body]
        assert _ids(conn, "trackstar", tag="SWITCHING") == [in_body]
        assert _ids(conn, "trackstar", tag="switch") == []  # tags match whole
        assert _ids(conn, "track", limit=1) == [in_title]
        assert kb.categories(conn) == [("Competitors", 1), ("Objections", 1)]
        assert kb.tags(conn) == [("competitors", 1), ("Objections", 1), ("switching", 1), ("trackstar", 1)]
        assert [a.id for a in kb.list_articles(conn, tag="objections")] == [in_body]
        assert [
            a.title
            for a in kb.articles_by_ids(conn, [in_body, "gone", in_title, draft], include_drafts=False)
        ] == [
            "Objection: we already have a supplier",
            "Competitor notes: TrackStar",
        ]
        assert kb.resolve(conn, in_title[:8]) == in_title
        assert kb.resolve(conn, "objection: WE already have a supplier") == in_body
        with pytest.raises(kb.ArticleNotFound):
            kb.resolve(conn, "no such article")


@settings(max_examples=150, deadline=None)
@given(typed=st.text(max_size=40))
def test_any_typed_text_is_safe(kb_store: LocalStore, typed: str) -> None:
    with kb_store.engine.connect() as conn:
        hits = kb_search.search(conn, typed)
    assert all(h.title for h in hits)


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        "'",
        "*",
        "AND",
        "OR NOT",
        "NEAR(",
        "title:",
        "-",
        "^",
        "(((",
        "\\",
        "%_",
        "\x00",
        "ü",
        "价格",
        "🙂",
    ],
)
def test_fts_syntax_is_only_text(kb_store: LocalStore, typed: str) -> None:
    with kb_store.engine.connect() as conn:
        kb_search.search(conn, typed)
        kb_search.search(conn, f"price {typed} value")


@pytest.fixture(scope="module")
def kb_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    store = LocalStore.open(tmp_path_factory.mktemp("kb"))
    with store.transaction() as session:
        services.create_many(
            session,
            "kb_articles",
            [
                {"title": f"Article {n} about price and value", "body": "Price " * n + "and NEAR AND OR."}
                for n in range(30)
            ],
        )
    yield store
    store.close()


def test_the_migration_indexes_articles_already_there(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    _migrate(path, "0003")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kb_articles (id, title, body, published, product_ids, created_at, updated_at) "
                "VALUES ('a1', 'Bundles', 'Starter bundle', 1, :p, :t, :t)"
            ),
            {"p": json.dumps([]), "t": "2026-05-01 10:00:00"},
        )
    engine.dispose()
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert _ids(conn, "starter") == ["a1"]
    finally:
        store.close()
    _migrate(path, "0003", down=True)
    engine = local_files.engine(path)
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    engine.dispose()
    assert not {"kb_fts", "kb_doc", "kb_articles_index_insert"} & tables


def test_unselective_text_ranks_titles_then_tops_up(store: LocalStore) -> None:
    """Above RANK_LIMIT matches only titles, tags and categories are ranked; the others follow, newest
    first, so the time stays bounded however little was typed."""
    rows: list[dict[str, object]] = [
        {"title": f"Note {n}", "body": f"The price of item {n}."} for n in range(kb_search.RANK_LIMIT + 20)
    ]
    rows += [
        {"title": "Price list", "body": "Current prices."},
        {"title": "Pricing rules", "body": "Discounts.", "tags": "pricing"},
        {"title": "Hidden price memo", "body": "Draft.", "published": False},
    ]
    with store.transaction() as session:
        services.create_many(session, "kb_articles", rows)
    with store.engine.connect() as conn:
        hits = kb_search.search(conn, "pri", limit=20)
        assert [h.title for h in hits[:2]] == ["Pricing rules", "Price list"]  # tags weigh on top of title
        assert len(hits) == 20
        assert "Hidden price memo" not in [h.title for h in hits]
        assert all(ON in h.snippet or ON in h.title_marked for h in hits)
        assert [h.title for h in kb_search.search(conn, "pri", limit=3, include_drafts=True)][:3] == [
            "Pricing rules",
            "Price list",
            "Hidden price memo",
        ]


def test_any_word_ranks_phrases_then_every_word_then_any(store: LocalStore) -> None:
    """Issue 14: "costs too much" found nothing (every word was required) and "price objection" ranked
    "long contract" first; any word now matches, a phrase and then every word rank first, plurals fold
    into their singular's prefix and tags count."""
    expensive = _create(
        store,
        title="Objection: “It is too expensive”",
        body="Price objections usually mean the value is not clear yet. Do not discount first.",
        category="Objection handling",
        tags="pricing, objections, value",
    )
    contract = _create(
        store,
        title="Objection: “We do not want a long contract”",
        body="Customers fear being locked in with a provider that does not deliver.",
        category="Objection handling",
        tags="objections, contracts, pricing",
    )
    fuel = _create(
        store,
        title="Fuel reports",
        body="Show the cost of idling per vehicle and month.",
        category="Product sheets",
        tags="fuel",
    )
    renewals = _create(
        store,
        title="Renewals",
        body="Start 120 days before the end of the term.",
        category="Pricing rules",
        tags="retention, renewals",
    )
    with store.engine.connect() as conn:
        costs = _ids(conn, "costs too much")
        assert costs[0] == expensive
        assert set(costs) == {expensive, fuel}  # "costs" finds "cost"
        assert _ids(conn, "price objection")[:2] == [expensive, contract]
        assert _ids(conn, "long contract price") == [contract, expensive]  # every word before any word
        assert _ids(conn, "retention") == [renewals]  # only in its tags
        assert _ids(conn, "companies retention") == [renewals]
        assert set(_ids(conn, "objec")) == {expensive, contract}
        hits = kb_search.search(conn, "costs too much")
        assert hits[0].title_marked == f"Objection: “It is {ON}too{OFF} expensive”"
        assert kb_search.kb_terms("Price prices") == ['"price"*']
        assert kb_search.kb_terms("") == []
        assert kb_search.kb_terms("GT-400 fuels") == ['"gt 400"*', '"fuel"*']  # a code stays one term
        assert _ids(conn, "long-contract") == [contract]
