"""Lead scores by transparent rules (see :mod:`core.scoring_rules`): each rule that applies adds its points
with a reason a person can read ("3 activities in the last 30 days: +12").

Scores are kept in ``lead_scores`` (local, derived).  Triggers drop a lead's row whenever the lead or one
of its activities is written; :func:`refresh` recomputes the missing rows, and all of them when their
*basis* changed: the rules, the day (recency counts in days), or the territory data the territory rule
reads (territories, memberships, assignment rules, users' names).  So the leads list can sort by score in
SQL and a refresh after an edit costs one lead, not twenty thousand.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import settings
from sfa_desktop.core.scoring import rules as scoring_rules
from sfa_desktop.core.scoring.rules import Rule
from sfa_desktop.core.territories import rules as assignment_rules

SETTING = "lead_scoring_rules"
#: Above this many stale leads a refresh reads everything at once instead of by id.
_BULK = 1500
_CHUNK = 900


@dataclass(frozen=True)
class Reason:
    group: str  # fit | engagement
    rule: str  # the rule's label
    points: int
    text: str

    def json(self) -> str:
        quote = _quote
        return (
            f'{{"group": {quote(self.group)}, "rule": {quote(self.rule)}, "points": {int(self.points)}, '
            f'"text": {quote(self.text)}}}'
        )


_quote = json.encoder.encode_basestring  # the C string escaper json itself uses


@dataclass(frozen=True)
class Score:
    lead_id: str
    score: int
    fit: int
    engagement: int
    reasons: tuple[Reason, ...]

    def reasons_json(self) -> str:
        """The reasons as a JSON list of objects (what json.dumps writes, written directly: 20,000 leads
        are encoded at each full scoring, and the generic encoder took a sixth of the time)."""
        return "[" + ", ".join(r.json() for r in self.reasons) + "]"


@dataclass(slots=True)
class _Lead:
    id: str
    industry: str | None
    employees: int | None
    source: str | None
    territory_id: str | None
    owner_id: str | None
    country: str | None
    region: str | None
    city: str | None
    postcode: str | None
    age_days: int
    #: (days ago, outcome, kind) of each done activity
    activities: list[tuple[int, str | None, str]] = field(default_factory=list)


@dataclass
class _Territories:
    """What the territory rule needs: each owner's territories (with everything below them, by name), the
    assignment rules of each territory (best first), and names for the reasons."""

    of_user: dict[str, list[str]]
    rules: dict[str, list[assignment_rules.Rule]]
    territory_names: dict[str, str]
    user_names: dict[str, str]


# -- the rules in force ------------------------------------------------------------------------------------


def load_rules(session: Session) -> list[Rule]:
    """The rules of the setting (the defaults if the stored text is somehow not valid)."""
    try:
        return scoring_rules.parse(settings.get(session, SETTING))
    except scoring_rules.RulesError:
        return scoring_rules.parse(scoring_rules.default_json())


def basis(session: Session, today: dt.date) -> str:
    """A short digest of everything a score depends on besides the lead and its activities."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(settings.get(session, SETTING).encode())
    digest.update(today.isoformat().encode())
    for table in ("territories", "territory_memberships", "territory_rules", "users"):
        rows = session.execute(text(f"SELECT id, updated_at, deleted_at FROM {table} ORDER BY id"))
        for row in rows:
            digest.update(f"{row[0]}|{row[1]}|{row[2]};".encode())
    return digest.hexdigest()


# -- computing -------------------------------------------------------------------------------------------


