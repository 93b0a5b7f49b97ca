"""The error log: bugs are written with their traceback to a rotating file in the data folder.

Errors a person can fix (:class:`~sfa_desktop.core.errors.UserError`) are shown as they are and are not
bugs.  Anything else that escapes a command or a job is one: :func:`log_bug` writes it to ``logs/sfa.log``
in the data folder (five files of 1 MiB at most, rotated), and :func:`bug_report` gives the text a person
can copy into a report.  :func:`setup` is called once by ``sfa`` and ``sfa-desktop`` at start.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import traceback
from pathlib import Path

from sfa_desktop import __version__

LOG_DIR = "logs"
LOG_FILE = "sfa.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 4

log = logging.getLogger("sfa_desktop")
_state: dict[str, Path | None] = {"path": None}


def log_path(data_dir: Path) -> Path:
    return data_dir / LOG_DIR / LOG_FILE


def setup(data_dir: Path, *, level: int = logging.INFO) -> Path | None:
    """Log ``sfa_desktop``'s records at ``level`` and above to the rotating file in ``data_dir``.

    Returns the file's path, or None when the folder cannot be written (then bugs go to standard error only,
    and the program still runs).  Calling it again for the same folder changes nothing.
    """
    path = log_path(data_dir)
    if _state["path"] == path:
        return path
    teardown()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.set_name("sfa-error-log")
    log.addHandler(handler)
    log.setLevel(min(level, log.level or level))
    _state["path"] = path
    return path


def teardown() -> None:
    """Close the log file (tests, and a window that switches data folders)."""
    for handler in list(log.handlers):
        if handler.get_name() == "sfa-error-log":
            log.removeHandler(handler)
            handler.close()
    _state["path"] = None


def current_path() -> Path | None:
    """The file bugs are written to now, if :func:`setup` succeeded."""
    return _state["path"]


def bug_report(exc: BaseException, *, context: str = "") -> str:
    """What a person copies into a report: version, platform, what was being done and the traceback."""
    lines = [
        f"SFA Desktop {__version__}",
        f"Python {platform.python_version()} on {platform.platform()}",
    ]
    if context:
        lines.append(f"While: {context}")
    lines.append("")
    lines.extend(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def log_bug(exc: BaseException, *, context: str = "") -> Path | None:
    """Write ``exc`` with its traceback to the error log; returns the log file (None: no file, see stderr)."""
    path = current_path()
    if path is None:
        sys.stderr.write(bug_report(exc, context=context))
        return None
    where = f" while {context}" if context else ""
    log.error("Unexpected error%s", where, exc_info=(type(exc), exc, exc.__traceback__))
    return path
