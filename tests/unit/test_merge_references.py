"""Every table that names an account, a contact or a lead is re-pointed by a merge (issue 16 follow-up): the
list is derived from the models, and this walk fails when a new table names a mergeable record in a way the
derivation cannot see (a column without a foreign key, a (table, id) pair not declared)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.access import Identity, NotPermitted
from sfa_desktop.core.records import merge, services
from sfa_desktop.core.records.base_models import Base
from sfa_desktop.core.records.models import SYNCED_MODELS
from sfa_desktop.core.visits import reports
from sfa_desktop.ops import data as data_ops
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.server import merges
from sfa_desktop.store.database import LocalStore

MERGEABLE = ("accounts", "contacts", "leads")
#: Local tables (not synced) that name a record, and why a merge leaves them: each must be listed here.
LEFT_ALONE = {
    ("change_history", "record_id"): "moved by the merge itself (merge.history_of, follow_merges_in_history)",
    ("notifications", "record_id"): "opening a notification follows merged_into_id (merge.survivor_of)",
    ("lead_scores", "lead_id"): "derived: dropped by triggers when the lead changes, recomputed",
    ("lead_scores_pending", "lead_id"): "derived: the leads whose score is stale",
}


def _names_a_mergeable(column: str) -> bool:
    return column == "record_id" or any(column.endswith(f"{kind[:-1]}_id") for kind in MERGEABLE)


def test_every_column_that_names_a_mergeable_record_is_re_pointed_by_a_merge() -> None:
    laptop = {(t, c) for refs in merge.REFERENCES.values() for t, c, _f in refs}
    central = {(t, c) for refs in merges.SWEEP.values() for t, c, _f in refs}
    named = {(t, i) for t, _tc, i in merge.RECORD_REFERENCES}
    synced = {m.__tablename__: m for m in SYNCED_MODELS}
    missing: list[str] = []
    for table in Base.metadata.sorted_tables:
        model = synced.get(table.name)
        for column in table.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys} & set(MERGEABLE)
            key = (table.name, column.name)
            if targets:
                if key not in central:
                    missing.append(f"{key}: not swept by the central store")
                if key not in laptop and not (model is not None and model.company_records):
                    missing.append(f"{key}: not re-pointed by a laptop's merge")
            elif _names_a_mergeable(column.name) and key not in named and key not in LEFT_ALONE:
                missing.append(f"{key}: names a record without a foreign key or a record_reference")
    assert missing == []


def test_the_tables_of_issue_15_and_16_are_among_them() -> None:
    accounts = {t for t, _c, _f in merge.REFERENCES["accounts"]}
    assert {
        "visit_reports",
        "attachments",
        "service_requests",
        "request_comments",
        "comments",
        "defections",
    } <= accounts
    assert {t for t, _c, _f in merge.REFERENCES["leads"]} >= {"visit_reports", "attachments"}
    assert ("comments", "table_name", "record_id") in merge.RECORD_REFERENCES
    assert ("attachments", "record_table", "record_id") in merge.RECORD_REFERENCES
    follows = {(t, c): f for t, c, f in merges.SWEEP["accounts"]}
    assert follows[("orders", "account_id")]
    assert follows[("visit_reports", "account_id")]
    assert not follows[("leads", "converted_account_id")]


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore.open(tmp_path / "walk")


def test_a_merge_moves_a_live_row_of_every_table_that_names_an_account(store: LocalStore) -> None:
    """One row of each such table on the merged-away account, all on the survivor afterwards."""
    with store.transaction() as session:
        ne = services.create(session, "territories", {"code": "NE", "name": "New England"}).id
        survivor = services.create(session, "accounts", {"name": "Acme", "territory_id": ne}).id
        loser = services.create(session, "accounts", {"name": "ACME Inc", "territory_id": ne}).id
        visit = services.create(
            session, "activities", {"kind": "visit", "subject": "Visit", "account_id": loser}
        ).id
    with store.transaction() as session:
        report = reports.ensure_report(session, reports.visit_activity(session, visit), lambda *_a: None)
        reports.add_attachment(
            session,
            report,
            sha256="a" * 64,
            size_bytes=3,
            file_name="shelf.jpg",
            media_type="image/jpeg",
            kind="photo",
            item_key=None,
            caption=None,
        )
    with store.engine.begin() as conn:
        covered = {
            t
            for t, c, _f in merge.REFERENCES["accounts"]
            if conn.execute(text(f"SELECT count(*) FROM {t} WHERE {c} = :a"), {"a": loser}).scalar()
        }
    result = data_ops.merge_records(store, "accounts", survivor, [loser], {})
    assert {"activities", "visit_reports", "attachments"} <= covered
    for table in covered:
        assert result.moved[table] >= 1, table
    with store.engine.connect() as conn:
        for table, column, _f in merge.REFERENCES["accounts"]:
            left: Any = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :a AND deleted_at IS NULL"), {"a": loser}
            ).scalar()
            assert left == 0, table
    assert "visit report" in result.summary()
    assert "attachment" in result.summary()

    # the merge is undone whole: the visit report and its photo are the merged-away account's again
    undo_ops.undo_last(store)
    with store.engine.connect() as conn:
        for table in ("activities", "visit_reports", "attachments"):
            back = conn.execute(text(f"SELECT account_id FROM {table}")).scalars().all()
            assert back == [loser], table


def test_a_reps_merge_keeps_the_survivors_segment_and_visit_frequency(store: LocalStore) -> None:
    """The service-level fields are a manager's (issue 16): a rep's merge does not fail on them."""
    with store.transaction() as session:
        ne = services.create(session, "territories", {"code": "NE", "name": "New England"}).id
        survivor = services.create(session, "accounts", {"name": "Acme", "territory_id": ne}).id
        loser = services.create(
            session,
            "accounts",
            {"name": "ACME Inc", "territory_id": ne, "segment": "A", "visit_min_days": 7, "city": "Lowell"},
        ).id
    rep = Identity("u-rep", "ann", "rep", frozenset({ne}))
    with store.transaction() as session:
        access.check_as(session, rep)
        result = merge.merge(session, "accounts", survivor, [loser])
    assert result.changed == ["city"]
    with store.transaction() as session:
        other = services.create(
            session, "accounts", {"name": "Acme Co", "territory_id": ne, "segment": "B"}
        ).id
    with store.transaction() as session:
        access.check_as(session, rep)
        with pytest.raises(NotPermitted, match="set by managers"):
            merge.merge(session, "accounts", survivor, [other], take={"segment": other})
