"""The app's ``resources/`` folder (style sheet, icons, fonts), found wherever the app runs from."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The resources folder: $SFA_RESOURCES, a PyInstaller bundle, or the repository next to the package."""
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
