"""The sync soak (issue 19, "Proof at depth").  Not a test: ``python tests/perf/soak_sync.py``.

Runs the randomized model of ``tests/integration/soak_model.py`` (five laptops: three reps in different
territories, a second laptop of one rep, a manager; creates, edits, deletes, concurrent edits, edit/delete
races in both orders, territory moves, assign/unassign, revoke and re-add, skewed laptop clocks; faults:
the server dying mid-batch, lost push answers, duplicated and replayed pushes, pulls cut short) against a
central store on a throwaway PostgreSQL (``tests/pg.py``; or SFA_TEST_PG_URL), or a SQLite central file
with ``--central sqlite``, for ``--steps`` steps (10,000) or ``--minutes`` minutes, whichever comes first:
it stops by itself.  Invariants are checked every ``--check-every`` steps and at the end (see the model).

Prints steps run, operations by kind, faults injected, syncs, conflicts archived and invariant checks
passed; on a failure the seed and the step that reproduce it, and exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.integration.soak_model import SoakFailure, SoakModel  # noqa: E402
from tests.integration.sync_harness import World, drop_pg_database, pg_database  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="steps to run (10,000)")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default: from the time)")
    parser.add_argument("--minutes", type=float, default=60.0, help="stop after this long (60)")
    parser.add_argument("--central", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--check-every", type=int, default=500, help="full invariant check interval (500)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 1_000_000
    work = Path(tempfile.mkdtemp(prefix="sfa-soak-"))
    cluster = None
    root = None
    print(f"soak: seed {seed}, up to {args.steps:,} steps or {args.minutes:g} min, central {args.central}")
    started = time.perf_counter()
    try:
        if args.central == "sqlite":
            url = str(work / "central.sqlite3")
        else:
            pg = os.environ.get("SFA_TEST_PG_URL")
            if not pg:
                from tests.pg import start_cluster

                cluster = start_cluster("sfa_soak")
                pg = cluster.url()
            pg = pg.replace("postgresql://", "postgresql+psycopg://")
            url, root = pg_database(pg, "soak")
        world = World(url, work)
        model = SoakModel(world, seed, check_every=args.check_every)
        deadline = time.monotonic() + args.minutes * 60
        failed: str | None = None
        try:
            model.run(args.steps, deadline=deadline, progress=lambda line: print(line, flush=True))
        except SoakFailure as exc:
            failed = str(exc)
        finally:
            world.close()
        for line in model.stats.lines():
            print(line)
        print(f"wall time with setup: {time.perf_counter() - started:.1f} s")
        if failed is not None:
            print(f"FAILED: {failed}")
            return 1
        print("all invariants held")
        return 0
    finally:
        if root is not None:
            drop_pg_database(root, url)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
