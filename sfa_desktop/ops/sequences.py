"""Sequences (guided selling): the enrollments of a record or of everyone, enrolling, pausing, skipping
and ending them, and the templates with their editor's choices (the Sequence tab, the template editor,
the enroll dialog; ``sfa sequences`` and ``sfa enrollments``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import SequenceTemplate
from sfa_desktop.core.sequences import agenda, enrollments
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.ops.records import Ambiguous, resolve_id
from sfa_desktop.store.database import LocalStore

# -- enrollments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryStep:
    activity_id: str
    title: str
    kind: str
    outcome: str | None
    when: dt.datetime | None
    done: bool
    step_key: str | None = None


@dataclass(frozen=True)
class EnrollmentView:
    enrollment_id: str
    template: str
    status: str
    step_key: str | None
    step_position: int
    step_count: int
    attempt: int
    due_at: dt.datetime | None
    activity_id: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    result: str | None
    reason: str | None
    current: sequences.Step | None
    steps: list[sequences.Step]
    #: The steps' activities, oldest first; empty for the enrollments of :func:`list_enrollments`.
    history: list[HistoryStep]
    #: The enrolled lead's or contact's name, or the opportunity's name.
    record_label: str = ""


_COLUMN = {"leads": "lead_id", "contacts": "contact_id", "opportunities": "opportunity_id"}
_PERSON = "trim(coalesce({t}.first_name, '') || ' ' || {t}.last_name)"
#: The one query behind every list of enrollments; the steps are parsed once per template version
#: (the cache key is the template's id and its updated_at).
_ENROLLMENTS_SQL = f"""
SELECT e.id, t.name, e.status, e.step_key, e.attempt, e.due_at, e.activity_id, e.started_at, e.ended_at,
       e.result, e.reason, t.id, t.updated_at, t.steps,
       coalesce({_PERSON.format(t="l")}, {_PERSON.format(t="c")}, o.name)
