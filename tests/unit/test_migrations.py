"""The migrations build exactly the schema the models describe, upgrade a file that holds data without
losing any or breaking change capture and search, and downgrade cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, text

from sfa_desktop.core.records.fields import OPPORTUNITY_STAGES
from sfa_desktop.core.records.models import Base
from sfa_desktop.store import migrations
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from sfa_desktop.store.search import search
from tests import local_files

#: Tables the store makes besides the models: outbox and capture control, the search index, sync state.
INFRASTRUCTURE = {
    "outbox",
    "capture_control",
    "conflicts",
    "sync_state",
    "saved_filters",
    "assignment_runs",
    "undo_history",
    "replica_marks",
    "search_doc",
    "search_fts",
    "search_fts_config",
    "search_fts_content",
    "search_fts_data",
    "search_fts_docsize",
    "search_fts_idx",
    "kb_doc",
    "kb_fts",
    "kb_fts_config",
    "kb_fts_content",
    "kb_fts_data",
    "kb_fts_docsize",
    "kb_fts_idx",
}


def schema_differences(conn: Connection) -> list[Any]:
    """What differs between the database and the models, leaving out the store's own tables."""
    found = []
    for diff in compare_metadata(MigrationContext.configure(conn), Base.metadata):
        kind = diff[0][0] if isinstance(diff, list) else diff[0]
        subject = diff[0][1] if isinstance(diff, list) else diff[1]
        table = getattr(subject, "name", None) if kind.endswith("table") else getattr(subject, "table", None)
        name = table if isinstance(table, str) or table is None else table.name
        if name in INFRASTRUCTURE:
            continue
        found.append(diff)
    return found


def test_a_new_file_has_exactly_the_models_schema(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert schema_differences(conn) == []
            stages = conn.execute(text("SELECT key, probability FROM pipeline_stages ORDER BY position"))
            assert [tuple(r) for r in stages] == list(OPPORTUNITY_STAGES.items())  # the default pipeline
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0  # seeded without capture
    finally:
        store.close()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations.migrations_dir()))
    return config


def _migrate(path: Path, revision: str, *, down: bool = False) -> None:
    engine = local_files.engine(path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            config = _config()
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_upgrade_from_0002_keeps_data_capture_and_search(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    _migrate(path, "0002")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # written as a 0002 app would, capture on
        stamp = "2026-05-01 10:00:00.000000"
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ('a1', 'Acme Tools', :t, :t)"
            ),
            {"t": stamp},
        )
        conn.execute(
            text(
                "INSERT INTO leads (id, last_name, company, status, created_at, updated_at) "
                "VALUES ('l1', 'Moreau', 'Globex', 'new', :t, :t)"
            ),
            {"t": stamp},
        )
        before = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
    engine.dispose()
    assert before == 2

    store = LocalStore.open(tmp_path)  # upgrades to head on open
    try:
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT name FROM accounts WHERE id = 'a1'")).scalar() == "Acme Tools"
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 2
            assert [h.record_id for h in search(conn, "glob")] == ["l1"]
            conn.execute(text("UPDATE leads SET converted_account_id = 'a1' WHERE id = 'l1'"))
            change = conn.execute(
                text("SELECT op, changes FROM outbox ORDER BY change_no DESC LIMIT 1")
            ).one()
            assert change[0] == "update"
            assert json.loads(change[1]) == {"converted_account_id": [None, "a1"]}  # new columns are captured
            assert schema_differences(conn) == []
    finally:
        store.close()


def test_downgrade_to_0002_and_upgrade_again(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO leads (id, last_name, status, created_at, updated_at) VALUES "
                "('l1', 'Moreau', 'new', '2026-05-01 10:00:00.000000', '2026-05-01 10:00:00.000000')"
            )
        )
    store.close()
    path = tmp_path / DB_FILENAME
    _migrate(path, "0002", down=True)
    engine = local_files.engine(path)
    with engine.begin() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
        assert "orders" not in tables
        assert "change_history" not in tables
        columns = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(leads)")}
        assert "converted_account_id" not in columns
        conn.execute(text("UPDATE leads SET company = 'Initech' WHERE id = 'l1'"))  # capture still works
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE op = 'update'")).scalar() == 1
        assert [h.record_id for h in search(conn, "initech")] == ["l1"]
    engine.dispose()
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert schema_differences(conn) == []
            assert conn.execute(text("SELECT company FROM leads WHERE id = 'l1'")).scalar() == "Initech"
    finally:
        store.close()
