"""The central-store tests run against a real PostgreSQL.

``pg_url`` is the SQLAlchemy URL of an empty database: ``SFA_TEST_PG_URL`` when set, otherwise a throwaway
cluster started from the installed server binaries for this test session (see ``tests/pg.py``) and removed
at the end, also when tests fail.  Missing binaries make the tests fail, not skip: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg import ClusterError, start_cluster


def _normalise_url(url: str) -> str:
    """Accept plain libpq-style URLs too, and use psycopg 3 as the driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    given = os.environ.get("SFA_TEST_PG_URL")
    if given:
        yield _normalise_url(given)
        return
    problem = None
    try:
        cluster = start_cluster()
    except ClusterError as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(f"Cannot start the throwaway PostgreSQL for the tests: {problem}", pytrace=False)
    try:
        yield cluster.url()
    finally:
        cluster.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the PostgreSQL fixture carries the ``postgres`` marker (``-m "not postgres"``)."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
