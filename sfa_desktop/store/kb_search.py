"""Full-text search over the knowledge base (SQLite FTS5), kept in step with ``kb_articles`` by triggers.

``kb_doc`` maps a stable integer document id to an article id; ``kb_fts`` holds the indexed title, tags,
category and Markdown body.  Triggers keep both in step with every write in the same transaction, whoever
writes: the services, the editor, or sync applying pulled rows (its upserts fire the insert and update
triggers; a departure or a wipe fires the delete trigger).  A tombstoned article leaves the index.

Whatever a person types is turned into a safe query by :func:`sfa_desktop.store.search.fts_query` (the one
query builder of the app), so no input raises an FTS syntax error.  Results are ranked by bm25 with the
title weighing most, and come with a snippet of the body whose matched words sit between :data:`MARK_ON`
and :data:`MARK_OFF` (see :func:`highlight_html` and :func:`highlight_terminal`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text

from sfa_desktop.core.kb.articles import tag_key
from sfa_desktop.store.search import MAX_TERMS, query_words

# The migrations hold this DDL (and the triggers' below) as pasted text; see store.capture.
KB_DDL = (
    """
    CREATE TABLE kb_doc (
        docid INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL UNIQUE
    )
    """,
    """
    CREATE VIRTUAL TABLE kb_fts USING fts5(
        title, tags, category, body,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
    )
    """,
    # prefix indexes: typing one to three letters of a word matches one precomputed list, not hundreds
    # ORDER BY rank is then bm25 with these weights of title, tags, category and body, sorted inside FTS5
    "INSERT INTO kb_fts (kb_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 3.0, 1.0)')",
)
#: Written around matched words in snippets: control characters no article can hold (fields.clean_value).
MARK_ON, MARK_OFF = "\x02", "\x03"
SNIPPET_TOKENS = 18
_WATCHED = ("title", "tags", "category", "body", "deleted_at")
_INDEX_ROW = """
    INSERT INTO kb_doc (article_id) SELECT NEW.id WHERE NEW.deleted_at IS NULL;
    INSERT INTO kb_fts (rowid, title, tags, category, body)
    SELECT docid, NEW.title, coalesce(NEW.tags, ''), coalesce(NEW.category, ''), coalesce(NEW.body, '')
    FROM kb_doc WHERE article_id = NEW.id;
"""
_UNINDEX_ROW = """
    DELETE FROM kb_fts WHERE rowid = (SELECT docid FROM kb_doc WHERE article_id = OLD.id);
    DELETE FROM kb_doc WHERE article_id = OLD.id;
