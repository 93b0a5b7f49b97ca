"""The migrations are frozen: they build, revision by revision and data included, exactly what they built
when ``migration_schema.json`` was recorded, and none of them reads the app's live code (so changing the
app cannot change what an old migration does)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
