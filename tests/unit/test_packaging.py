"""Packaging (issue 18): what the PyInstaller spec collects is derived from the source tree, a wheel carries
the migrations and the resources and opens a database, and the version names the build."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sfa_desktop
from sfa_desktop.cli import main as sfa

ROOT = Path(__file__).resolve().parents[2]
# packaging/collect.py, which the spec reads (packaging/ is not a package)
_spec = importlib.util.spec_from_file_location("collect", ROOT / "packaging" / "collect.py")
assert _spec is not None
assert _spec.loader is not None
collect = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(collect)


def test_every_module_of_the_package_is_collected() -> None:
    modules = collect.package_modules()
    on_disk = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "sfa_desktop").rglob("*.py")
    }
    assert set(modules) == on_disk
    # the two the issue saw missing from the bundle: a migration's and a lazy import's
    assert {"sfa_desktop.store.saved_filters", "sfa_desktop.store.kb_search"} <= set(modules)
    assert "sfa_desktop.cli.__main__" in modules


def test_the_command_line_gets_everything_but_the_window() -> None:
    cli = collect.cli_modules()
    assert "sfa_desktop.ops.callsheet" in cli
    assert "sfa_desktop.cli.callsheet" in cli
    assert not [m for m in cli if m.startswith("sfa_desktop.ui") or m == "sfa_desktop.app"]
    assert set(cli) < set(collect.package_modules())


def test_what_the_migrations_import_is_collected(tmp_path: Path) -> None:
    found = collect.migration_imports()
    assert {"alembic.op", "sqlalchemy"} <= set(found)
    assert "__future__" not in found
    # derived, not listed: a new migration's import shows up
    (tmp_path / "db" / "local" / "versions").mkdir(parents=True)
    (tmp_path / "db" / "central").mkdir(parents=True)
    (tmp_path / "db" / "local" / "versions" / "9999_x.py").write_text(
        "from __future__ import annotations\nimport json\nfrom sqlalchemy.dialects import sqlite\n"
    )
    found = collect.migration_imports(tmp_path)
    assert found == ["json", "sqlalchemy.dialects", "sqlalchemy.dialects.sqlite"]


def test_the_migration_folders_are_data_where_the_app_looks_for_them() -> None:
    datas = {Path(dest).as_posix(): Path(src) for src, dest in collect.migration_datas()}
    assert set(datas) == {"db/local", "db/central"}
    for src in datas.values():
        assert (src / "env.py").is_file()
        assert list((src / "versions").glob("*.py"))


def test_version_and_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sfa_desktop.build_id(tmp_path / "none") == "development"
    (tmp_path / "BUILD").write_text("1a2b3c4d5e6f\n")
    assert sfa_desktop.build_id(tmp_path / "BUILD") == "1a2b3c4d5e6f"
    assert sfa_desktop.version_line(tmp_path / "BUILD") == f"{sfa_desktop.__version__} (build 1a2b3c4d5e6f)"
    # a checkout: no BUILD file
    assert not sfa_desktop.BUILD_FILE.exists()
    assert sfa(["--version"]) == 0
    assert capsys.readouterr().out == f"sfa {sfa_desktop.__version__} (build development)\n"


def test_the_bundle_carries_sqlcipher() -> None:
    """The encrypted database's driver: a C extension (SQLCipher and OpenSSL linked in) the bundle must hold,
    for the window and the command line alike."""
    spec = (ROOT / "packaging" / "sfa-desktop.spec").read_text(encoding="utf-8")
    common = spec[spec.index("common = [") : spec.index("]", spec.index("common = ["))]
    for module in ("sqlcipher3", "sqlcipher3.dbapi2", "sqlcipher3._sqlite3"):
        assert f'"{module}"' in common
    import sqlcipher3.dbapi2

    assert (
        sqlcipher3.dbapi2.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    )


@pytest.mark.slow
def test_a_wheel_carries_the_migrations_and_opens_a_database(tmp_path: Path) -> None:
    """``pip install .`` (not editable): the wheel holds resources/, db/local, db/central and BUILD, and the
    installed package (run from another folder, with no checkout beside it) makes and opens a data file."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md", "MANIFEST.in"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "screenshots", "BUILD")
    for name in ("sfa_desktop", "resources", "db"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], check=True
    )
    commit = subprocess.run(
        ["git", "-C", str(src), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    # the step of `pip install .` that fills the wheel: setup.py's build_py (the wheel zips what it built)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(site)],
        cwd=src,
        check=True,
        capture_output=True,
    )
    names = {p.relative_to(site).as_posix() for p in site.rglob("*")}
    assert "sfa_desktop/db/local/env.py" in names
    assert "sfa_desktop/db/central/env.py" in names
    assert any(n.startswith("sfa_desktop/db/local/versions/") for n in names)
    assert "sfa_desktop/resources/style.qss" in names
    assert "sfa_desktop/BUILD" in names
    assert not [n for n in names if "__pycache__" in n or "screenshots" in n]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "import sys, sfa_desktop\n"
        "from sfa_desktop.store.database import LocalStore\n"
        "from sfa_desktop.server import central\n"
        "assert sfa_desktop.__file__.startswith(sys.argv[1]), sfa_desktop.__file__\n"
        "LocalStore.open(__import__('pathlib').Path('data')).close()\n"
        "print(central.migrations_dir().relative_to(sys.argv[1]), sfa_desktop.build_id())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        check=False,
        cwd=elsewhere,
        # the tests' fixed database key (no keyring in a bare environment)
        env={
            "PYTHONPATH": str(site),
            "PATH": "/usr/bin:/bin",
            "SFA_DATABASE_KEY": os.environ["SFA_DATABASE_KEY"],
            "SFA_DATABASE_KEY_FOR_TESTS": "1",
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sfa_desktop/db/central", commit]
    assert (elsewhere / "data" / "sfa.sqlite3").is_file()
