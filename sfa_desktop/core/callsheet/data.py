"""The facts of a call sheet, read with one query per kind of fact for all calls at once (accounts,
contacts, leads, sequence steps, open opportunities, recent activities, orders, articles), so a sheet of
thirty calls costs about a dozen queries, not hundreds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.kb import mdtext

HISTORY = 3
TOP_PRODUCTS = 3
POINTS_PER_ARTICLE = 3


@dataclass(frozen=True)
class Rep:
    id: str
    login: str
    name: str
    role: str
    home_base: str | None
    home: tuple[float, float] | None


@dataclass(frozen=True)
class Party:
    """Where the call goes: the account, or the company of a lead that has no account yet."""

    name: str
    address: tuple[str, ...]
    phone: str | None
    email: str | None
    website: str | None
    industry: str | None
    position: tuple[float, float] | None


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class Step:
    sequence: str
    title: str
    number: int
    total: int
    kind: str
    script: str
    outcomes: tuple[str, ...]
    article_ids: tuple[str, ...]
    attempt: int


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    stage: str
    amount_cents: int | None
    currency: str
    close_date: dt.date | None
    next_step: str | None


@dataclass(frozen=True)
class Past:
    when: dt.datetime
    kind: str
    subject: str
    outcome: str | None
    notes: str | None


@dataclass(frozen=True)
class LastOrder:
    number: str
    date: dt.date
    status: str
    total_cents: int
    currency: str
    #: (description, quantity, line total in cents), largest first
    lines: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class TopProduct:
    name: str
    sku: str | None
    quantity: int
    revenue_cents: int
    currency: str


@dataclass(frozen=True)
class Points:
    article_id: str
    title: str
    points: tuple[str, ...]


@dataclass
class CallInfo:
    activity_id: str
    owner_id: str
    kind: str
    subject: str
    due_at: dt.datetime
    duration_minutes: int | None
    notes: str | None
    account_id: str | None
    lead_id: str | None
    opportunity_id: str | None
    party: Party
    person: Person | None = None
    step: Step | None = None
    deals: tuple[Deal, ...] = ()
    history: tuple[Past, ...] = ()
    last_order: LastOrder | None = None
    top_products: tuple[TopProduct, ...] = ()
    talking_points: tuple[Points, ...] = ()
    #: Its stop's number on the route of the accepted week plan (``activities.plan_stop``); None: unplanned.
    plan_stop: int | None = None


def _when(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _stamp(moment: dt.datetime) -> str:
    """A UTC instant as activities store it (see services._sql_value)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _rows(session: Session, sql: str, ids: Iterable[str], **params: Any) -> list[Any]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return []
    statement = text(sql).bindparams(bindparam("ids", expanding=True))
    found: list[Any] = []
    for start in range(0, len(wanted), 500):
        found += session.execute(statement, {"ids": wanted[start : start + 500], **params}).all()
    return found


def reps(session: Session, ids: Sequence[str]) -> list[Rep]:
    """The users of these ids, in the order given; LookupError names an unknown one."""
    rows = {
        r[0]: r
        for r in _rows(
            session,
            "SELECT id, login, full_name, role, home_base, home_latitude, home_longitude FROM users "
            "WHERE id IN :ids AND deleted_at IS NULL",
            ids,
        )
    }
    result = []
    for user_id in dict.fromkeys(ids):
        row = rows.get(user_id)
        if row is None:
            raise LookupError(f"There is no user with id {user_id}.")
        home = (float(row[5]), float(row[6])) if row[5] is not None and row[6] is not None else None
        result.append(Rep(row[0], row[1], row[2] or row[1], row[3] or "rep", row[4], home))
    return result


def _address(street: Any, city: Any, region: Any, postcode: Any, country: Any) -> tuple[str, ...]:
    place = " ".join(p for p in (", ".join(p for p in (city, region) if p), postcode) if p)
    lines = [str(p) for p in (street, place) if p]
    if country and country != "US":
        lines.append(str(country))
    return tuple(lines)


