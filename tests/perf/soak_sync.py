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

``--seeds 4,5,6`` runs several seeds one after the other (each in a fresh central store), and
``--suite-seeds`` the short runs tests/integration/test_sync_soak.py made until they were moved here to keep
the suite in its time budget, exactly as the suite ran them (check every 100 steps, the suite's checks that
the run did its job): seeds 4, 5 and 6 for 400 steps on SQLite and seed 8 for 300 steps on PostgreSQL.  Run
it before a release and after any change to the sync:

    python tests/perf/soak_sync.py --suite-seeds
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
#: Run as a script (no tests/conftest.py): the laptops' stores are encrypted with the tests' fixed key, so
#: that no keyring (or passphrase) is needed.
os.environ.setdefault("SFA_DATABASE_KEY", "5fa0" * 16)
os.environ.setdefault("SFA_DATABASE_KEY_FOR_TESTS", "1")

from tests.integration.soak_model import SoakFailure, SoakModel, assert_soak_did_its_job  # noqa: E402
from tests.integration.sync_harness import World, drop_pg_database, pg_database  # noqa: E402

#: (central, seed, steps) the suite ran until they were moved here (``--suite-seeds``; check every 100)
SUITE_SEEDS = (("sqlite", 4, 400), ("sqlite", 5, 400), ("sqlite", 6, 400), ("postgresql", 8, 300))
SUITE_CHECK_EVERY = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="steps to run (10,000)")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default: from the time)")
    parser.add_argument("--seeds", default=None, help="several seeds, one run each: 4,5,6")
    parser.add_argument(
        "--suite-seeds", action="store_true", help="the short runs moved out of the test suite (see above)"
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="stop after this long (60, per run)")
    parser.add_argument("--central", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--check-every", type=int, default=500, help="full invariant check interval (500)")
    args = parser.parse_args(argv)
    if args.suite_seeds:
        runs = [(central, seed, steps, SUITE_CHECK_EVERY, True) for central, seed, steps in SUITE_SEEDS]
    elif args.seeds:
        try:
            seeds = [int(part) for part in args.seeds.split(",") if part.strip()]
        except ValueError:
            parser.error(f"--seeds takes whole numbers separated by commas, not {args.seeds!r}")
        runs = [(args.central, seed, args.steps, args.check_every, False) for seed in seeds]
    else:
        seed = args.seed if args.seed is not None else int(time.time()) % 1_000_000
        runs = [(args.central, seed, args.steps, args.check_every, False)]
    cluster = None
    failures: list[str] = []
    try:
        for central_kind, seed, steps, check_every, suite in runs:
            pg = None
            if central_kind == "postgresql":
                pg = os.environ.get("SFA_TEST_PG_URL")
                if not pg:
                    if cluster is None:
                        from tests.pg import start_cluster

                        cluster = start_cluster("sfa_soak")
                    pg = cluster.url()
                pg = pg.replace("postgresql://", "postgresql+psycopg://")
            if not _run(central_kind, pg, seed, steps, args.minutes, check_every, suite):
                failures.append(f"seed {seed} ({central_kind})")
    finally:
        if cluster is not None:
            cluster.stop()
    if len(runs) > 1:
        print(
            f"{len(runs) - len(failures)} of {len(runs)} runs passed"
            + "".join(f"; FAILED {f}" for f in failures)
        )
    return 1 if failures else 0


def _run(
    central_kind: str, pg: str | None, seed: int, steps: int, minutes: float, check_every: int, suite: bool
) -> bool:
    """One soak run in a fresh central store; prints its figures, returns whether it passed."""
    work = Path(tempfile.mkdtemp(prefix="sfa-soak-"))
    root = None
    url = ""
    print(f"soak: seed {seed}, up to {steps:,} steps or {minutes:g} min, central {central_kind}")
    started = time.perf_counter()
    try:
        if pg is None:
            url = str(work / "central.sqlite3")
        else:
            url, root = pg_database(pg, "soak")
        world = World(url, work)
        model = SoakModel(world, seed, check_every=check_every)
        deadline = time.monotonic() + minutes * 60
        failed: str | None = None
        try:
            model.run(steps, deadline=deadline, progress=lambda line: print(line, flush=True))
            if suite:
                assert_soak_did_its_job(model.stats, steps)
        except SoakFailure as exc:
            failed = str(exc)
        except AssertionError as exc:
            failed = f"the run did not do its job (too few faults, confirmed edits or checks): {exc!r}"
        finally:
            world.close()
        for line in model.stats.lines():
            print(line)
        print(f"wall time with setup: {time.perf_counter() - started:.1f} s")
        if failed is not None:
            print(f"FAILED: {failed}")
            return False
        print("all invariants held")
        return True
    finally:
        if root is not None:
            drop_pg_database(root, url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
