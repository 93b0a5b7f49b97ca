"""The migrations are frozen: they build, revision by revision and data included, exactly what they built
when ``migration_schema.json`` was recorded, and none of them reads the app's live code (so changing the
app cannot change what an old migration does)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sfa_desktop.core.records.models import SYNCED_TABLES
from sfa_desktop.core.records.tables import TERRITORY_TABLES
from sfa_desktop.store import (
    assignment_log,
    capture,
    kb_search,
    replica_marks,
    saved_filters,
    search,
    undo_log,
)
from sfa_desktop.store.database import LocalStore
from tests.unit import migration_snapshot

DB = Path(__file__).resolve().parents[2] / "db"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    return migration_snapshot.build(tmp_path_factory.mktemp("schema") / "migrated.db")


@pytest.mark.parametrize("side", ["up", "down"])
def test_the_migrations_build_the_recorded_schema_and_data(
    built: dict[str, dict[str, object]], side: str
) -> None:
    recorded = migration_snapshot.load()[side]
    assert list(built[side]) == list(recorded)
    for revision, snapshot in recorded.items():
        assert built[side][revision] == snapshot, f"{side} to {revision}"


def app_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sfa_desktop"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sfa_desktop":
            found.append(node.module or "")
        elif isinstance(node, ast.Call) and "import" in ast.unparse(node.func):  # __import__, import_module
            found += [
                str(a.value)
                for a in node.args
                if isinstance(a, ast.Constant) and str(a.value).split(".")[0] == "sfa_desktop"
            ]
    return found


def test_no_migration_imports_the_app() -> None:
    files = sorted(DB.rglob("*.py"))
    assert any(f.parent.name == "versions" and f.parent.parent.name == "central" for f in files)
    assert any(f.parent.name == "versions" and f.parent.parent.name == "local" for f in files)
    offenders = {str(f.relative_to(DB)): app_imports(f) for f in files if app_imports(f)}
    assert offenders == {}


def test_the_import_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "import os\nfrom sfa_desktop.store import capture\nimport sfa_desktop.core\n"
        "import importlib\nimportlib.import_module('sfa_desktop.server.schema')\n"
    )
    assert sorted(app_imports(sample)) == [
        "sfa_desktop.core",
        "sfa_desktop.server.schema",
        "sfa_desktop.store",
    ]


def test_a_new_file_has_the_triggers_and_tables_the_store_generates_today(tmp_path: Path) -> None:
    """The generators in store/ are where a new migration's frozen DDL comes from: whoever changes one must
    write a migration that installs its new output (this test then passes again)."""
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            master: dict[str, str] = {
                row[0]: row[1] for row in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master")
            }
            generated = [
                *capture.OUTBOX_DDL,
                *search.SEARCH_DDL,
                *search.search_trigger_ddl(),
                *kb_search.KB_DDL,
                *kb_search.kb_trigger_ddl(),
                *saved_filters.SAVED_FILTERS_DDL,
                *assignment_log.ASSIGNMENT_RUNS_DDL,
                *undo_log.UNDO_DDL,
                *replica_marks.MARKS_DDL,
            ]
            for table in TERRITORY_TABLES:
                generated += replica_marks.marks_trigger_ddl(table)
            for table in SYNCED_TABLES:
                generated += capture.capture_ddl(table, capture.table_columns(conn, table))
    finally:
        store.close()
    creates = [s.strip() for s in generated if s.strip().startswith("CREATE")]
    assert len(creates) > 60
    for statement in creates:
        words = statement.split()
        name = next(words[i + 1] for i, w in enumerate(words) if w in ("TABLE", "INDEX", "TRIGGER"))
        assert master.get(name) == statement, name
