"""Bundle benchmark (issue 18).  Not a test: run ``python tests/perf/bench_bundle.py [--bundle DIR]`` after
``pyinstaller packaging/sfa-desktop.spec``.

Budgets, each measured in this run on the same demo data:

- the bundle's start to the first painted window (``sfa-desktop --screenshot``: process start to the PNG of
  the painted window written) within 1.3x of the same start from the virtual environment
  (``python -m sfa_desktop.app --screenshot``); the first start of each is the cold one (files not yet in
  the page cache: reported on its own), then the median of ``--runs`` starts, taken turn about so that
  both see the same machine;
- the bundle's size under 256 MB (reported; 200 before SQLCipher's 8 MB, 215 before the planner's numpy
  and OpenBLAS).

Both run with the same clean environment (``env -i`` plus PYTHONPATH for the virtual environment's copy).
Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: tests is importable

from tests.perf.benchlib import Result, print_results  # noqa: E402

RATIO_BUDGET = 1.3
SIZE_BUDGET_MB = 256  # as packaging/check_bundle.sh


def _start(command: list[str], env: dict[str, str], png: Path) -> float:
    png.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--screenshot", str(png)], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or not png.is_file():
        raise SystemExit(f"bench_bundle: {command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "sfa-desktop")
    parser.add_argument("--runs", type=int, default=5, help="warm starts of each (default 5)")
    args = parser.parse_args()
    bundle = args.bundle.resolve()
    if not (bundle / "sfa-desktop").is_file():
        print(f"bench_bundle: no bundle in {bundle}; run 'pyinstaller packaging/sfa-desktop.spec'")
        return 1

    work = Path(tempfile.mkdtemp(prefix="sfa-bench-bundle-"))
    try:
        data = work / "data"
        # no keyring in a clean environment: the tests' fixed database key (no key derivation in the times)
        clean = {"PATH": "/usr/bin:/bin", "SFA_DATABASE_KEY": "5fa0" * 16, "SFA_DATABASE_KEY_FOR_TESTS": "1"}
        subprocess.run(
            [str(bundle / "sfa"), "--data-dir", str(data), "demo"], env=clean, check=True, capture_output=True
        )
        venv_env = {**clean, "PYTHONPATH": str(ROOT)}
        commands = {
            "bundle": ([str(bundle / "sfa-desktop"), "--data-dir", str(data)], clean),
            "venv": ([sys.executable, "-m", "sfa_desktop.app", "--data-dir", str(data)], venv_env),
        }
        cold = {name: _start(cmd, env, work / f"{name}.png") for name, (cmd, env) in commands.items()}
        warm: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, env) in commands.items():
                warm[name].append(_start(cmd, env, work / f"{name}.png"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(samples) for name, samples in warm.items()}
    ratio = median["bundle"] / median["venv"]
    cold_ratio = cold["bundle"] / cold["venv"]
    size = _size_mb(bundle)
    results: list[Result] = [
        (
            "venv: start to first painted window (median)",
            f"{median['venv'] * 1000:.0f} ms",
            "reference",
            True,
        ),
        (
            "bundle: start to first painted window (median)",
            f"{median['bundle'] * 1000:.0f} ms",
            f"<= {RATIO_BUDGET}x venv",
            ratio <= RATIO_BUDGET,
        ),
        (
            "bundle / venv (median of warm starts)",
            f"{ratio:.2f}x",
            f"<= {RATIO_BUDGET}x",
            ratio <= RATIO_BUDGET,
        ),
        (
            "first (cold) start: bundle / venv",
            f"{cold['bundle'] * 1000:.0f} / {cold['venv'] * 1000:.0f} ms = {cold_ratio:.2f}x",
            "reported",
            True,
        ),
        ("bundle size", f"{size:.0f} MB", f"< {SIZE_BUDGET_MB} MB", size < SIZE_BUDGET_MB),
    ]
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
