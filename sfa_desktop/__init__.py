"""SFA Desktop: offline-first sales force automation."""

from pathlib import Path

__version__ = "0.1.0"

#: The file holding the build id, beside this module: written by packaging/sfa-desktop.spec into a bundle
#: and by setup.py into a wheel; a checkout has none.
BUILD_FILE = Path(__file__).resolve().parent / "BUILD"


def build_id(build_file: Path = BUILD_FILE) -> str:
    """The build: the git commit a bundle or a wheel was built from, or "development" (a checkout)."""
    try:
        text = build_file.read_text(encoding="utf-8").strip()
    except OSError:
        return "development"
    return text or "development"


def version_line(build_file: Path = BUILD_FILE) -> str:
    """``0.1.0 (build 1a2b3c4d5e6f)``: what ``sfa --version`` and Help > About show."""
    return f"{__version__} (build {build_id(build_file)})"