FROM sequence_enrollments e JOIN sequence_templates t ON t.id = e.template_id
LEFT JOIN leads l ON l.id = e.lead_id LEFT JOIN contacts c ON c.id = e.contact_id
LEFT JOIN opportunities o ON o.id = e.opportunity_id
WHERE e.deleted_at IS NULL"""
_OPEN_FIRST = " ORDER BY e.status NOT IN ('active', 'paused'), e.started_at DESC"
_SOONEST_FIRST = " ORDER BY e.due_at IS NULL, e.due_at"
_HISTORY_SQL = """
SELECT id, subject, kind, outcome, done_at, due_at, step_key FROM activities
WHERE enrollment_id = :e AND deleted_at IS NULL ORDER BY coalesce(done_at, due_at), created_at
"""


def record_enrollments(store: LocalStore, kind: str, record_id: str) -> list[EnrollmentView]:
    """Every enrollment of a record, open ones first, newest first, each with its steps done."""
    sql = _ENROLLMENTS_SQL + f" AND e.{_COLUMN[kind]} = :r" + _OPEN_FIRST
    return _views(store, sql, {"r": record_id}, history=True)


def list_enrollments(
    store: LocalStore, status: str | None = None, owner_id: str | None = None
) -> list[EnrollmentView]:
    """The enrollments of every record (of one status, of one owner when given), soonest due first,
    without their history."""
    sql = _ENROLLMENTS_SQL
    params: dict[str, Any] = {}
    if status:
        sql += " AND e.status = :status"
        params["status"] = status
    if owner_id:
        sql += " AND e.owner_id = :owner"
        params["owner"] = owner_id
    return _views(store, sql + _SOONEST_FIRST, params, history=False)


def enrollment(store: LocalStore, enrollment_id: str) -> EnrollmentView:
    """One live enrollment with its history (``NotFound`` when there is none with that id)."""
    found = _views(store, _ENROLLMENTS_SQL + " AND e.id = :i", {"i": enrollment_id}, history=True)
    if not found:
        raise services.NotFound(f"There is no enrollment '{enrollment_id}'.")
    return found[0]


def _views(store: LocalStore, sql: str, params: Mapping[str, Any], *, history: bool) -> list[EnrollmentView]:
    with store.engine.connect() as conn:
        views = []
        for r in conn.execute(text(sql), dict(params)).all():
            steps = agenda.template_steps_cached(r[11], r[12], r[13])
            done = (
                [
                    HistoryStep(h[0], h[1], h[2], h[3], _time(h[4] or h[5]), h[4] is not None, h[6])
                    for h in conn.execute(text(_HISTORY_SQL), {"e": r[0]})
                ]
                if history
                else []
            )
            views.append(
                EnrollmentView(
                    r[0], r[1], r[2], r[3], sequences.step_number(steps, r[3]), len(steps), int(r[4] or 0),
                    _time(r[5]), r[6], _time(r[7]), _time(r[8]), r[9], r[10],
                    next((s for s in steps if s.key == r[3]), None), steps, done, r[14] or "",
                )
            )  # fmt: skip
    return views


def _time(value: Any) -> dt.datetime | None:
    return agenda.parse_sql_time(value) if value else None


def enrollment_action(store: LocalStore, action: str, enrollment_id: str, reason: str | None = None) -> str:
    with store.transaction() as session:
        if action == "pause":
            enrollments.pause(session, enrollment_id)
        elif action == "resume":
            enrollments.resume(session, enrollment_id)
        elif action == "skip":
            enrollments.skip_step(session, enrollment_id)
        elif action == "exit":
            enrollments.exit_enrollment(session, enrollment_id, reason=reason)
        else:
            raise ValueError(f"unknown action {action!r}")
    return action


# -- templates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    template_id: str
    name: str
    description: str
    target: str
    active: bool
    steps: list[dict[str, Any]]
    enrolled: int
    #: The steps as stored (JSON), for a caller that parses and checks them itself.
    steps_json: str = "[]"


def list_templates(store: LocalStore) -> list[TemplateRow]:
    with store.reading() as session:
        counts: dict[str, int] = dict(
            session.execute(
                text(
                    "SELECT template_id, count(*) FROM sequence_enrollments WHERE deleted_at IS NULL "
                    "AND status IN ('active', 'paused') GROUP BY template_id"
                )
            ).all()
        )
        templates = session.execute(
            select(SequenceTemplate)
            .where(SequenceTemplate.deleted_at.is_(None))
            .order_by(SequenceTemplate.name)
        ).scalars()
        return [
            TemplateRow(
                t.id,
                t.name,
                t.description or "",
                t.target,
                t.active,
                _json_list(t.steps),
                int(counts.get(t.id, 0)),
                t.steps or "[]",
            )
            for t in templates
        ]


def find_template(store: LocalStore, given: str) -> TemplateRow:
    """The live template ``given`` names: its id, its name (exactly, then in any case), or an id prefix of
    four characters or more.  ``NotFound`` when none does, ``Ambiguous`` when several do."""
    wanted = given.strip()
    live = list_templates(store)
    found = [t for t in live if t.template_id == wanted] or [t for t in live if t.name == wanted]
    if not found:
        found = [t for t in live if t.name.lower() == wanted.lower()]
    if not found and len(wanted) >= 4:
        found = [t for t in live if t.template_id.lower().startswith(wanted.lower())]
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous(f"'{wanted}' matches several sequences; give the id instead.")
    raise services.NotFound(f"There is no sequence '{wanted}'. 'sfa sequences list' shows them.")


def resolve_enrollment(store: LocalStore, given: str) -> str:
    """The id of the live enrollment whose id starts with ``given``."""
    return resolve_id(store, "sequence_enrollments", "enrollment", given)


def _json_list(raw: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def save_template(store: LocalStore, template_id: str | None, values: Mapping[str, Any]) -> str:
    with store.transaction() as session:
        return enrollments.save_template(session, template_id, values).id


def articles(store: LocalStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                text(
                    "SELECT id, title FROM kb_articles WHERE deleted_at IS NULL ORDER BY title COLLATE NOCASE"
                )
            )
        ]


def enroll(store: LocalStore, template_id: str, kind: str, record_ids: Sequence[str]) -> enrollments.Enrolled:
    with store.transaction() as session:
        return enrollments.enroll(session, template_id, kind, record_ids)