def _territories(session: Session) -> _Territories:
    tree = session.execute(text("SELECT id, parent_id, name FROM territories WHERE deleted_at IS NULL")).all()
    children: dict[str | None, list[str]] = {}
    for tid, parent, _name in tree:
        children.setdefault(parent, []).append(tid)
    of_user: dict[str, set[str]] = {}
    members = session.execute(
        text("SELECT user_id, territory_id FROM territory_memberships WHERE deleted_at IS NULL")
    )
    for user_id, territory_id in members:
        seen = of_user.setdefault(user_id, set())
        stack = [territory_id]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(children.get(current, ()))
    names = {tid: name for tid, _parent, name in tree}
    rules: dict[str, list[assignment_rules.Rule]] = {}
    found = session.execute(
        text(
            "SELECT * FROM territory_rules WHERE deleted_at IS NULL AND active AND applies_to IN "
            "('leads', 'both') ORDER BY priority, name"
        )
    ).mappings()
    for row in found:
        rule = assignment_rules.Rule.from_row(dict(row), names.get(row["territory_id"], ""))
        rules.setdefault(rule.territory_id, []).append(rule)
    users: dict[str, str] = {
        row[0]: row[1] for row in session.execute(text("SELECT id, full_name FROM users"))
    }
    ordered = {user: sorted(ids, key=lambda i: names.get(i, "")) for user, ids in of_user.items()}
    return _Territories(ordered, rules, names, users)


_LEAD_COLUMNS = (
    "id, industry, employee_count, source, territory_id, owner_id, country, region, city, postcode, "
    "max(0, coalesce(CAST(julianday(:today) - julianday(substr(created_at, 1, 10)) AS INTEGER), 0))"
)
_ACTIVITY_SQL = (
    "SELECT lead_id, "
    "max(0, coalesce(CAST(julianday(:today) - julianday(substr(done_at, 1, 10)) AS INTEGER), 0)), "
    "outcome, kind "
    "FROM activities WHERE deleted_at IS NULL AND done_at IS NOT NULL AND lead_id IS NOT NULL"
)


def _read_leads(session: Session, ids: Sequence[str] | None, today: dt.date) -> list[_Lead]:
    params: dict[str, Any] = {"today": today.isoformat()}
    leads: dict[str, _Lead] = {}
    chunks: Iterable[Sequence[str] | None] = (
        [None] if ids is None else (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK))
    )
    for chunk in chunks:
        where, more = _in("id", chunk)
        rows = session.execute(
            text(f"SELECT {_LEAD_COLUMNS} FROM leads WHERE deleted_at IS NULL{where}"), {**params, **more}
        ).all()  # one fetchall: iterating the result fetches row by row
        for row in rows:
            leads[row[0]] = _Lead(*row)
        where, more = _in("lead_id", chunk)
        for lead_id, days, outcome, kind in session.execute(
            text(_ACTIVITY_SQL + where), {**params, **more}
        ).all():
            lead = leads.get(lead_id)
            if lead is not None:
                lead.activities.append((days, outcome, kind))
    return list(leads.values())


