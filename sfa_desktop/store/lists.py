"""Record lists as SQL: which ids match a filter in which order, and the display rows for a page of ids.

The GUI's lazy table models and the command line's ``list`` commands both use this: filtering and sorting
happen in SQLite (FTS5 for text, ``store.filters`` for column filters), and rows are fetched a page at a
time by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core import service_levels
from sfa_desktop.core.records.fields import INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, OPPORTUNITY_STAGES
from sfa_desktop.core.records.vocabularies import SEGMENTS
from sfa_desktop.core.territories.tree import subtree_sql
from sfa_desktop.store import filters as filter_sql
from sfa_desktop.store.filters import ColumnFilter
from sfa_desktop.store.list_spec import Column, ListSpec
from sfa_desktop.store.search import fts_query, matching_ids_sql, substring_clause


def _c(
    key: str,
    label: str,
    expr: str,
    kind: str = "text",
    sort: str | None = None,
    *,
    choices: tuple[str, ...] = (),
    ref: str | None = None,
    filter_expr: str | None = None,
) -> Column:
    if sort is None:
        sort = f"{expr} COLLATE NOCASE" if kind in ("text", "phone") else expr
    return Column(key, label, expr, sort, kind, choices, ref, filter_expr)


_OWNER = _c(
    "owner",
    "Owner",
    "(SELECT full_name FROM users u WHERE u.id = r.owner_id)",
    ref="users",
    filter_expr="r.owner_id",
)
_TERRITORY = _c(
    "territory",
    "Territory",
    "(SELECT name FROM territories t WHERE t.id = r.territory_id)",
    ref="territories",
    filter_expr="r.territory_id",
)


def _last_activity(parent: str) -> Column:
    """When the record was last worked on: its latest activity that is done."""
    return _c(
        "last_activity",
        "Last activity",
        f"(SELECT max(x.done_at) FROM activities x WHERE x.{parent} = r.id AND x.deleted_at IS NULL)",
        "datetime",
    )


_DUE = service_levels.due_columns("r")
#: Visits by service level (issue 16): the account's segment, when its next visit is due and whether it is
#: due or overdue today ("Visit is due or overdue" is a column filter like any other, and can be saved).
_VISITS = (
    _c("segment", "Segment", _DUE["segment"], choices=SEGMENTS),
    _c("next_visit", "Next visit", _DUE["due_from"], "date"),
    _c("visit", "Visit", _DUE["state"], choices=service_levels.STATES),
)

_PERSON = "trim(coalesce(r.first_name, '') || ' ' || r.last_name)"
_PERSON_SORT = "r.last_name COLLATE NOCASE, r.first_name COLLATE NOCASE"


def refresh_lead_scores(conn: Connection) -> None:
    """Recompute stale lead scores (see ``core.scoring``) on this connection: committed at once when it is
    not in a transaction, else within the caller's transaction.  When the database is busy (another
    program writing), the list shows the scores it has."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from sfa_desktop.core.scoring import scores as scoring

    def run() -> None:
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            scoring.refresh(session)
            session.commit()  # releases the session's savepoint; the connection's transaction goes on
        finally:
            session.close()

    try:
        if conn.in_transaction():
            run()
        else:
            with conn.begin():
                run()
    except OperationalError:
        pass


LISTS: dict[str, ListSpec] = {
    "accounts": ListSpec(
        "accounts",
        "accounts r",
        (
            _c("name", "Name", "r.name"),
            _c("industry", "Industry", "r.industry", choices=INDUSTRIES),
            _c("city", "City", "r.city"),
            _c("region", "State", "r.region"),
            _c("phone", "Phone", "r.phone", "phone"),
            _TERRITORY,
            _OWNER,
            _last_activity("account_id"),
            *_VISITS,
        ),
        {"territory_id": "r.territory_id", "owner_id": "r.owner_id", "industry": "r.industry"},
        "name",
    ),
    "contacts": ListSpec(
        "contacts",
        "contacts r LEFT JOIN accounts a ON a.id = r.account_id",
        (
            _c("name", "Name", _PERSON, sort=_PERSON_SORT),
            _c("title", "Title", "r.title"),
            _c("account", "Account", "a.name"),
            _c("email", "Email", "r.email"),
            _c("phone", "Phone", "coalesce(r.phone, r.mobile)", "phone"),
            _c("city", "City", "r.city"),
            _OWNER,
            _last_activity("contact_id"),
        ),
        {"account_id": "r.account_id", "territory_id": "r.territory_id", "owner_id": "r.owner_id"},
        "name",
    ),
    "leads": ListSpec(
        "leads",
        "leads r LEFT JOIN lead_scores sc ON sc.lead_id = r.id",
        (
            _c("name", "Name", _PERSON, sort=_PERSON_SORT),
            _c("company", "Company", "r.company"),
            _c("score", "Score", "sc.score", "int"),
            _c("status", "Status", "r.status", choices=LEAD_STATUSES),
            _c("source", "Source", "r.source", choices=LEAD_SOURCES),
            _c("email", "Email", "r.email"),
            _c("city", "City", "r.city"),
            _OWNER,
            _last_activity("lead_id"),
            _c("created", "Created", "r.created_at", "datetime"),
        ),
        {
            "status": "r.status",
            "territory_id": "r.territory_id",
            "owner_id": "r.owner_id",
            "source": "r.source",
        },
        "name",
        prepare=refresh_lead_scores,
        filter_only=(_TERRITORY,),
    ),
    "opportunities": ListSpec(
        "opportunities",
        "opportunities r LEFT JOIN accounts a ON a.id = r.account_id",
        (
            _c("name", "Name", "r.name"),
            _c("account", "Account", "a.name"),
            _c("stage", "Stage", "r.stage", choices=tuple(OPPORTUNITY_STAGES)),
            _c("amount", "Amount", "r.amount_cents", "money"),
            _c("close_date", "Close date", "r.close_date", "date"),
            _OWNER,
        ),
        {
            "stage": "r.stage",
            "account_id": "r.account_id",
            "territory_id": "r.territory_id",
            "owner_id": "r.owner_id",
        },
        "close_date",
        text_filter_like=("r.name", "a.name", "r.next_step"),
        filter_only=(_TERRITORY,),
    ),
}


