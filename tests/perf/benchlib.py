"""What every benchmark shares: the table of results it prints and its exit status."""

from __future__ import annotations

import os

#: Run as scripts (no tests/conftest.py): the stores are encrypted with a fixed key, as in the tests, so
#: that no keyring (or passphrase) is needed.
os.environ.setdefault("SFA_DATABASE_KEY", "5fa0" * 16)
os.environ.setdefault("SFA_DATABASE_KEY_FOR_TESTS", "1")

#: One line of a benchmark's table: what was measured, the figure, the budget, and whether it was kept.
Result = tuple[str, str, str, bool]


def print_results(results: list[Result]) -> int:
    """Print the results as a table (MISS marks a budget not kept); 0 when every budget was kept, else 1."""
    width = max(len(r[0]) for r in results)
    for name, figure, budget, ok in results:
        print(f"{'ok  ' if ok else 'MISS'} {name:<{width}}  {figure}  [{budget}]")
    return 0 if all(r[3] for r in results) else 1


def process_tree(root: int) -> list[int]:
    """A process and every process below it (Linux, from /proc)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user and system, reaped children's included) these processes have used so far: to say
    which of several processes did a benchmark's work.  A process gone meanwhile counts nothing."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                raw = fh.read().decode(errors="replace")
        except OSError:
            continue
        ticks += sum(int(v) for v in raw[raw.rindex(")") + 2 :].split()[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
