"""The quick version of the sync soak (``tests/perf/soak_sync.py`` runs it for 10,000 steps): the randomized
model of ``soak_model`` for a few hundred steps with fixed seeds, against a SQLite central file and a real
PostgreSQL, every invariant checked at checkpoints and at the end.

Seeds 1 and 3 run on SQLite, 2 and 7 on PostgreSQL (every seed draws from all the fault kinds; see
``soak_model.FAULTS``).  Seeds 4, 5, 6 (SQLite, 400 steps) and 8 (PostgreSQL, 300 steps) ran here too until
the suite outgrew its time budget; they run, with the same checks, by one command:
``python tests/perf/soak_sync.py --suite-seeds``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.soak_model import SoakModel, assert_soak_did_its_job
from tests.integration.sync_harness import World, world_fixture


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


@pytest.fixture
def pg_world(tmp_path: Path, pg_url: str) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _soak(world: World, seed: int, steps: int) -> None:
    model = SoakModel(world, seed, check_every=100)
    stats = model.run(steps)
    # the run did what it is for: faults struck, edits were confirmed, conflicts arose and were checked
    assert_soak_did_its_job(stats, steps)


def test_soak_sqlite(sqlite_world: World) -> None:
    _soak(sqlite_world, 1, 300)


def test_soak_postgresql(pg_world: World) -> None:
    _soak(pg_world, 2, 150)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3])
def test_soak_sqlite_more_seeds(sqlite_world: World, seed: int) -> None:
    _soak(sqlite_world, seed, 400)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7])
def test_soak_postgresql_more_seeds(pg_world: World, seed: int) -> None:
    _soak(pg_world, seed, 300)