def _in(column: str, ids: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    if ids is None:
        return "", {}
    names = [f"i{n}" for n in range(len(ids))]
    return f" AND {column} IN ({', '.join(':' + n for n in names)})", dict(zip(names, ids, strict=True))


def compute(
    session: Session,
    ids: Sequence[str] | None = None,
    *,
    today: dt.date | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[Score]:
    """Scores of the given live leads (all when ``ids`` is None) under the rules in force (or ``rules``),
    not stored."""
    today = today or dt.date.today()
    rules = load_rules(session) if rules is None else rules
    checks = _compile(rules, _territories(session), today)
    leads = _read_leads(session, ids, today)
    with _collector_paused():
        return [evaluate(lead, checks) for lead in leads]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while scoring builds tens of thousands of small objects that
    make no cycles: each full collection walks every object the app holds, about a third of the time
    otherwise (reference counting still frees what is dropped)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: A rule made ready for one scoring run: (points, reason) when it applies to a lead, else None.
_Check = Callable[[_Lead], "tuple[int, str] | None"]


@dataclass(frozen=True)
class _Compiled:
    fit: bool
    label: str
    check: _Check


def evaluate(lead: _Lead, checks: Sequence[_Compiled]) -> Score:
    reasons: list[Reason] = []
    fit = engagement = 0
    for rule in checks:
        found = rule.check(lead)
        if found is not None and found[0] != 0:
            points = found[0]
            reasons.append(Reason("fit" if rule.fit else "engagement", rule.label, points, found[1]))
            if rule.fit:
                fit += points
            else:
                engagement += points
    return Score(lead.id, fit + engagement, fit, engagement, tuple(reasons))


def _compile(rules: Sequence[Rule], territories: _Territories, today: dt.date) -> list[_Compiled]:
    """Each rule as a function of a lead, its parameters read once (not once per lead)."""
    return [_Compiled(rule.group == "fit", rule.label, _check(rule, territories, today)) for rule in rules]


def _check(rule: Rule, territories: _Territories, today: dt.date) -> _Check:
    p, points, kind = rule.params, rule.points, rule.kind
    if kind == "industry":
        industries = frozenset(p["industries"])

        def industry(lead: _Lead) -> tuple[int, str] | None:
            if lead.industry in industries:
                return points, f"Industry {lead.industry} is a target industry"
            return None

        return industry
    if kind == "company_size":
        low, high = p.get("min"), p.get("max")
        band = _band(low, high)

        def company_size(lead: _Lead) -> tuple[int, str] | None:
            size = lead.employees
            if size is None or (low is not None and size < low) or (high is not None and size > high):
                return None
            return points, f"{rule.label}: {size:,} employees ({band})"

        return company_size
    if kind == "territory":
        return lambda lead: _territory(rule, lead, territories)
    if kind == "source":
        sources = frozenset(p["sources"])

        def source(lead: _Lead) -> tuple[int, str] | None:
            return (points, f"Lead source: {lead.source}") if lead.source in sources else None

        return source
    days = int(p["days"])
    if kind == "activities":
        each, cap = int(p["points_each"]), p.get("max_points")

        def activities(lead: _Lead) -> tuple[int, str] | None:
            count = sum(1 for done in lead.activities if done[0] <= days)
            if not count:
                return None
            total = count * each
            if cap is not None:
                total = min(total, cap) if total >= 0 else max(total, -cap)
            noun = "activity" if count == 1 else "activities"
            return total, f"{count} {noun} in the last {days} days"

        return activities
    if kind == "outcome":
        outcomes = frozenset(p["outcomes"])

        def outcome(lead: _Lead) -> tuple[int, str] | None:
            matching = [done for done in lead.activities if done[0] <= days and done[1] in outcomes]
            if not matching:
                return None
            ago, result, activity = min(matching)
            when = (today - dt.timedelta(days=ago)).strftime("%d %b %Y")
            return points, f"{activity.capitalize()} on {when}: {result}"

        return outcome
    if kind == "recency":

        def recency(lead: _Lead) -> tuple[int, str] | None:
            last = min((done[0] for done in lead.activities), default=None)
            if last is None or last > days:
                return None
            return points, f"Last contact {_ago(last)}"

        return recency

    def no_contact(lead: _Lead) -> tuple[int, str] | None:
        last = min((done[0] for done in lead.activities), default=None)
        if last is not None:
            return (points, f"No contact for {last} days") if last > days else None
        if lead.age_days > days:
            return points, f"Never contacted in the {lead.age_days} days since it came in"
        return None

    return no_contact


def _band(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low:,} to {high:,}"
    if low is not None:
        return f"{low:,} or more"
    return f"up to {high:,}"


def _territory(rule: Rule, lead: _Lead, t: _Territories) -> tuple[int, str] | None:
    if lead.owner_id is None:
        return None
    owner = t.user_names.get(lead.owner_id) or "the owner"
    mine = t.of_user.get(lead.owner_id, [])
    if lead.territory_id is not None and lead.territory_id in mine:
        name = t.territory_names.get(lead.territory_id, "")
        return rule.points, f"In {owner}'s territory {name}".rstrip()
    target: assignment_rules.Target | None = None
    for territory_id in mine:
        for assignment in t.rules.get(territory_id, ()):
            if target is None:
                target = assignment_rules.Target(
                    "leads", lead.id, "", lead.territory_id, lead.owner_id, lead.country, lead.region,
                    lead.postcode, lead.city, lead.industry, lead.employees,
                )  # fmt: skip
            if assignment.matches(target):
                where = t.territory_names.get(territory_id, "")
                return rule.points, f"Address matches the rule '{assignment.name}' of {where}"
    outside = int(rule.params.get("outside_points") or 0)
    known = lead.territory_id is not None or lead.region or lead.postcode
    if not known or not mine:
        return None
    place = t.territory_names.get(lead.territory_id or "") or ", ".join(
        x for x in (lead.city, lead.region) if x
    )
    return outside, f"Outside {owner}'s territories ({place or 'elsewhere'})"


def _ago(days: int) -> str:
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


# -- the cache -------------------------------------------------------------------------------------------


def refresh(session: Session, *, today: dt.date | None = None) -> int:
    """Compute the scores that are missing or stale, in the caller's transaction.  Returns how many."""
    today = today or dt.date.today()
    current = basis(session, today)
    live, scored, kept = session.execute(
        # two index counts (ix_leads_live, ix_lead_scores_basis) and the table's: no join over the leads
        text(
            "SELECT (SELECT count(*) FROM leads WHERE deleted_at IS NULL), "
            "(SELECT count(*) FROM lead_scores WHERE basis = :basis), (SELECT count(*) FROM lead_scores)"
        ),
        {"basis": current},
    ).one()
    # The triggers delete a lead's score whenever the lead is written (a soft delete included) or purged,
    # and scores are only computed for live leads; so the scored leads are among the live ones, and equal
    # counts mean the same set.
    if live == scored == kept:
        return 0
    stale = _pending(session, live - scored) if scored == kept else None
    if stale is None:
        stale = list(
            session.execute(
                # a set difference of two index scans (ix_leads_live, ix_lead_scores_basis)
                text(
                    "SELECT id FROM leads WHERE deleted_at IS NULL "
                    "EXCEPT SELECT lead_id FROM lead_scores WHERE basis = :basis"
                ),
                {"basis": current},
            ).scalars()
        )
    session.execute(text("DELETE FROM lead_scores_pending"))
    if not stale:
        return 0
    everything = len(stale) > _BULK
    scores = compute(session, None if everything else stale, today=today)
    if everything:
        session.execute(text("DELETE FROM lead_scores"))
    else:
        for start in range(0, len(stale), _CHUNK):
            where, params = _in("lead_id", stale[start : start + _CHUNK])
            session.execute(text(f"DELETE FROM lead_scores WHERE 1 = 1{where}"), params)
    rows = [(s.lead_id, s.score, s.fit, s.engagement, s.reasons_json(), current) for s in scores]
    if rows:
        # straight to the driver's executemany: no per-row parameter processing for 20,000 rows
        session.connection().exec_driver_sql(
            "INSERT INTO lead_scores (lead_id, score, fit, engagement, reasons, basis) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _pending(session: Session, missing: int) -> list[str] | None:
    """The live leads without a score among those the triggers noted (``lead_scores_pending``), when they
    are all ``missing`` ones (every kept score being of the current basis); None when the note cannot be
    trusted (fewer candidates: a lead was written with the triggers absent), or would not save anything."""
    if missing > _BULK:
        return None
    found = list(
        session.execute(
            text(
                "SELECT p.lead_id FROM lead_scores_pending p JOIN leads l ON l.id = p.lead_id "
                "WHERE l.deleted_at IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM lead_scores s WHERE s.lead_id = p.lead_id)"
            )
        ).scalars()
    )
    return found if len(found) == missing else None


def score_of(session: Session, lead_id: str, *, today: dt.date | None = None) -> Score | None:
    """One lead's score with its reasons, brought up to date first (None for no such live lead)."""
    refresh(session, today=today)
    row = session.execute(
        text("SELECT score, fit, engagement, reasons FROM lead_scores WHERE lead_id = :l"), {"l": lead_id}
    ).first()
    if row is None:
        return None
    reasons = tuple(Reason(**r) for r in json.loads(row[3]))
    return Score(lead_id, int(row[0]), int(row[1]), int(row[2]), reasons)
