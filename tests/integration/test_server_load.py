"""sfa-server under a little load (the quick version of ``tests/perf/bench_server_load.py``, through the same
code): a real ``sfa-server`` process on PostgreSQL, 20 laptops syncing at once with 5 edits each over HTTP
(two of them signing in with their password), against a pool of 3 database connections."""

from __future__ import annotations

from pathlib import Path

from tests.integration.sync_harness import drop_pg_database, pg_database
from tests.perf import bench_server_load as bench

LAPTOPS, EDITS, POOL = 20, 5, 3


def test_twenty_laptops_sync_at_once_every_edit_arrives_and_the_pool_holds(
    pg_url: str, tmp_path: Path
) -> None:
    url, root = pg_database(pg_url, "load")
    try:
        outcome = bench.measure(
            url,
            laptops=LAPTOPS,
            territories=4,
            edits=EDITS,
            sign_ins=2,
            concurrency=LAPTOPS,
            pool=POOL,
            workers=1,
            time_bound=60.0,
            work=tmp_path,
        )
    finally:
        drop_pg_database(root, url)
    load, watcher = outcome.load, outcome.watcher
    assert load.laptops_done == LAPTOPS
    assert outcome.missing == []
    assert not load.failures
    # every endpoint a sync uses was called, each laptop's push once
    assert len(load.latencies["push"]) == LAPTOPS
    assert len(outcome.sign_ins.latencies["sign-in"]) == 2
    assert not outcome.sign_ins.failures
    assert {"hello", "head", "page", "conflicts", "history", "digest"} <= set(load.latencies)
    # 20 laptops at once never got the server past its pool, and it left no transaction open
    assert 0 < watcher.peak_connections <= POOL
    assert len(watcher.connections) > 10
    assert outcome.stuck == 0
    assert 0 < max(watcher.peak_rss_mb.values()) < 300
    results = bench.results_of(outcome, edits=EDITS, pool=POOL, workers=1)
    assert results[0][3], results[0]
    assert results[1][3], results[1]
