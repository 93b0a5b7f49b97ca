"""Full-text search over accounts, contacts and leads (SQLite FTS5), kept in step by triggers.

``search_doc`` maps a stable integer document id to (kind, record id); ``search_fts`` holds the indexed
text.  Triggers on the record tables keep both in step with every write, in the same transaction, so the
index can never drift from the data.  Whatever a person types is turned into a safe query: each word
becomes a quoted prefix term, so no input can raise an FTS syntax error.

Chinese, Japanese and Korean are written without spaces, so the tokenizer indexes "北京贸易有限公司" as one
word that only its start finds.  A word with such characters is therefore looked for as a substring of the
indexed name, company and city (LIKE, over the index's text) instead of as a prefix: 贸易 finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

# The migrations hold this DDL (and the triggers' below) as pasted text; see store.capture.
SEARCH_DDL = (
    """
    CREATE TABLE search_doc (
        docid INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL UNIQUE
    )
    """,
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        name, company, email, phone, city,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
)

# Phones are stored as E.164 (+12125550143).  Index the digits with the country code and, without a one- or
# two-digit country code, the national number, so "212 555" and "2125550143" both find it.
_PHONE = "(replace({p}, '+', '') || ' ' || substr({p}, 3) || ' ' || substr({p}, 4))"

# kind -> (columns whose change re-indexes the row, SQL expressions for name, company, email, phone, city)
_SOURCES: dict[str, tuple[tuple[str, ...], tuple[str, str, str, str, str]]] = {
    "accounts": (
        ("name", "industry", "email", "phone", "city", "website", "deleted_at"),
        (
            "NEW.name",
            "coalesce(NEW.industry, '') || ' ' || coalesce(NEW.website, '')",
            "NEW.email",
            _PHONE.format(p="NEW.phone"),
            "NEW.city",
        ),
    ),
    "contacts": (
        (
            "first_name",
            "last_name",
            "account_id",
            "email",
            "phone",
            "mobile",
            "city",
            "title",
            "deleted_at",
        ),
        (
            "trim(coalesce(NEW.first_name, '') || ' ' || NEW.last_name)",
            "coalesce((SELECT name FROM accounts WHERE id = NEW.account_id), '') || ' ' || "
            "coalesce(NEW.title, '')",
            "NEW.email",
            "coalesce("
            + _PHONE.format(p="NEW.phone")
            + ", '') || ' ' || coalesce("
            + _PHONE.format(p="NEW.mobile")
            + ", '')",
            "NEW.city",
        ),
    ),
    "leads": (
        ("first_name", "last_name", "company", "email", "phone", "city", "title", "deleted_at"),
        (
            "trim(coalesce(NEW.first_name, '') || ' ' || NEW.last_name)",
            "coalesce(NEW.company, '') || ' ' || coalesce(NEW.title, '')",
            "NEW.email",
            _PHONE.format(p="NEW.phone"),
            "NEW.city",
        ),
    ),
}
SEARCH_KINDS = tuple(_SOURCES)


def _index_row(kind: str) -> str:
    exprs = _SOURCES[kind][1]
    return f"""
        INSERT INTO search_doc (kind, record_id) SELECT '{kind}', NEW.id WHERE NEW.deleted_at IS NULL;
        INSERT INTO search_fts (rowid, name, company, email, phone, city)
        SELECT docid, {", ".join(exprs)} FROM search_doc WHERE record_id = NEW.id;
    """


def _unindex_row() -> str:
    return """
        DELETE FROM search_fts WHERE rowid = (SELECT docid FROM search_doc WHERE record_id = OLD.id);
        DELETE FROM search_doc WHERE record_id = OLD.id;
    """


def search_trigger_ddl() -> list[str]:
    statements = []
    for kind, (watched, _) in _SOURCES.items():
        statements += [
            f"CREATE TRIGGER search_{kind}_insert AFTER INSERT ON {kind} BEGIN {_index_row(kind)} END",
            f"CREATE TRIGGER search_{kind}_update AFTER UPDATE OF {', '.join(watched)} ON {kind} "
            f"BEGIN {_unindex_row()} {_index_row(kind)} END",
            f"CREATE TRIGGER search_{kind}_delete AFTER DELETE ON {kind} BEGIN {_unindex_row()} END",
        ]
    # A contact's company is its account's name: renaming the account re-indexes its contacts.
    statements.append(
        """
        CREATE TRIGGER search_accounts_rename_contacts AFTER UPDATE OF name ON accounts
        BEGIN
            UPDATE search_fts SET company = NEW.name || ' ' || coalesce(
                (SELECT c.title FROM contacts c JOIN search_doc d ON d.record_id = c.id
                 WHERE d.docid = search_fts.rowid), '')
            WHERE rowid IN (SELECT d.docid FROM search_doc d JOIN contacts c ON c.id = d.record_id
                            WHERE c.account_id = NEW.id);
        END
        """
    )
    return statements


def drop_search_trigger_ddl() -> list[str]:
    names = [f"search_{k}_{w}" for k in _SOURCES for w in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {n}" for n in [*names, "search_accounts_rename_contacts"]]


def rebuild(conn: Connection) -> None:
    """Re-create the whole index from the tables (after a bulk load with the triggers dropped)."""
    conn.exec_driver_sql("DELETE FROM search_fts")
    conn.exec_driver_sql("DELETE FROM search_doc")
    for kind, (_, exprs) in _SOURCES.items():
        select = ", ".join(e.replace("NEW.", "r.") for e in exprs)
        conn.exec_driver_sql(
            f"INSERT INTO search_doc (kind, record_id) "
            f"SELECT '{kind}', id FROM {kind} WHERE deleted_at IS NULL"
        )
        conn.exec_driver_sql(
            f"INSERT INTO search_fts (rowid, name, company, email, phone, city) "
            f"SELECT d.docid, {select} FROM search_doc d JOIN {kind} r ON r.id = d.record_id "
            f"WHERE d.kind = '{kind}'"
        )


def index_missing(conn: Connection, kind: str) -> None:
    """Index the live rows of ``kind`` that have no search entry (rows loaded with the insert trigger set
    aside, see ``sync.replica.bulk_load``): what the trigger would have written for each."""
    _, exprs = _SOURCES[kind]
    select = ", ".join(e.replace("NEW.", "r.") for e in exprs)
    first = conn.exec_driver_sql("SELECT coalesce(max(docid), 0) FROM search_doc").scalar_one()
    conn.exec_driver_sql(
        f"INSERT INTO search_doc (kind, record_id) SELECT '{kind}', r.id FROM {kind} r "
        "WHERE r.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM search_doc d WHERE d.record_id = r.id)"
    )
    conn.exec_driver_sql(
        f"INSERT INTO search_fts (rowid, name, company, email, phone, city) "
        f"SELECT d.docid, {select} FROM search_doc d JOIN {kind} r ON r.id = d.record_id "
        f"WHERE d.docid > ? AND d.kind = '{kind}'",
        (first,),
    )


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 8
#: Scripts written without spaces between words: Han (with its extensions and compatibility forms), kana,
#: Hangul, Bopomofo.
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\U00020000-\U0003134f]"
)
#: The indexed columns a CJK word is looked for in.
_SUBSTRING_COLUMNS = ("name", "company", "city")


def _words(user_text: str) -> tuple[list[str], list[str]]:
    """The words typed: (the others, those with CJK characters), at most MAX_TERMS in all."""
    words = _WORD.findall(user_text)[:MAX_TERMS]
    return [w for w in words if not _CJK.search(w)], [w for w in words if _CJK.search(w)]


def substring_clause(user_text: str, table: str) -> tuple[str | None, dict[str, str]]:
    """SQL (with its parameters) requiring each CJK word typed to occur in ``table``'s name, company or
    city; None when none was typed."""
    _, cjk = _words(user_text)
    clauses = []
    params: dict[str, str] = {}
    for number, word in enumerate(cjk):
        params[f"cjk{number}"] = f"%{word}%"  # _WORD holds no % or _: nothing to escape
        clauses.append("(" + " OR ".join(f"{table}.{c} LIKE :cjk{number}" for c in _SUBSTRING_COLUMNS) + ")")
    return (" AND ".join(clauses) if clauses else None), params


def _term(word: str) -> str:
    term = f'"{word}"*'
    stripped = word.lstrip("0")
    if word.isdigit() and stripped and stripped != word:
        # a national trunk prefix ("030 1234..."): match the digits without it too
        term = f'({term} OR "{stripped}"*)'
    return term


def fts_query(user_text: str, *, skip_cjk: bool = False) -> str | None:
    """A safe FTS5 query for what a person typed: every word must match as a prefix.

    Digits typed in groups ("212 555 01") also match as one number, since phones are indexed as digit runs.
    With ``skip_cjk``, words with CJK characters are left out (for :func:`substring_clause`).  Returns None
    when the text holds no word to search for with FTS.
    """
    words = _words(user_text)[0] if skip_cjk else query_words(user_text)
    terms: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j].isdigit():
            j += 1
        if j - i >= 2:
            run = words[i:j]
            separate = " AND ".join(_term(w) for w in run)
            terms.append(f"({_term(''.join(run))} OR ({separate}))")
            i = j
        else:
            terms.append(_term(words[i]))
            i += 1
    return " AND ".join(terms) if terms else None


def query_words(user_text: str) -> list[str]:
    """The words of what a person typed, as the FTS5 tokenizer sees them (at most MAX_TERMS)."""
    return _WORD.findall(user_text)[:MAX_TERMS]


@dataclass(frozen=True)
class Hit:
    kind: str
    record_id: str
    title: str
    detail: str


#: Above this many matches ranking is both slow (bm25 scores every match) and meaningless (one or two
#: letters typed): show matches on the name instead, alphabetically.
RANK_LIMIT = 400


def search(conn: Connection, user_text: str, *, limit: int = 20, kind: str | None = None) -> list[Hit]:
    """Matches for what a person typed, best first; never raises on odd input.

    Bounded in time however unselective the text: a query matching more than RANK_LIMIT documents is
    answered from the name column in name order instead of by bm25 over every match.
    """
    query = fts_query(user_text, skip_cjk=True)
    substrings, found = substring_clause(user_text, "f")
    if query is None and substrings is None:
        return []
    select = (
        "SELECT d.kind, d.record_id, f.name, f.company, f.email, f.city FROM search_fts f "
        "JOIN search_doc d ON d.docid = f.rowid WHERE "
    )
    params: dict[str, object] = {"q": query, "limit": limit, "bound": RANK_LIMIT + 1, **found}
    kind_clause = ""
    if kind is not None:
        kind_clause = " AND d.kind = :kind"
        params["kind"] = kind
    if query is None:  # only CJK words: substrings of the indexed text, by name
        rows = list(
            conn.execute(
                text(select + (substrings or "") + kind_clause + " ORDER BY f.name LIMIT :limit"), params
            )
        )
        return _hits(rows)
    select += "search_fts MATCH :q" + (f" AND {substrings}" if substrings else "") + kind_clause
    matches = conn.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :q LIMIT :bound)"),
        params,
    ).scalar_one()
    if matches <= RANK_LIMIT:
        rows = list(
            conn.execute(
                text(select + " ORDER BY bm25(search_fts, 10.0, 4.0, 3.0, 2.0, 1.0) LIMIT :limit"), params
            )
        )
    else:
        on_name = {**params, "q": "{name} : (" + query + ")"}
        rows = list(conn.execute(text(select + " LIMIT :limit"), on_name))
        if len(rows) < limit:  # top up with matches in other columns
            seen = {row[1] for row in rows}
            rows += [r for r in conn.execute(text(select + " LIMIT :limit"), params) if r[1] not in seen]
            rows = rows[:limit]
        typed = _WORD.findall(user_text)[0].casefold()
        rows.sort(
            key=lambda row: (not (row[2] or "").casefold().startswith(typed), (row[2] or "").casefold())
        )
    return _hits(rows)


def _hits(rows: list[Any]) -> list[Hit]:
    hits = []
    for kind_, record_id, name, company, email, city in rows:
        detail = " · ".join(part.strip() for part in (company, email, city) if part and part.strip())
        hits.append(Hit(kind_, record_id, name or "", detail))
    return hits


def matching_ids_sql(kind: str, *, fts: bool = True, substrings: str | None = None) -> str:
    """An SQL fragment selecting the ids of ``kind`` matching the bind parameter ``:fts`` (a
    :func:`fts_query`) and the ``substrings`` clause (:func:`substring_clause` with table ``f``), for list
    filters."""
    where = [f"d.kind = '{kind}'"]
    if fts:
        where.insert(0, "search_fts MATCH :fts")
    if substrings:
        where.append(substrings)
    return (
        "SELECT d.record_id FROM search_fts f JOIN search_doc d ON d.docid = f.rowid "
        f"WHERE {' AND '.join(where)}"
    )
