"""The shape of the house, checked over the package's own imports (lazy imports included).

Layers import one way: ``ui`` and ``cli``, then ``ops``, then ``sync`` and ``printing``, then ``store``,
then ``protocol`` (what the laptop and sfa-server share), then ``core``; ``server`` (sfa-server and the
central store) sits on ``protocol`` and ``core``, and only ``ops`` (the in-process server) and ``cli``
(``sfa-server``, ``sfa central``) reach it.  Nothing outside ``ui`` and ``app`` imports Qt, there is no
import cycle anywhere in ``sfa_desktop``, and the window and the command line hold no SQL: they ask ``ops``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sfa_desktop"

#: Which room may import which.
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "protocol": {"protocol", "core"},
    "store": {"store", "protocol", "core"},
    "printing": {"printing", "core"},
    "sync": {"sync", "store", "protocol", "core"},
    "server": {"server", "protocol", "core"},
    "ops": {"ops", "sync", "server", "printing", "store", "protocol", "core"},
    "ui": {"ui", "ops", "sync", "printing", "store", "protocol", "core"},
    "cli": {"cli", "ops", "sync", "printing", "store", "protocol", "core", "server"},
}
#: What makes a line SQL in the window or the command line: SQLAlchemy's text() (not Qt's widget.text()),
#: a session's execute(), or an SQL statement in a string.
SQL = re.compile(
    r"(?<![.\w])(?<!def )text\(|\.execute\(|\bSELECT\s|"
    r"\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["sfa_desktop", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """Every name ``module`` imports, at any depth of the file (lazy imports count), with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        deps = {name for _, name in _imported(module, path) if name in MODULES and name != module}
        # importing a submodule runs its packages' __init__ too, but a package importing its own
        # submodules is not a cycle with them: leave parent packages out.
        graph[module] = {d for d in deps if not module.startswith(d + ".")}
    return graph


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_sees_a_cycle_and_a_lazy_import() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    lazy = {name for _, name in _imported("sfa_desktop.app", MODULES["sfa_desktop.app"])}
    assert "sfa_desktop.ui.mainwindow" in lazy  # imported inside a function


def test_no_import_cycle_in_the_package() -> None:
    assert _cycles(_graph()) == []


def test_imports_run_one_way_through_the_layers() -> None:
    wrong = []
    for module, path in MODULES.items():
        room = _room(module)
        if room is None:
            continue
        for line, name in _imported(module, path):
            target = _room(name) if name.startswith("sfa_desktop.") else None
            if target is not None and target not in ALLOWED[room]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert sorted(set(wrong)) == []


def test_qt_only_in_the_window() -> None:
    wrong = []
    for module, path in MODULES.items():
        if _room(module) == "ui" or module == "sfa_desktop.app":
            continue
        wrong += [
            f"{module}:{line}" for line, name in _imported(module, path) if name.split(".")[0] == "PySide6"
        ]
    assert wrong == []


@pytest.mark.parametrize("room", ["ui", "cli"])
def test_no_sql_in_the_window_or_the_command_line(room: str) -> None:
    sites = []
    for module, path in MODULES.items():
        if _room(module) == room:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL.search(line):
                    sites.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert sites == []


def test_the_access_rules_import_downwards() -> None:
    """``core.access`` is a package whose ``__init__`` re-exports every rule: a rule module that imports the
    package is a cycle the graph above leaves out (it leaves out parent packages), and ``identity``, the
    bottom of it, imports no rule module."""
    package = "sfa_desktop.core.access"
    rules = {module: path for module, path in MODULES.items() if module.startswith(f"{package}.")}
    assert f"{package}.identity" in rules
    assert f"{package}.rows" in rules
    wrong = []
    for module, path in rules.items():
        for line, name in _imported(module, path):
            if name == package or (module == f"{package}.identity" and name.startswith(f"{package}.")):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert sorted(set(wrong)) == []
