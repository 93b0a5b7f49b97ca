"""Build hook: a wheel (``pip install .``, not editable) carries the app's ``resources/`` folder inside the
package, as ``sfa_desktop/resources``, where :func:`sfa_desktop.core.resources.resources_dir` looks for it.
A checkout and an editable install find the folder beside the package, the PyInstaller bundle in
``sys._MEIPASS`` (packaging/sfa-desktop.spec).  Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildWithResources(build_py):
    """build_py, then the resources (without the README's screenshots) into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        target = Path(self.build_lib) / "sfa_desktop" / "resources"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(RESOURCES, target, ignore=shutil.ignore_patterns("screenshots"))


setup(cmdclass={"build_py": BuildWithResources})
