"""What the PyInstaller bundle must carry, derived from the source tree (packaging/sfa-desktop.spec reads it).

Nothing here is a list kept by hand:

* :func:`package_modules` walks ``sfa_desktop/`` on disk: every module of the package, so that a module the
  app loads lazily (``importlib.import_module`` from a table, an import inside a function, a migration's
  callee) is in the bundle whether or not PyInstaller's import scan saw it.
* :func:`migration_imports` reads the Alembic migrations under ``db/`` with :mod:`ast`: Alembic loads
  those files by path at run time, so PyInstaller never analyses them, but whatever they import
  (``alembic.op``, ``sqlalchemy``...) must be in the bundle.
* :func:`migration_datas` lists ``db/local`` and ``db/central`` as data files, where
  :func:`sfa_desktop.store.migrations.migrations_dir` and :func:`sfa_desktop.server.central.migrations_dir`
  look for them in a bundle (``sys._MEIPASS/db/...``).

Run it (``python packaging/collect.py``) to print what it finds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sfa_desktop"
MIGRATION_FOLDERS = ("local", "central")
#: The window's part of the package: the command line's executable does not need it (nor Qt).
GUI_ONLY = ("sfa_desktop.ui", "sfa_desktop.app")


def package_modules(root: Path = ROOT, package: str = PACKAGE) -> list[str]:
    """Every module and package under ``root/package``, by dotted name, sorted."""
    base = root / package
    names = []
    for file in sorted(base.rglob("*.py")):
        parts = list(file.relative_to(root).with_suffix("").parts)
        if "__pycache__" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return sorted(set(names))


def cli_modules(root: Path = ROOT) -> list[str]:
    """The package without the window (see :data:`GUI_ONLY`)."""
    return [m for m in package_modules(root) if not any(m == g or m.startswith(g + ".") for g in GUI_ONLY)]


def _imports(source: str, filename: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "__future__":
                continue
            found.add(node.module)
            # "from alembic import op": op is a module; PyInstaller ignores names that are not
            found.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def migration_imports(root: Path = ROOT) -> list[str]:
    """The modules that the migrations (env.py and versions/*.py of every folder under db/) import."""
    found: set[str] = set()
    for folder in MIGRATION_FOLDERS:
        for file in sorted((root / "db" / folder).rglob("*.py")):
            found |= _imports(file.read_text(encoding="utf-8"), str(file))
    return sorted(found)


def migration_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source folder, folder in the bundle) for the migrations: ``db/local`` and ``db/central``."""
    return [(str(root / "db" / folder), str(Path("db") / folder)) for folder in MIGRATION_FOLDERS]


if __name__ == "__main__":
    mods = package_modules()
    print(f"{len(mods)} modules in {PACKAGE} ({len(cli_modules())} for the command line)")
    print("migrations import:", ", ".join(migration_imports()))
    sys.exit(0)