def calls(
    session: Session, rep_ids: Sequence[str], after: dt.datetime, before: dt.datetime, kinds: Sequence[str]
) -> list[CallInfo]:
    """The planned activities of these reps due in [after, before), with every fact of the sheet."""
    if not rep_ids:
        return []
    statement = text(
        "SELECT act.id, act.owner_id, act.kind, act.subject, act.due_at, act.duration_minutes, act.notes, "
        "act.account_id, act.lead_id, act.opportunity_id, act.contact_id, act.enrollment_id, act.step_key, "
        "a.name, a.street, a.city, a.region, a.postcode, a.country, a.phone, a.email, a.website, "
        "a.industry, a.latitude, a.longitude, act.plan_stop "
        "FROM activities act LEFT JOIN accounts a ON a.id = act.account_id AND a.deleted_at IS NULL "
        "WHERE act.owner_id IN :reps AND act.kind IN :kinds AND act.done_at IS NULL "
        "AND act.deleted_at IS NULL AND act.due_at >= :after AND act.due_at < :before "
        "ORDER BY act.due_at, act.id"
    ).bindparams(bindparam("reps", expanding=True), bindparam("kinds", expanding=True))
    rows = session.execute(
        statement,
        {"reps": list(rep_ids), "kinds": list(kinds), "after": _stamp(after), "before": _stamp(before)},
    ).all()
    leads = _leads(session, [r[8] for r in rows if r[8] and not r[13]])
    infos: list[CallInfo] = []
    contact_of: dict[str, str] = {}
    step_of: dict[str, tuple[str, str | None]] = {}
    for row in rows:
        party: Party
        if row[13] is not None:
            position = (
                (float(row[23]), float(row[24])) if row[23] is not None and row[24] is not None else None
            )
            party = Party(row[13], _address(*row[14:19]), row[19], row[20], row[21], row[22], position)
        elif row[8] in leads:
            party = leads[row[8]][0]
        else:
            party = Party("(no account)", (), None, None, None, None, None)
        info = CallInfo(
            activity_id=row[0],
            owner_id=row[1],
            kind=row[2],
            subject=row[3],
            due_at=_when(row[4]),
            duration_minutes=row[5],
            notes=row[6],
            account_id=row[7] if row[13] is not None else None,
            lead_id=row[8],
            opportunity_id=row[9],
            party=party,
            plan_stop=row[25],
        )
        if row[10]:
            contact_of[info.activity_id] = row[10]
        elif row[8] in leads and info.account_id is None:
            info.person = leads[row[8]][1]
        if row[11]:
            step_of[info.activity_id] = (row[11], row[12])
        infos.append(info)
    _add_people(session, infos, contact_of)
    _add_steps(session, infos, step_of)
    _add_deals(session, infos)
    _add_history(session, infos)
    _add_orders(session, infos)
    _add_points(session, infos)
    return infos


def _leads(session: Session, ids: Iterable[str]) -> dict[str, tuple[Party, Person]]:
    rows = _rows(
        session,
        "SELECT id, company, first_name, last_name, title, phone, email, website, industry, street, city, "
        "region, postcode, country FROM leads WHERE id IN :ids AND deleted_at IS NULL",
        ids,
    )
    result = {}
    for r in rows:
        name = " ".join(p for p in (r[2], r[3]) if p)
        party = Party(r[1] or name, _address(*r[9:14]), r[5], r[6], r[7], r[8], None)
        result[r[0]] = (party, Person(name, r[4], r[5], None, r[6], r[2] or "", r[3] or ""))
    return result


def _add_people(session: Session, infos: list[CallInfo], contact_of: dict[str, str]) -> None:
    rows = _rows(
        session,
        "SELECT id, first_name, last_name, title, phone, mobile, email FROM contacts "
        "WHERE id IN :ids AND deleted_at IS NULL",
        contact_of.values(),
    )
    people = {
        r[0]: Person(" ".join(p for p in (r[1], r[2]) if p), r[3], r[4], r[5], r[6], r[1] or "", r[2] or "")
        for r in rows
    }
    for info in infos:
        contact = contact_of.get(info.activity_id)
        if contact in people:
            info.person = people[contact]


