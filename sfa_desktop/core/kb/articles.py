"""The knowledge base: articles as the window, the command line and the call sheet read them, who may
write them, and the Markdown files ``sfa central kb import`` reads.

Articles are reference data (everyone gets all of them) written by managers and admins: the rule is
``core.access.may_author_articles``, which the services enforce and the central store applies too;
:func:`may_author` asks it by role.  Full-text search lives with its index in
:mod:`sfa_desktop.store.kb_search`.

An imported article's id is derived from its file name (:func:`article_id`), so importing the folder again
updates the same articles wherever they are.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.errors import UserError

_ID_NAMESPACE = uuid.UUID("5b0c6a52-6f8e-4d6c-9a55-2f1f7a3e0b51")
Reader = Session | Connection


class ArticleNotFound(UserError, LookupError):
    """No live article by that id, title or name; the message is for a person."""


def may_author(role: str | None) -> bool:
    """Whether a user of this role writes articles (``access.may_author_articles``).  ``None``: a laptop not
    connected to a central store, whose user keeps their own data (there is nobody else to refuse it)."""
    return access.may_author_articles(None if role is None else access.Identity("", "", role, frozenset()))


def slug(name: str) -> str:
    """A file name or title as a stable key: 'Objection: Too expensive!.md' -> 'objection-too-expensive'."""
    stem = name[:-3] if name.lower().endswith(".md") else name
    folded = unicodedata.normalize("NFKD", stem)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def article_id(key: str) -> str:
    """The id of the article with this slug: the same on every laptop and in every import."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"kb-article:{slug(key)}"))


def tag_list(tags: str | None) -> list[str]:
    """'pricing, Objections,,  trade show' -> ['pricing', 'Objections', 'trade show'] (duplicates dropped)."""
    seen: dict[str, str] = {}
    for tag in (tags or "").split(","):
        cleaned = " ".join(tag.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())


def join_tags(tags: Iterable[str]) -> str | None:
    """Tags as they are stored: comma and space separated; None for none."""
    listed = tag_list(",".join(tags))
    return ", ".join(listed) if listed else None


@dataclass(frozen=True)
class ArticleSummary:
    id: str
    title: str
    category: str
    tags: tuple[str, ...]
    published: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class Article(ArticleSummary):
    body: str = ""
    product_ids: tuple[str, ...] = ()
    #: (sku, name) of the linked products still in the catalogue.
    products: tuple[tuple[str, str], ...] = ()
    author: str = ""
    created_at: dt.datetime | None = None


def _when(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def product_ids(raw: str | None) -> tuple[str, ...]:
    """The product ids of an article's ``product_ids`` JSON; nothing for empty or unreadable text."""
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        return ()
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()


_SUMMARY = "SELECT id, title, category, tags, published, updated_at FROM kb_articles WHERE deleted_at IS NULL"


def _summary(row: Sequence[Any]) -> ArticleSummary:
    return ArticleSummary(row[0], row[1], row[2] or "", tuple(tag_list(row[3])), bool(row[4]), _when(row[5]))


def articles_by_ids(db: Reader, ids: Sequence[str], *, include_drafts: bool = True) -> list[ArticleSummary]:
    """The live articles of these ids, in the order given (unknown and deleted ids are skipped)."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    found: dict[str, ArticleSummary] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        rows = db.execute(text(f"{_SUMMARY} AND id IN ({marks})"), {f"i{n}": v for n, v in enumerate(chunk)})
        for row in rows:
            found[row[0]] = _summary(row)
    return [found[i] for i in wanted if i in found and (include_drafts or found[i].published)]


def bodies_by_ids(db: Reader, ids: Sequence[str]) -> dict[str, str]:
    """The Markdown body of each live article of these ids."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    result: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        rows = db.execute(
            text(f"SELECT id, body FROM kb_articles WHERE deleted_at IS NULL AND id IN ({marks})"),
            {f"i{n}": v for n, v in enumerate(chunk)},
        )
        result.update({row[0]: row[1] or "" for row in rows})
    return result


