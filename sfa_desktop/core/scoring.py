"""Lead scores by transparent rules (see :mod:`core.scoring_rules`): each rule that applies adds its points
with a reason a person can read ("3 activities in the last 30 days: +12").

Scores are kept in ``lead_scores`` (local, derived).  Triggers drop a lead's row whenever the lead or one
of its activities is written; :func:`refresh` recomputes the missing rows, and all of them when their
*basis* changed: the rules, the day (recency counts in days), or the territory data the territory rule
reads (territories, memberships, assignment rules, users' names).  So the leads list can sort by score in
SQL and a refresh after an edit costs one lead, not twenty thousand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import scoring_rules, settings
from sfa_desktop.core.scoring_rules import Rule

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


@dataclass(frozen=True)
class Score:
    lead_id: str
    score: int
    fit: int
    engagement: int
    reasons: tuple[Reason, ...]

    def reasons_json(self) -> str:
        return json.dumps([r.__dict__ for r in self.reasons], ensure_ascii=False)


@dataclass
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
    """What the territory rule needs: each owner's territories (with everything below them), the
    assignment rules of each territory, and names for the reasons."""

    of_user: dict[str, set[str]]
    rules: dict[str, list[dict[str, Any]]]
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
    rules: dict[str, list[dict[str, Any]]] = {}
    found = session.execute(
        text(
            "SELECT * FROM territory_rules WHERE deleted_at IS NULL AND active AND applies_to IN "
            "('leads', 'both') ORDER BY priority, name"
        )
    ).mappings()
    for rule in found:
        rules.setdefault(rule["territory_id"], []).append(dict(rule))
    users: dict[str, str] = {
        row[0]: row[1] for row in session.execute(text("SELECT id, full_name FROM users"))
    }
    return _Territories(of_user, rules, {t[0]: t[2] for t in tree}, users)


_LEAD_COLUMNS = (
    "id, industry, employee_count, source, territory_id, owner_id, country, region, city, postcode, "
    "CAST(julianday(:today) - julianday(substr(created_at, 1, 10)) AS INTEGER)"
)
_ACTIVITY_SQL = (
    "SELECT lead_id, CAST(julianday(:today) - julianday(substr(done_at, 1, 10)) AS INTEGER), outcome, kind "
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
            leads[row[0]] = _Lead(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                age_days=max(int(row[10] or 0), 0),
            )
        where, more = _in("lead_id", chunk)
        for lead_id, days, outcome, kind in session.execute(
            text(_ACTIVITY_SQL + where), {**params, **more}
        ).all():
            lead = leads.get(lead_id)
            if lead is not None:
                lead.activities.append((max(int(days or 0), 0), outcome, kind))
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
    territories = _territories(session)
    return [evaluate(lead, rules, territories, today) for lead in _read_leads(session, ids, today)]


def evaluate(lead: _Lead, rules: Sequence[Rule], territories: _Territories, today: dt.date) -> Score:
    reasons: list[Reason] = []
    for rule in rules:
        found = _apply(rule, lead, territories, today)
        if found is not None and found[0] != 0:
            reasons.append(Reason(rule.group, rule.label, found[0], found[1]))
    fit = sum(r.points for r in reasons if r.group == "fit")
    engagement = sum(r.points for r in reasons if r.group == "engagement")
    return Score(lead.id, fit + engagement, fit, engagement, tuple(reasons))


def _apply(rule: Rule, lead: _Lead, territories: _Territories, today: dt.date) -> tuple[int, str] | None:
    """(points, reason) when the rule applies to the lead, else None."""
    p = rule.params
    kind = rule.kind
    if kind == "industry":
        if lead.industry in p["industries"]:
            return rule.points, f"Industry {lead.industry} is a target industry"
        return None
    if kind == "company_size":
        low, high = p.get("min"), p.get("max")
        if lead.employees is None or (low is not None and lead.employees < low):
            return None
        if high is not None and lead.employees > high:
            return None
        return rule.points, f"{rule.label}: {lead.employees:,} employees ({_band(low, high)})"
    if kind == "territory":
        return _territory(rule, lead, territories)
    if kind == "source":
        if lead.source in p["sources"]:
            return rule.points, f"Lead source: {lead.source}"
        return None
    return _engagement(rule, lead, today)


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
    mine = t.of_user.get(lead.owner_id, set())
    if lead.territory_id is not None and lead.territory_id in mine:
        name = t.territory_names.get(lead.territory_id, "")
        return rule.points, f"In {owner}'s territory {name}".rstrip()
    for territory_id in sorted(mine, key=lambda i: t.territory_names.get(i, "")):
        for assignment in t.rules.get(territory_id, ()):
            if rule_matches(assignment, lead):
                where = t.territory_names.get(territory_id, "")
                return rule.points, f"Address matches the rule '{assignment['name']}' of {where}"
    outside = int(rule.params.get("outside_points") or 0)
    known = lead.territory_id is not None or lead.region or lead.postcode
    if not known or not mine:
        return None
    place = t.territory_names.get(lead.territory_id or "") or ", ".join(
        x for x in (lead.city, lead.region) if x
    )
    return outside, f"Outside {owner}'s territories ({place or 'elsewhere'})"


def rule_matches(rule: Any, lead: Any) -> bool:
    """Whether a lead's address (and industry, size) meets every condition an assignment rule gives."""

    def same(a: Any, b: Any) -> bool:
        return a is not None and str(a).strip().casefold() == str(b).strip().casefold()

    for name in ("country", "region", "city", "industry"):
        wanted = rule.get(name)
        have = getattr(lead, name, None)
        if wanted and not same(have, wanted):
            return False
    postcode = (lead.postcode or "").replace(" ", "").upper()
    prefixes = [x.strip().replace(" ", "").upper() for x in (rule.get("postcode_prefixes") or "").split(",")]
    prefixes = [x for x in prefixes if x]
    if prefixes and not any(postcode.startswith(x) for x in prefixes):
        return False
    low, high = rule.get("postcode_from"), rule.get("postcode_to")
    if (low or high) and not postcode:
        return False
    if low and postcode[: len(low)] < low.replace(" ", "").upper():
        return False
    if high and postcode[: len(high)] > high.replace(" ", "").upper():
        return False
    least, most = rule.get("min_employees"), rule.get("max_employees")
    if least is not None or most is not None:
        if lead.employees is None:
            return False
        if (least is not None and lead.employees < least) or (most is not None and lead.employees > most):
            return False
    return True


