"""Build hook: a wheel (``pip install .``, not editable) carries inside the package

* the app's ``resources/`` folder, as ``sfa_desktop/resources``, where
  :func:`sfa_desktop.core.resources.resources_dir` looks for it;
* the database migrations ``db/local`` and ``db/central``, as ``sfa_desktop/db/...``, where
  :func:`sfa_desktop.core.resources.migrations_dir` looks for them (Alembic loads them by path);
* ``sfa_desktop/BUILD``: the git commit it was built from (:func:`sfa_desktop.build_id`), when built from a
  git checkout.

A checkout and an editable install find the folders beside the package, the PyInstaller bundle in
``sys._MEIPASS`` (packaging/sfa-desktop.spec).  Everything else is in pyproject.toml."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = HERE / "resources"
MIGRATIONS = HERE / "db"


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


class BuildWithResources(build_py):
    """build_py, then the resources (without the README's screenshots), the migrations and the build id
    into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        target = Path(self.build_lib) / "sfa_desktop" / "resources"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(RESOURCES, target, ignore=shutil.ignore_patterns("screenshots"))
        for name in ("local", "central"):
            target = Path(self.build_lib) / "sfa_desktop" / "db" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(MIGRATIONS / name, target, ignore=shutil.ignore_patterns("__pycache__"))
        commit = _commit()
        if commit:
            (Path(self.build_lib) / "sfa_desktop" / "BUILD").write_text(commit + "\n", encoding="utf-8")


setup(cmdclass={"build_py": BuildWithResources})