def get_article(db: Reader, article: str) -> Article:
    """Every detail of one live article (drafts included), with its products and author."""
    row = db.execute(
        text(
            "SELECT a.id, a.title, a.category, a.tags, a.published, a.updated_at, a.body, a.product_ids, "
            "u.full_name, a.created_at FROM kb_articles a LEFT JOIN users u ON u.id = a.author_id "
            "WHERE a.id = :id AND a.deleted_at IS NULL"
        ),
        {"id": article},
    ).first()
    if row is None:
        raise ArticleNotFound(f"There is no article with id {article}; it may have been deleted.")
    ids = product_ids(row[7])
    products: list[tuple[str, str]] = []
    if ids:
        marks = ", ".join(f":p{n}" for n in range(len(ids)))
        named = {
            r[0]: (r[1], r[2])
            for r in db.execute(
                text(f"SELECT id, sku, name FROM products WHERE deleted_at IS NULL AND id IN ({marks})"),
                {f"p{n}": v for n, v in enumerate(ids)},
            )
        }
        products = [named[i] for i in ids if i in named]
    return Article(
        row[0],
        row[1],
        row[2] or "",
        tuple(tag_list(row[3])),
        bool(row[4]),
        _when(row[5]),
        body=row[6] or "",
        product_ids=ids,
        products=tuple(products),
        author=row[8] or "",
        created_at=_when(row[9]),
    )


def list_articles(
    db: Reader, *, category: str | None = None, tag: str | None = None, include_drafts: bool = False
) -> list[ArticleSummary]:
    """Live articles by title, of one category and/or carrying one tag (case and spaces ignored)."""
    sql = _SUMMARY
    params: dict[str, Any] = {}
    if not include_drafts:
        sql += " AND published = 1"
    if category is not None:
        sql += " AND category = :category"
        params["category"] = category
    rows = [_summary(r) for r in db.execute(text(sql + " ORDER BY title COLLATE NOCASE"), params)]
    if tag is not None:
        key = tag_key(tag)
        rows = [r for r in rows if any(tag_key(t) == key for t in r.tags)]
    return rows


def tag_key(tag: str) -> str:
    """How tags compare: case and spaces do not matter ('Trade show' is 'trade show' is 'tradeshow')."""
    return "".join(tag.lower().split())


def categories(db: Reader, *, include_drafts: bool = False) -> list[tuple[str, int]]:
    """(category, number of articles) by category name; articles without one are left out."""
    sql = (
        "SELECT category, count(*) FROM kb_articles WHERE deleted_at IS NULL AND category IS NOT NULL"
        + ("" if include_drafts else " AND published = 1")
        + " GROUP BY category ORDER BY category COLLATE NOCASE"
    )
    return [(row[0], int(row[1])) for row in db.execute(text(sql))]


def tags(db: Reader, *, include_drafts: bool = False) -> list[tuple[str, int]]:
    """(tag, number of articles) by how often used, then by name."""
    sql = "SELECT tags FROM kb_articles WHERE deleted_at IS NULL AND tags IS NOT NULL"
    sql += "" if include_drafts else " AND published = 1"
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for (raw,) in db.execute(text(sql)):
        for tag in tag_list(raw):
            key = tag_key(tag)
            spelled.setdefault(key, tag)
            counts[key] += 1
    return sorted(((spelled[k], n) for k, n in counts.items()), key=lambda item: (-item[1], item[0].lower()))


def count(db: Reader, *, include_drafts: bool = False) -> int:
    sql = "SELECT count(*) FROM kb_articles WHERE deleted_at IS NULL"
    return int(db.execute(text(sql + ("" if include_drafts else " AND published = 1"))).scalar_one())


def resolve(db: Reader, ref: str) -> str:
    """The id of the live article a person named: its id, a unique id prefix, its title (any case) or the
    name of the file it was imported from."""
    wanted = ref.strip()
    if not wanted:
        raise ArticleNotFound("No article given.")
    alive = "SELECT id FROM kb_articles WHERE deleted_at IS NULL AND "
    for sql, value in (
        (alive + "id = :v", wanted),
        (alive + "id = :v", article_id(wanted)),
        (alive + "title = :v COLLATE NOCASE", wanted),
    ):
        found = list(db.execute(text(sql + " LIMIT 5"), {"v": value}).scalars())
        if len(found) == 1:
            return str(found[0])
        if len(found) > 1:
            raise ArticleNotFound(f"Several articles are called '{wanted}'; give the id instead.")
    if re.fullmatch(r"[0-9a-fA-F-]{4,36}", wanted):
        found = list(db.execute(text(alive + "id LIKE :p LIMIT 5"), {"p": wanted.lower() + "%"}).scalars())
        if len(found) == 1:
            return str(found[0])
        if found:
            raise ArticleNotFound(f"'{wanted}' is the start of several article ids; give more of it.")
    raise ArticleNotFound(f"There is no article '{wanted}'. Find it with 'sfa kb search WORDS'.")