def _parse_steps(raw: Any) -> list[dict[str, Any]]:
    try:
        steps = json.loads(raw or "[]")
    except ValueError:
        return []
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _add_steps(session: Session, infos: list[CallInfo], step_of: dict[str, tuple[str, str | None]]) -> None:
    rows = _rows(
        session,
        "SELECT e.id, e.step_key, e.attempt, t.name, t.steps FROM sequence_enrollments e "
        "JOIN sequence_templates t ON t.id = e.template_id WHERE e.id IN :ids",
        (enrollment for enrollment, _ in step_of.values()),
    )
    enrollments = {r[0]: r for r in rows}
    for info in infos:
        link = step_of.get(info.activity_id)
        if link is None or link[0] not in enrollments:
            continue
        _id, current_key, attempt, sequence, raw = enrollments[link[0]]
        steps = _parse_steps(raw)
        key = link[1] or current_key
        for number, step in enumerate(steps, start=1):
            if step.get("key") == key:
                outcomes = step.get("outcomes")
                articles = step.get("article_ids")
                info.step = Step(
                    sequence=str(sequence),
                    title=str(step.get("title") or key),
                    number=number,
                    total=len(steps),
                    kind=str(step.get("kind") or info.kind),
                    script=str(step.get("instructions") or ""),
                    outcomes=tuple(str(o) for o in outcomes) if isinstance(outcomes, dict | list) else (),
                    article_ids=tuple(str(a) for a in articles) if isinstance(articles, list) else (),
                    attempt=int(attempt or 0),
                )
                break


def _add_deals(session: Session, infos: list[CallInfo]) -> None:
    rows = _rows(
        session,
        "SELECT o.account_id, o.id, o.name, coalesce(ps.name, o.stage), o.amount_cents, o.currency, "
        "o.close_date, o.next_step FROM opportunities o "
        "LEFT JOIN pipeline_stages ps ON ps.key = o.stage AND ps.deleted_at IS NULL "
        "WHERE o.account_id IN :ids AND o.deleted_at IS NULL AND coalesce(ps.category, "
        "CASE WHEN o.stage LIKE 'closed%' THEN 'closed' ELSE 'open' END) = 'open' "
        "ORDER BY o.close_date IS NULL, o.close_date, o.name",
        (i.account_id for i in infos if i.account_id),
    )
    deals: dict[str, list[Deal]] = {}
    for r in rows:
        deals.setdefault(r[0], []).append(Deal(r[1], r[2], r[3], r[4], r[5] or "USD", _date(r[6]), r[7]))
    for info in infos:
        if info.account_id in deals:
            info.deals = tuple(deals[info.account_id])


def _add_history(session: Session, infos: list[CallInfo]) -> None:
    history: dict[tuple[str, str], list[Past]] = {}
    for column, ids in (
        ("account_id", [i.account_id for i in infos if i.account_id]),
        ("lead_id", [i.lead_id for i in infos if i.lead_id and not i.account_id]),
    ):
        rows = _rows(
            session,
            f"SELECT {column}, done_at, kind, subject, outcome, notes FROM (SELECT {column}, done_at, kind, "
            f"subject, outcome, notes, row_number() OVER (PARTITION BY {column} ORDER BY done_at DESC, id) "
            f"AS n FROM activities WHERE {column} IN :ids AND done_at IS NOT NULL AND deleted_at IS NULL) "
            f"WHERE n <= {HISTORY} ORDER BY {column}, done_at DESC",
            ids,
        )
        for r in rows:
            history.setdefault((column, r[0]), []).append(Past(_when(r[1]), r[2], r[3], r[4], r[5]))
    for info in infos:
        key = ("account_id", info.account_id) if info.account_id else ("lead_id", info.lead_id or "")
        info.history = tuple(history.get(key, ()))


