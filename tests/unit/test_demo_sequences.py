"""The demo's sequences: valid templates with branching and call scripts, and each rep's enrollments with
steps overdue, due today and upcoming relative to the demo's today, some already ended."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.demo.data import load
from sfa_desktop.core.sequences import agenda
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.store.database import LocalStore

TEMPLATES = load().sequence_templates
TODAY = dt.date(2026, 11, 25)  # a Wednesday


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = LocalStore.open(tmp_path_factory.mktemp("demo-seq"))
    with store.transaction() as session:
        demo.seed(session, accounts=120, seed=3, today=TODAY)
    yield store
    store.close()


def test_templates_are_valid_branch_and_have_markdown_scripts() -> None:
    assert len(TEMPLATES) == 4
    for template in TEMPLATES:
        steps = sequences.validate(template["steps"])
        assert any(r.kind in ("goto", "repeat") for s in steps for r in s.outcomes.values()), template["name"]
        assert all(s.article_ids == () for s in steps)  # the knowledge base links them later
    outreach = sequences.validate(TEMPLATES[0]["steps"])
    assert "### Opening" in outreach[0].instructions
    assert outreach[0].outcomes["not interested"].lead_status == "disqualified"


def test_every_rep_has_steps_overdue_today_and_upcoming(seeded: LocalStore, tmp_path: Path) -> None:
    now = dt.datetime.combine(TODAY, dt.time(15, 0), dt.UTC)
    with seeded.engine.connect() as conn:
        reps = conn.execute(text("SELECT id, login FROM users WHERE role = 'rep' ORDER BY login")).all()
        assert [login for _id, login in reps] == ["dokafor", "mgreene", "smartinez"]
        for rep_id, login in reps:
            items = [i for i in agenda.agenda_items(conn, [rep_id], now=now, tz=dt.UTC) if i.is_step]
            buckets = agenda.counts(items)
            assert all(buckets[b] >= 1 for b in agenda.BUCKETS), (login, buckets)
        statuses: dict[str, int] = dict(
            conn.execute(text("SELECT status, count(*) FROM sequence_enrollments GROUP BY status")).all()
        )
        logged = conn.execute(
            text("SELECT count(*) FROM activities WHERE enrollment_id IS NOT NULL AND done_at IS NOT NULL")
        ).scalar()
    assert statuses["active"] >= 30
    assert statuses.get("completed", 0) + statuses.get("exited", 0) >= 1
    assert int(logged or 0) >= 10  # a history of steps done, with outcomes