"""
TRIGGERS = ("kb_articles_index_insert", "kb_articles_index_update", "kb_articles_index_delete")


def kb_trigger_ddl() -> list[str]:
    return [
        f"CREATE TRIGGER kb_articles_index_insert AFTER INSERT ON kb_articles BEGIN {_INDEX_ROW} END",
        f"CREATE TRIGGER kb_articles_index_update AFTER UPDATE OF {', '.join(_WATCHED)} ON kb_articles "
        f"BEGIN {_UNINDEX_ROW} {_INDEX_ROW} END",
        f"CREATE TRIGGER kb_articles_index_delete AFTER DELETE ON kb_articles BEGIN {_UNINDEX_ROW} END",
    ]


def drop_kb_ddl() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS] + [
        "DROP TABLE IF EXISTS kb_fts",
        "DROP TABLE IF EXISTS kb_doc",
    ]


@dataclass(frozen=True)
class KbHit:
    article_id: str
    title: str
    category: str
    tags: str
    #: The best passage of the body, matched words between MARK_ON and MARK_OFF, Markdown syntax removed.
    snippet: str
    #: The title with matched words marked the same way.
    title_marked: str
    published: bool
    updated_at: dt.datetime | None
    score: float


#: Above this many matches, ranking every one by bm25 is slow (a word or two letters typed match nearly
#: every article) and says little: the matches in titles, tags and categories are ranked instead, and
#: the others follow (as ``store.search`` does for records).
RANK_LIMIT = 300
_FIELDS = "{title tags category}"


def kb_terms(user_text: str) -> list[str]:
    """The FTS5 terms for what a person typed: each word a prefix, English plurals folded, no repeats; a
    word written with hyphens or dots ("gt-400", "nothing-like-this") is one term, its parts in order."""
    terms: list[str] = []
    for chunk in user_text.split():
        parts = [p.lower() for p in query_words(chunk)]
        if not parts:
            continue
        term = f'"{_singular(parts[0])}"*' if len(parts) == 1 else f'"{" ".join(parts)}"*'
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


#: Words between typed words that still count as a phrase ("price objections", "price of the objection").
NEAR_TOKENS = 2


def _singular(word: str) -> str:
    """An English plural folded to a prefix of its singular ("costs" -> "cost", "companies" -> "compan"), so
    that the prefix matches both; short words and "-ss" words stay as typed."""
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
        return word
    return word[:-3] if word.endswith("ies") else word[:-1]


def search(
    conn: Connection,
    user_text: str,
    *,
    limit: int = 20,
    category: str | None = None,
    tag: str | None = None,
    include_drafts: bool = False,
) -> list[KbHit]:
    """Articles matching any word a person typed, best first (each word a prefix); never raises on odd input.

    The articles holding every word (see :func:`kb_terms`) come first, ranked by bm25 over title, tags,
    category and body, those where the words stand together (in the title or the body) before the others;
    then, up to ``limit``, those holding some of the words, ranked the same way (more and rarer words first).
    ``category`` and ``tag`` narrow the search to one of them; drafts (unpublished) are left out unless
    ``include_drafts``.  The bm25 ranking is done inside FTS5 (``ORDER BY rank``), so snippets are made
    only for the rows returned; above RANK_LIMIT matches only those in titles, tags and categories are
    ranked, so the time stays bounded however unselective the text."""
    terms = kb_terms(user_text)
    if not terms or limit <= 0:
        return []
    conditions = ["kb_fts MATCH :q"]
    params: dict[str, object] = {"limit": limit}
    if not include_drafts:
        conditions.append("a.published = 1")
    if category is not None:
        conditions.append("a.category = :category")
        params["category"] = category
    if tag is not None:
        conditions.append("instr(',' || replace(lower(coalesce(a.tags, '')), ' ', '') || ',', :tag) > 0")
        params["tag"] = f",{tag_key(tag)},"
    ranked = (
        "SELECT kb_fts.rowid, rank FROM kb_fts JOIN kb_doc d ON d.docid = kb_fts.rowid "
        f"JOIN kb_articles a ON a.id = d.article_id WHERE {' AND '.join(conditions)}"
    )
    any_word = " OR ".join(terms)
    chosen = _ranked(conn, ranked, {**params, "q": " AND ".join(terms)}, limit)
    if len(terms) > 1 and len(chosen) < limit:  # then the articles holding some of the words
        seen = {docid for docid, _ in chosen}
        wanted = {**params, "q": any_word, "limit": limit + len(seen)}
        # unselective (a common word among them): only the titles ranked, tags match too many
        more = _ranked(conn, ranked, wanted, limit + len(seen), fields="{title}")
        chosen += [hit for hit in more if hit[0] not in seen][: limit - len(chosen)]
    if not chosen:
        return []
    if len(terms) > 1:  # the words standing together (a phrase) in the title or the body come first
        phrase = text("SELECT rowid FROM kb_fts WHERE kb_fts MATCH :q AND +rowid IN :docids").bindparams(
            bindparam("docids", expanding=True)
        )
        near = f"{{title body}} : NEAR({' '.join(terms)}, {NEAR_TOKENS})"
        together = set(conn.execute(phrase, {"q": near, "docids": [d for d, _ in chosen]}).scalars())
        chosen.sort(key=lambda hit: hit[0] not in together)
    # snippets cost a pass over each body: only for the articles shown; every typed word is marked
    detail = text(
        "SELECT kb_fts.rowid, d.article_id, a.title, a.category, a.tags, a.published, a.updated_at, "
        f"highlight(kb_fts, 0, '{MARK_ON}', '{MARK_OFF}'), "
        f"snippet(kb_fts, 3, '{MARK_ON}', '{MARK_OFF}', '…', {SNIPPET_TOKENS}) "
        "FROM kb_fts JOIN kb_doc d ON d.docid = kb_fts.rowid JOIN kb_articles a ON a.id = d.article_id "
        "WHERE kb_fts MATCH :q AND +kb_fts.rowid IN :docids"  # "+": filter, not a lookup per id
    ).bindparams(bindparam("docids", expanding=True))
    score = dict(chosen)
    found = {row[0]: row for row in conn.execute(detail, {"q": any_word, "docids": list(score)})}
    return [_hit(found[docid], score[docid]) for docid, _ in chosen if docid in found]


def _ranked(
    conn: Connection, ranked: str, params: dict[str, object], limit: int, fields: str = _FIELDS
) -> list[tuple[int, float]]:
    """The best ``limit`` matches of one query by bm25; above RANK_LIMIT matches, those in ``fields`` ranked
    and the others after them, newest first."""
    query = params["q"]
    matches = conn.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM kb_fts WHERE kb_fts MATCH :q LIMIT :bound)"),
        {"q": query, "bound": RANK_LIMIT + 1},
    ).scalar_one()
    if matches <= RANK_LIMIT:
        return [(r[0], r[1]) for r in conn.execute(text(ranked + " ORDER BY rank LIMIT :limit"), params)]
    narrowed = {**params, "q": f"{fields} : ({query})"}
    chosen = [(r[0], r[1]) for r in conn.execute(text(ranked + " ORDER BY rank LIMIT :limit"), narrowed)]
    if len(chosen) < limit:  # top up with matches in the text, newest first
        seen = {docid for docid, _ in chosen}
        more = conn.execute(
            text(ranked.replace(", rank", ", 0.0") + " ORDER BY kb_fts.rowid DESC LIMIT :more"),
            {**params, "more": limit + len(seen)},
        )
        chosen += [(r[0], r[1]) for r in more if r[0] not in seen][: limit - len(chosen)]
    return chosen


def _hit(row: Any, score: float) -> KbHit:
    _docid, article_id, title, category_, tags, published, updated, title_marked, snippet = row
    return KbHit(
        article_id=article_id,
        title=title,
        category=category_ or "",
        tags=tags or "",
        snippet=clean_snippet(snippet or ""),
        title_marked=title_marked or title,
        published=bool(published),
        updated_at=_as_datetime(updated),
        score=float(score),
    )


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)?")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)?")
_SYNTAX = re.compile(r"(^|\s)(#{1,6}|>|[-*+]|\d+\.)\s+|[*_`|~]{1,3}|^-{3,}$", re.MULTILINE)


def clean_snippet(snippet: str) -> str:
    """A body passage as reading text: Markdown link and emphasis syntax removed, whitespace collapsed."""
    passage = _IMAGE.sub(r"\1", snippet)
    passage = _LINK.sub(r"\1", passage)
    passage = _SYNTAX.sub(lambda m: m.group(1) or "", passage)
    passage = " ".join(passage.split())
    # a marker left around nothing (its word was Markdown syntax) says nothing
    return passage.replace(MARK_ON + MARK_OFF, "")


def highlight_html(marked: str, style: str = "background:#fde68a;color:#0f172a;") -> str:
    """Marked text as safe HTML (everything escaped) with the matched words highlighted."""
    escaped = html.escape(marked.replace(MARK_ON, "\x00on").replace(MARK_OFF, "\x00off"))
    return escaped.replace("\x00on", f"<span style='{style}'>").replace("\x00off", "</span>")


def highlight_terminal(marked: str, *, color: bool) -> str:
    """Marked text for a terminal: bold yellow on a colour terminal, else the words between asterisks."""
    if color:
        return marked.replace(MARK_ON, "\x1b[1;33m").replace(MARK_OFF, "\x1b[0m")
    return marked.replace(MARK_ON, "*").replace(MARK_OFF, "*")


def plain(marked: str) -> str:
    """Marked text without the marks."""
    return marked.replace(MARK_ON, "").replace(MARK_OFF, "")