def _add_orders(session: Session, infos: list[CallInfo]) -> None:
    accounts = [i.account_id for i in infos if i.account_id]
    last = _rows(
        session,
        "SELECT account_id, id, number, order_date, status, total_cents, currency FROM (SELECT account_id, "
        "id, number, order_date, status, total_cents, currency, row_number() OVER (PARTITION BY account_id "
        "ORDER BY order_date DESC, number DESC) AS n FROM orders WHERE account_id IN :ids "
        "AND deleted_at IS NULL AND status <> 'cancelled') WHERE n = 1",
        accounts,
    )
    lines: dict[str, list[tuple[str, int, int]]] = {}
    for r in _rows(
        session,
        "SELECT l.order_id, coalesce(p.name, l.description, 'Item'), l.quantity, l.line_total_cents "
        "FROM order_lines l LEFT JOIN products p ON p.id = l.product_id "
        "WHERE l.order_id IN :ids AND l.deleted_at IS NULL ORDER BY l.line_total_cents DESC, l.id",
        (r[1] for r in last),
    ):
        lines.setdefault(r[0], []).append((r[1], int(r[2] or 0), int(r[3] or 0)))
    orders = {
        r[0]: LastOrder(
            r[2], _date(r[3]) or dt.date.min, r[4], int(r[5] or 0), r[6] or "USD", tuple(lines.get(r[1], ()))
        )
        for r in last
    }
    top: dict[str, list[TopProduct]] = {}
    for r in _rows(
        session,
        "SELECT account_id, name, sku, quantity, revenue, currency FROM (SELECT l.account_id, "
        "coalesce(p.name, l.description, 'Item') AS name, p.sku AS sku, sum(l.quantity) AS quantity, "
        "sum(l.line_total_cents) AS revenue, max(o.currency) AS currency, row_number() OVER (PARTITION BY "
        "l.account_id ORDER BY sum(l.line_total_cents) DESC, coalesce(p.name, l.description)) AS n "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id LEFT JOIN products p ON p.id = l.product_id "
        "WHERE l.account_id IN :ids AND l.deleted_at IS NULL AND o.deleted_at IS NULL "
        "AND o.status NOT IN ('cancelled', 'returned') GROUP BY l.account_id, coalesce(l.product_id, "
        f"l.description)) WHERE n <= {TOP_PRODUCTS} ORDER BY account_id, n",
        accounts,
    ):
        top.setdefault(r[0], []).append(TopProduct(r[1], r[2], int(r[3] or 0), int(r[4] or 0), r[5] or "USD"))
    for info in infos:
        if info.account_id:
            info.last_order = orders.get(info.account_id)
            info.top_products = tuple(top.get(info.account_id, ()))


def _add_points(session: Session, infos: list[CallInfo]) -> None:
    wanted = [a for i in infos if i.step for a in i.step.article_ids]
    if not wanted:
        return
    summaries = {s.id: s for s in kb.articles_by_ids(session, wanted, include_drafts=False)}
    bodies = kb.bodies_by_ids(session, list(summaries))
    points = {
        a: Points(a, s.title, tuple(mdtext.key_points(bodies.get(a, ""), POINTS_PER_ARTICLE)))
        for a, s in summaries.items()
    }
    for info in infos:
        if info.step:
            info.talking_points = tuple(
                points[a] for a in dict.fromkeys(info.step.article_ids) if a in points
            )


def visit_templates(session: Session, activity_ids: Iterable[str]) -> dict[str, str]:
    """activity id -> the checklist template of its visit report, for the visits that have one."""
    rows = _rows(
        session,
        "SELECT activity_id, template_id FROM visit_reports WHERE deleted_at IS NULL AND activity_id IN :ids "
        "AND template_id IS NOT NULL",
        activity_ids,
    )
    return {r.activity_id: r.template_id for r in rows}


def segments(session: Session, account_ids: Iterable[str]) -> dict[str, str | None]:
    """account id -> its segment (None: none set)."""
    rows = _rows(session, "SELECT id, segment FROM accounts WHERE id IN :ids", account_ids)
    return {r.id: r.segment for r in rows}