#: The column filters a list opens with in the window (a person removes them like any other): the
#: Opportunities list shows open deals, not the closed ones.
DEFAULT_FILTERS: dict[str, tuple[ColumnFilter, ...]] = {
    "opportunities": (ColumnFilter("stage", "is", (filter_sql.OPEN_STAGE,)),),
}


def _where(
    spec: ListSpec,
    filter_text: str,
    filters: Mapping[str, Any],
    columns: Sequence[ColumnFilter] = (),
    now: dt.datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    clauses, params = filter_sql.where(spec, columns, now)
    clauses.insert(0, "r.deleted_at IS NULL")
    for i, (key, value) in enumerate(filters.items()):
        if key not in spec.filters:
            raise KeyError(f"{spec.kind} lists cannot be filtered by {key!r}; known: {list(spec.filters)}")
        if value is None:
            clauses.append(f"{spec.filters[key]} IS NULL")
        elif key == "territory_id":  # a territory includes the territories below it
            clauses.append(f"{spec.filters[key]} IN ({subtree_sql(f'f{i}')})")
            params[f"f{i}"] = value
        else:
            clauses.append(f"{spec.filters[key]} = :f{i}")
            params[f"f{i}"] = value
    query = fts_query(filter_text, skip_cjk=True)
    substrings, found = substring_clause(filter_text, "f")
    if query is not None or substrings is not None:
        if spec.text_filter_like:
            words = filter_text.split()
            for j, word in enumerate(words[:8]):
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params[f"like{j}"] = f"%{escaped}%"
                clauses.append(
                    "("
                    + " OR ".join(f"{col} LIKE :like{j} ESCAPE '\\'" for col in spec.text_filter_like)
                    + ")"
                )
        else:
            clauses.append(
                f"r.id IN ({matching_ids_sql(spec.kind, fts=query is not None, substrings=substrings)})"
            )
            params.update(found)
            if query is not None:
                params["fts"] = query
    return " AND ".join(clauses), params


def list_ids(
    conn: Connection,
    kind: str,
    *,
    filter_text: str = "",
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
    column_filters: Sequence[ColumnFilter] = (),
    now: dt.datetime | None = None,
) -> list[str]:
    """The ids of the live records matching the filters, in display order.  ``column_filters`` must all
    hold (see ``store.filters``); relative dates count back from ``now`` (default: the current time)."""
    spec = LISTS[kind]
    column = spec.column(sort or spec.default_sort)
    if spec.prepare is not None:
        spec.prepare(conn)
    where, params = _where(spec, filter_text, filters or {}, column_filters, now)
    direction = " DESC" if descending else ""
    # split the ORDER BY terms at top-level commas only: coalesce(r.phone, r.mobile) is one term, and so is
    # a subquery with commas in nested parentheses (the next visit due)
    order = ", ".join(part.strip() + direction for part in _top_level_terms(column.sort))
    sql = f"SELECT r.id FROM {spec.source} WHERE {where} ORDER BY {order}, r.id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return [row[0] for row in conn.execute(text(sql), params)]


def _top_level_terms(sql: str) -> list[str]:
    """``sql`` split at the commas outside parentheses and quotes."""
    terms, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(sql):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(sql[start:i])
            start = i + 1
    terms.append(sql[start:])
    return terms


def count(
    conn: Connection,
    kind: str,
    *,
    filter_text: str = "",
    filters: Mapping[str, Any] | None = None,
    column_filters: Sequence[ColumnFilter] = (),
    now: dt.datetime | None = None,
) -> int:
    spec = LISTS[kind]
    if spec.prepare is not None:
        spec.prepare(conn)
    where, params = _where(spec, filter_text, filters or {}, column_filters, now)
    return int(conn.execute(text(f"SELECT count(*) FROM {spec.source} WHERE {where}"), params).scalar_one())


def fetch_rows(conn: Connection, kind: str, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """Display values (in column order) for the given ids; deleted or unknown ids are absent."""
    if not ids:
        return {}
    spec = LISTS[kind]
    exprs = ", ".join(c.expr for c in spec.columns)
    placeholders = ", ".join(f":i{n}" for n in range(len(ids)))
    sql = f"SELECT r.id, {exprs} FROM {spec.source} WHERE r.deleted_at IS NULL AND r.id IN ({placeholders})"
    rows = conn.execute(text(sql), {f"i{n}": i for n, i in enumerate(ids)})
    return {row[0]: tuple(row[1:]) for row in rows}
