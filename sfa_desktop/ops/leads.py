"""Leads: the score, quick capture, conversion and the scoring rules (the score tab, Quick lead, the
conversion dialog, the rules editor; ``sfa leads``).  Each function opens its own session from the store
and returns plain values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from sfa_desktop.core import access, settings
from sfa_desktop.core.records import conversion, leads
from sfa_desktop.core.records.conversion import Matches, Plan, Result
from sfa_desktop.core.records.stages import Stage, all_stages
from sfa_desktop.core.scoring import rules as scoring_rules
from sfa_desktop.core.scoring import scores as scoring
from sfa_desktop.store import lists
from sfa_desktop.store.database import LocalStore


def lead_score(store: LocalStore, lead_id: str) -> scoring.Score | None:
    with store.transaction() as session:
        return scoring.score_of(session, lead_id)


@dataclass(frozen=True)
class RankedLead:
    lead_id: str
    #: The leads list's columns by key (name, company, status, score...).
    values: dict[str, Any]
    #: The reasons of its score: dicts with group, text and points.
    reasons: list[dict[str, Any]]


def best_leads(store: LocalStore, limit: int | None) -> list[RankedLead]:
    """The scores brought up to date, then the leads by score, best first (every lead when ``limit`` is
    None), each with the reasons for its score."""
    with store.transaction() as session:
        scoring.refresh(session)
        conn = session.connection()
        ids = lists.list_ids(conn, "leads", sort="score", descending=True, limit=limit)
        rows = lists.fetch_rows(conn, "leads", ids)
        reasons: dict[str, str] = {
            row[0]: row[1] for row in conn.execute(text("SELECT lead_id, reasons FROM lead_scores"))
        }
    keys = [c.key for c in lists.LISTS["leads"].columns]
    return [
        RankedLead(i, dict(zip(keys, rows[i], strict=True)), json.loads(reasons.get(i, "[]")))
        for i in ids
        if i in rows
    ]


def quick_capture(store: LocalStore, values: Mapping[str, Any]) -> str:
    """A new lead from the quick-capture form, owned by this laptop's user; returns its id."""
    with store.transaction() as session:
        user = access.this_user(session.connection())
        return leads.quick_capture(session, values, owner_id=user.user_id if user else None).id


@dataclass(frozen=True)
class ConversionStart:
    """What the conversion dialog shows first: the lead, what it may already be, the open stages."""

    lead: dict[str, Any]
    matches: Matches
    stages: list[Stage]


def conversion_start(store: LocalStore, lead_id: str) -> ConversionStart:
    with store.reading() as session:
        row = (
            session.execute(
                text(
                    "SELECT first_name, last_name, company, title, email, phone, status, industry, city, "
                    "region FROM leads WHERE id = :i"
                ),
                {"i": lead_id},
            )
            .mappings()
            .first()
        )
        matches = conversion.find_matches(session, lead_id)
        stages = [s for s in all_stages(session) if s.is_open]
        activities = session.execute(
            text("SELECT count(*) FROM activities WHERE lead_id = :i AND deleted_at IS NULL"), {"i": lead_id}
        ).scalar_one()
    lead = {**dict(row or {}), "activities": int(activities)}
    return ConversionStart(lead, matches, stages)


def convert(store: LocalStore, lead_id: str, plan: Plan) -> tuple[Result, str]:
    with store.transaction() as session:
        result = conversion.convert(session, lead_id, plan)
        return result, conversion.describe(session, result)


def search(
    store: LocalStore, kind: str, typed: str, account_id: str | None = None
) -> list[tuple[str, str, str]]:
    """(id, label, detail) of up to 30 accounts or contacts whose name contains the text (contacts: of one
    account when given)."""
    escaped = typed.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params: dict[str, Any] = {"p": f"%{escaped}%"}
    if kind == "accounts":
        sql = (
            "SELECT id, name, coalesce(city, '') FROM accounts WHERE deleted_at IS NULL "
            "AND name LIKE :p ESCAPE '\\' ORDER BY name COLLATE NOCASE LIMIT 30"
        )
    else:
        person = "trim(coalesce(c.first_name, '') || ' ' || c.last_name)"
        sql = (
            f"SELECT c.id, {person}, coalesce(c.email, '') FROM contacts c WHERE c.deleted_at IS NULL "
            f"AND {person} LIKE :p ESCAPE '\\'"
        )
        if account_id is not None:
            sql += " AND c.account_id = :a"
            params["a"] = account_id
        sql += f" ORDER BY {person} COLLATE NOCASE LIMIT 30"
    with store.engine.connect() as conn:
        return [(r[0], r[1] or "", r[2] or "") for r in conn.execute(text(sql), params)]


def load_rules(store: LocalStore) -> str:
    with store.reading() as session:
        return settings.get(session, scoring.SETTING)


def save_rules(store: LocalStore, rules_text: str, *, rescore: bool = True) -> int:
    """Check and save the rules (``RulesError`` names what is wrong); returns how many leads were scored
    again.  Without ``rescore`` the leads are scored again when next shown (``sfa leads rules``), and none
    is counted."""
    with store.transaction() as session:
        settings.put(session, scoring.SETTING, rules_text)
        return scoring.refresh(session) if rescore else 0


def preview_rules(store: LocalStore, rules_text: str, limit: int = 5) -> list[tuple[str, int]]:
    """How the best leads would score with these rules (nothing saved): (name, score)."""
    rules = scoring_rules.parse(rules_text)
    with store.reading() as session:
        scores = scoring.compute(session, rules=rules)
    best = sorted(scores, key=lambda s: -s.score)[:limit]
    with store.engine.connect() as conn:
        names = {
            r[0]: r[1]
            for r in conn.execute(
                text("SELECT id, trim(coalesce(first_name, '') || ' ' || last_name) FROM leads")
            )
        }
    return [(names.get(s.lead_id, "?"), s.score) for s in best]
