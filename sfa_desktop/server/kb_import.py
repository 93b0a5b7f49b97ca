"""``sfa central kb import DIR``: a folder of Markdown articles into the central store's knowledge base.

Every file is read and checked first (front matter, field lengths, products by SKU); if any file is bad,
each bad file is reported by name and nothing is written.  Then, in the caller's one central transaction,
each article is inserted, updated (only the fields that changed) or restored, through
:class:`central.Writer`, so laptops receive it with their next sync.  An article's id comes from its file
name (:func:`sfa_desktop.core.kb.articles.article_id`): importing the folder again updates the same articles.
Articles whose file is gone are left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sfa_desktop.core.kb.articles import article_id
from sfa_desktop.core.kb.files import ArticleFile, ArticleFileError, read_folder
from sfa_desktop.server import schema
from sfa_desktop.server.central import CentralError, Writer

ARTICLES = schema.SYNCED["kb_articles"]
PRODUCTS = schema.SYNCED["products"]
USERS = schema.SYNCED["users"]


class KbImportError(CentralError):
    """Files that cannot be imported: ``problems`` holds one message per file; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"{count} file{'s' if count != 1 else ''} cannot be imported; nothing was imported: "
            + " ".join(problems)
        )


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)


def _products(writer: Writer, articles: list[ArticleFile]) -> tuple[dict[str, str], list[str]]:
    skus = sorted({sku for a in articles for sku in a.skus})
    found: dict[str, str] = {}
    for start in range(0, len(skus), 500):
        rows = writer.conn.execute(
            select(PRODUCTS.c.sku, PRODUCTS.c.id).where(
                PRODUCTS.c.sku.in_(skus[start : start + 500]), PRODUCTS.c.deleted_at.is_(None)
            )
        )
        found.update({str(sku).upper(): str(pid) for sku, pid in rows})
    problems = []
    for article in articles:
        missing = [sku for sku in article.skus if sku not in found]
        if missing:
            listed = ", ".join(missing)
            problems.append(
                f"{article.path.name}: no product with SKU {listed} in the catalogue; correct the 'products' "
                "line or add the product first."
            )
    return found, problems


def import_folder(writer: Writer, folder: Path, *, login: str) -> ImportResult:
    """Import the articles of ``folder`` as ``login`` (their author when they are new)."""
    try:
        articles, problems = read_folder(folder)
    except ArticleFileError as exc:
        raise KbImportError([str(exc)]) from None
    products, missing = _products(writer, articles)
    problems += missing
    if problems:
        raise KbImportError(problems)
    if not articles:
        raise CentralError(f"There are no .md files in {folder}; nothing was imported.")
    conn = writer.conn
    author = conn.execute(select(USERS.c.id).where(USERS.c.login == login)).scalar()
    ids = {a.slug: article_id(a.slug) for a in articles}
    existing: dict[str, dict[str, Any]] = {}
    listed = sorted(ids.values())
    for start in range(0, len(listed), 500):
        rows = conn.execute(select(ARTICLES).where(ARTICLES.c.id.in_(listed[start : start + 500])))
        existing.update({row["id"]: dict(row) for row in rows.mappings()})
    result = ImportResult()
    for article in articles:
        record_id = ids[article.slug]
        values: dict[str, Any] = {
            "title": article.title,
            "category": article.category,
            "tags": article.tags,
            "body": article.body,
            "published": article.published,
            "product_ids": json.dumps([products[s] for s in article.skus]) if article.skus else None,
        }
        current = existing.get(record_id)
        if current is None:
            writer.insert("kb_articles", {"id": record_id, "author_id": author, **values})
            result.added.append(article.title)
            continue
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        if current["deleted_at"] is not None:
            writer.update(
                "kb_articles", record_id, {**changes, "deleted_at": None}, op="restore", old=current
            )
            result.added.append(article.title)
        elif changes:
            writer.update("kb_articles", record_id, changes, old=current)
            result.updated.append(article.title)
        else:
            result.unchanged.append(article.title)
    return result
