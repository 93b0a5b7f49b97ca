"""The demo knowledge base: a product sheet for every demo product (from the facts of
``resources/demo/products.json``), and the articles reps reach for before a call (objection handling,
pricing rules, competitor notes, the sales playbook: ``resources/demo/kb/*.md``, read as ``sfa central kb
import`` reads them), written by the demo's manager through the services like any article.

Ids come from the articles' names (:func:`sfa_desktop.core.kb.articles.article_id`), as for ``sfa central kb
import``,
so the same demo always has the same articles and articles link to each other by file name
(``[Bundles](pricing-bundles.md)``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.kb.articles import article_id
from sfa_desktop.core.records import services
from sfa_desktop.core.records.validation import format_money

AUTHOR = "cwalsh"


def _product_sheet(
    product: data.Product, sku: str, family: str, talk: str, price_cents: int
) -> tuple[str, str, str]:
    """(slug, tags, body) of one product's sheet."""
    pitch, features, buyers, pairs = product.pitch, product.features, product.buyers, product.goes_with
    lines = [
        f"**{pitch}**",
        "",
        "## Key features",
        *(f"- {feature}" for feature in features),
        "",
        "## Who buys it",
        buyers,
        "",
        "## Price",
        f"List price **{format_money(price_cents)}** (SKU `{sku}`). Volume, term and bundle prices: see "
        "[Volume and term pricing](pricing-volume-and-term.md) and [Bundles](pricing-bundles.md).",
        "",
        "## Talking points",
        f"- {pitch}",
        f"- {talk}",
        f"- Goes well with: {pairs}.",
    ]
    tags = f"{family.lower()}, product sheet"
    return f"product-{sku.lower()}", tags, "\n".join(lines)


def seed(session: Session) -> int:
    """Write the demo articles; returns how many.  Needs the demo's products and manager."""
    author = session.execute(text("SELECT id FROM users WHERE login = :l"), {"l": AUTHOR}).scalar()
    products = session.execute(
        text(
            "SELECT id, sku, name, family, unit_price_cents FROM products "
            "WHERE deleted_at IS NULL ORDER BY sku"
        )
    ).all()
    words = data.load()
    talk = {f.name: f.talking_point for f in words.families}
    rows: list[dict[str, Any]] = []
    for product_id, sku, name, family, price in products:
        if name not in words.products or family not in talk:
            continue
        key, tags, body = _product_sheet(words.products[name], sku, family, talk[family], int(price))
        rows.append(
            {
                "id": article_id(key),
                "title": f"{name} ({sku})",
                "category": "Product sheets",
                "tags": tags,
                "body": body,
                "product_ids": f'["{product_id}"]',
                "author_id": author,
                "published": True,
            }
        )
    for article in words.kb_articles:
        rows.append(
            {
                "id": article_id(article.slug),
                "title": article.title,
                "category": article.category,
                "tags": article.tags,
                "body": article.body,
                "author_id": author,
                "published": True,
            }
        )
    services.create_many(session, "kb_articles", rows)
    return len(rows)