def _engagement(rule: Rule, lead: _Lead, today: dt.date) -> tuple[int, str] | None:
    p = rule.params
    days = int(p["days"])
    done = lead.activities
    if rule.kind == "activities":
        count = sum(1 for ago, _o, _k in done if ago <= days)
        if not count:
            return None
        points = count * int(p["points_each"])
        cap = p.get("max_points")
        if cap is not None:
            points = min(points, cap) if points >= 0 else max(points, -cap)
        noun = "activity" if count == 1 else "activities"
        return points, f"{count} {noun} in the last {days} days"
    if rule.kind == "outcome":
        matching = [(ago, o, k) for ago, o, k in done if ago <= days and o in p["outcomes"]]
        if not matching:
            return None
        ago, outcome, kind = min(matching)
        when = (today - dt.timedelta(days=ago)).strftime("%d %b %Y")
        return rule.points, f"{kind.capitalize()} on {when}: {outcome}"
    last = min((ago for ago, _o, _k in done), default=None)
    if rule.kind == "recency":
        if last is None or last > days:
            return None
        return rule.points, f"Last contact {_ago(last)}"
    # no_contact
    if last is not None:
        return (rule.points, f"No contact for {last} days") if last > days else None
    if lead.age_days > days:
        return rule.points, f"Never contacted in the {lead.age_days} days since it came in"
    return None


def _ago(days: int) -> str:
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


# -- the cache -------------------------------------------------------------------------------------------


def refresh(session: Session, *, today: dt.date | None = None) -> int:
    """Compute the scores that are missing or stale, in the caller's transaction.  Returns how many."""
    today = today or dt.date.today()
    current = basis(session, today)
    if _all_fresh(session, current):
        return 0
    stale = list(
        session.execute(
            text(
                # a set difference of two index scans (ix_leads_live, ix_lead_scores_basis)
                "SELECT id FROM leads WHERE deleted_at IS NULL "
                "EXCEPT SELECT lead_id FROM lead_scores WHERE basis = :basis"
            ),
            {"basis": current},
        ).scalars()
    )
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


def _all_fresh(session: Session, current: str) -> bool:
    """Whether every live lead has a score of this basis, from two counts (no join over the leads).

    The triggers delete a lead's score whenever the lead is written (a soft delete included) or purged, and
    scores are only computed for live leads; so the scored leads are always among the live ones, and equal
    counts mean the same set."""
    live, scored, kept = session.execute(
        text(
            "SELECT (SELECT count(*) FROM leads WHERE deleted_at IS NULL), "
            "(SELECT count(*) FROM lead_scores WHERE basis = :basis), (SELECT count(*) FROM lead_scores)"
        ),
        {"basis": current},
    ).one()
    return bool(live == scored == kept)


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
