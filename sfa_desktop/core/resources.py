"""The app's ``resources/`` folder (style sheet, icons, fonts, the demo data files), found wherever the app
runs from: a checkout or an editable install (beside the package), a wheel (``sfa_desktop/resources``,
copied in by setup.py), a PyInstaller bundle (``sys._MEIPASS``, packaging/sfa-desktop.spec)."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The resources folder: $SFA_RESOURCES, a PyInstaller bundle, the repository next to the package, or
    the folder inside the installed package."""
    candidates = []
    if os.environ.get("SFA_RESOURCES"):
        candidates.append(Path(os.environ["SFA_RESOURCES"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "resources", here.parents[1] / "resources"]
    for candidate in candidates:
        if (candidate / "style.qss").is_file():
            return candidate
    raise FileNotFoundError(
        "SFA Desktop cannot find its resources folder (style.qss, icons); looked in: "
        + ", ".join(str(c) for c in candidates)
        + ". Reinstall the app or set SFA_RESOURCES to the folder."
    )


def migrations_dir(name: str) -> Path | None:
    """The Alembic folder ``db/<name>`` (``local``: the laptop's database, ``central``: the central store),
    found like the resources: a PyInstaller bundle (``sys._MEIPASS/db``), a checkout or an editable install
    (``db/`` beside the package), a wheel (``sfa_desktop/db``, copied in by setup.py).  None when missing."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "db" / name)
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "db" / name, here.parents[1] / "db" / name]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    return None
