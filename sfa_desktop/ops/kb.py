"""The knowledge base: what there is to browse, search, articles and their products, saving and deleting
(the Knowledge page, the article editor, the links on records; ``sfa kb``).  One session or connection
each, returning plain values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.records import services
from sfa_desktop.store import kb_search
from sfa_desktop.store.database import LocalStore

SEARCH_LIMIT = 30


@dataclass(frozen=True)
class Overview:
    user: access.Identity | None
    may_author: bool
    count: int
    categories: list[tuple[str, int]]
    tags: list[tuple[str, int]]


def overview(store: LocalStore) -> Overview:
    """Who is here (and whether they may write articles) and what there is to browse."""
    with store.engine.connect() as conn:
        user = access.this_user(conn)
        author = kb.may_author(user.role if user is not None else None)
        return Overview(
            user,
            author,
            kb.count(conn, include_drafts=author),
            kb.categories(conn, include_drafts=author),
            kb.tags(conn, include_drafts=author),
        )


def may_author(store: LocalStore) -> bool:
    """Whether this laptop's user may write articles (and so sees drafts)."""
    with store.engine.connect() as conn:
        user = access.this_user(conn)
    return kb.may_author(user.role if user is not None else None)


def find(
    store: LocalStore,
    typed: str,
    category: str | None,
    tag: str | None,
    drafts: bool,
    limit: int = SEARCH_LIMIT,
) -> list[kb_search.KbHit]:
    """The best ``limit`` articles for the words typed, with the passage that matches."""
    with store.engine.connect() as conn:
        return kb_search.search(conn, typed, limit=limit, category=category, tag=tag, include_drafts=drafts)


def browse(store: LocalStore, category: str | None, tag: str | None, drafts: bool) -> list[kb.ArticleSummary]:
    with store.engine.connect() as conn:
        return kb.list_articles(conn, category=category, tag=tag, include_drafts=drafts)


def resolve(store: LocalStore, given: str) -> str:
    """The id of the article ``given`` names: its id, an id prefix, its title or its file name
    (``ArticleNotFound`` otherwise)."""
    with store.engine.connect() as conn:
        return kb.resolve(conn, given)


def load(store: LocalStore, article_id: str) -> kb.Article:
    with store.engine.connect() as conn:
        return kb.get_article(conn, article_id)


def summaries(store: LocalStore, ids: Sequence[str]) -> list[kb.ArticleSummary]:
    with store.engine.connect() as conn:
        return kb.articles_by_ids(conn, ids)


def products(store: LocalStore) -> list[tuple[str, str, str]]:
    """(id, sku, name) of the live products, by SKU."""
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, sku, name FROM products WHERE deleted_at IS NULL ORDER BY sku"))
        return [(r[0], r[1], r[2]) for r in rows]


def save(store: LocalStore, article_id: str | None, values: Mapping[str, Any], author_id: str | None) -> str:
    """Create (no id) or update an article in one transaction; ValidationError names the bad fields.

    ``values``: title, category, tags (any spelling: stored as 'a, b'), body, published and product_ids
    (a list of product ids)."""
    changes: dict[str, Any] = {k: v for k, v in values.items() if k != "product_ids"}
    if "tags" in changes:
        changes["tags"] = kb.join_tags(kb.tag_list(changes["tags"]))
    if "product_ids" in values:
        listed = list(dict.fromkeys(values["product_ids"] or ()))
        changes["product_ids"] = json.dumps(listed) if listed else None
    with store.transaction() as session:
        if article_id is None:
            if author_id:
                changes["author_id"] = author_id
            return services.create(session, "kb_articles", changes).id
        services.update(session, "kb_articles", article_id, changes)
        return article_id


def delete(store: LocalStore, article_id: str) -> None:
    with store.transaction() as session:
        services.delete(session, "kb_articles", article_id)
