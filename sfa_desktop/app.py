"""``sfa-desktop``: the GUI entry point.

``sfa-desktop [--data-dir DIR] [--page PAGE] [--screenshot FILE.png [--settle SECONDS]] [FILE]``.  With a
FILE (a .vcf or .csv: how the desktop's "Open with" starts it) the window opens with the import dialog
reading that file.  With ``--screenshot`` the main window opens on its page (Today by default); once the
page's data is loaded the window is rendered to FILE.png and the program exits (0, or 1 with a message when
the PNG cannot be written); ``--settle`` waits that long more, and for the background jobs, so that what
the window's services add a second later (the bell, the sidebar's counts) is in the picture.  Without a
display (no DISPLAY / WAYLAND_DISPLAY) screenshots use Qt's offscreen platform.

Bugs (errors that are not a person's to fix) are written to ``logs/sfa.log`` in the data folder and shown
in a dialog with the details and a "Copy report" button; uncaught exceptions of every thread and Qt's own
warnings go there too (:mod:`sfa_desktop.ui.failures`, installed by :func:`main`, never on import).

Start-up is kept fast by importing only what the window needs: no reportlab, no scheduler, and Alembic
only when the data file needs migrating.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from sfa_desktop.store.database import LocalStore
    from sfa_desktop.ui.mainwindow import MainWindow


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sfa-desktop", description="SFA Desktop: offline-first sales force automation."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder holding the data file (default: $SFA_DATA_DIR or the platform's user data folder)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE.png",
        default=None,
        help="open the window, write a PNG of it once it is painted, and exit",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with --screenshot: wait this long after the first paint, and for the window's background jobs "
        "to finish (its services, the notification bell and the sidebar's counts, start a second after "
        "it), then write the PNG: the window as a person sees it (default 0: at first paint)",
    )
    parser.add_argument(
        "--page",
        default="today",
        metavar="PAGE",
        help="the page the window opens on: today (the default), accounts, contacts, leads, opportunities, "
        "pipeline, knowledge, territories or reports",
    )
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        default=None,
        help="a .vcf or .csv file to import: the window opens with the import dialog on it",
    )
    args = parser.parse_args(argv)
    if args.file is not None:
        args.file = args.file.expanduser().absolute()
    from sfa_desktop.ui import extensions  # no Qt: the page table only

    pages = [*(p.key for p in extensions.PAGES), *extensions.SECTIONS]
    if args.page not in pages:
        parser.error(f"there is no page '{args.page}'; choose one of: {', '.join(sorted(pages))}")
    return args


def _check_writable(path: Path) -> str | None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and path.is_dir():
        return f"Cannot write the screenshot to {path}: it is a folder. Give a file name ending in .png."
    if not folder.is_dir():
        return f"Cannot write the screenshot to {path}: the folder {folder} does not exist."
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"Cannot write the screenshot to {path}: permission denied. Choose another place."
    return None


def _utf8_locale() -> None:
    """On Linux and the BSDs, make the character type UTF-8 before Qt starts, as Python itself does for the
    C locale (PEP 538; a PyInstaller bundle does not): Qt needs a UTF-8 locale and otherwise switches to
    C.UTF-8 on its own, printing a four-line warning on the terminal (``env -i``, ``LANG=C``, a cron job,
    a desktop session with a Latin-1 locale).  Only the character type changes: dates and numbers keep
    the person's locale."""
    if sys.platform == "win32" or sys.platform == "darwin":
        return
    import locale

    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "")
        codeset = locale.nl_langinfo(locale.CODESET)
    except locale.Error:  # a locale the environment names that is not installed
        codeset = ""
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)
    if codeset.replace("-", "").upper() == "UTF8":
        return
    name = "LC_ALL" if os.environ.get("LC_ALL") else "LC_CTYPE"
    os.environ[name] = "C.UTF-8"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _utf8_locale()
    screenshot: Path | None = args.screenshot
    if screenshot is not None:
        problem = _check_writable(screenshot)
        if problem:
            print(f"sfa-desktop: {problem}", file=sys.stderr)
            return 1
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtWidgets import QApplication, QMessageBox

    from sfa_desktop import __version__
    from sfa_desktop.ops import errorlog
    from sfa_desktop.store.database import StoreError

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sfa-desktop"])
    assert isinstance(app, QApplication)
    app.setApplicationName("sfa-desktop")
    app.setApplicationDisplayName("SFA Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("sfa-desktop")

    from sfa_desktop.ui import failures
    from sfa_desktop.ui.icons import apply_style
    from sfa_desktop.ui.mainwindow import MainWindow

    try:
        # Opened on this thread on purpose: importing modules on two threads at once can deadlock
        # with PySide6's import hook (seen in testing), and opening imports lazily.
        store = _open_store(args.data_dir, ask=screenshot is None)
    except StoreError as exc:
        if screenshot is not None:
            print(f"sfa-desktop: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "SFA Desktop cannot open its data", str(exc))
        return 1
    if store is None:  # the person chose Quit at the passphrase
        return 1
    if not _unlocked(store, interactive=screenshot is None):
        store.close()
        return 1

    # Once the data folder is known good (a refused folder is left as it was found, without a logs folder).
    errorlog.setup(store.path.parent)
    restore_hooks = failures.install_hooks()
    apply_style(app)
    try:
        window = MainWindow(store, initial=args.page)  # by default Today: a rep's day starts with what is due
        if args.file is not None and screenshot is None:
            _import_when_ready(window, args.file)
        if screenshot is not None:
            code = _take_screenshot(app, window, screenshot, settle=max(args.settle, 0.0))
        else:
            window.show()
            if args.file is None:
                _sign_in_on_first_start(window)
            return app.exec()
    except Exception as exc:
        # Raised out of main (the window could not be built): logged, then Python prints it as ever.
        errorlog.log_bug(exc, context="starting the window")
        raise
    finally:
        store.close()
        restore_hooks()
        errorlog.teardown()
    if argv is None:
        # Run as the program (not called from Python): the PNG is written, the worker stopped and the
        # database closed, so leave now; tearing down Qt and the interpreter would add ~0.35 s for nothing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _open_store(data_dir: Path | None, *, ask: bool) -> LocalStore | None:
    """The local store; where the computer has no keyring, its passphrase asked in a dialog before the
    window (again while it is wrong).  None: the person chose Quit."""
    from sfa_desktop.store.cipher import PassphraseNeeded, WrongPassphrase
    from sfa_desktop.store.database import LocalStore

    if not ask:
        return LocalStore.open(data_dir)  # SFA_PASSPHRASE or the keyring, never a dialog
    from sfa_desktop.ui.unlock import ask_passphrase

    problem = ""
    while True:
        try:
            return LocalStore.open(data_dir, passphrase=ask_passphrase(problem))
        except WrongPassphrase as exc:
            problem = str(exc)
        except PassphraseNeeded:
            return None


def _unlocked(store: LocalStore, *, interactive: bool) -> bool:
    """Offline expiry at start: past the second limit the synced data is wiped (said so); past the first it
    is locked: the locked screen until a sync succeeds.  False: it stays locked (the person quit)."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    from sfa_desktop.ops import expiry as expiry_ops

    enforced = expiry_ops.enforce(store)
    if enforced.wiped:
        if interactive:
            QMessageBox.warning(None, "SFA Desktop: data wiped", enforced.expiry.wiped_message)
        else:
            print(f"sfa-desktop: {enforced.expiry.wiped_message}", file=sys.stderr)
        return True
    if not enforced.locked:
        return True
    if not interactive:
        print(f"sfa-desktop: {enforced.expiry.locked_message}", file=sys.stderr)
        return False
    from sfa_desktop.ui.unlock import LockedDialog

    return LockedDialog(store, enforced.expiry.locked_message).exec() == QDialog.DialogCode.Accepted


def _import_when_ready(window: MainWindow, path: Path) -> None:
    """The import dialog on ``path`` once the first page shows its data (the dialog over a blank window
    would look broken, and its reading job would wait behind the page's anyway)."""
    from PySide6.QtCore import Qt

    from sfa_desktop.ui.import_dialog import open_import

    window.ready.connect(lambda: open_import(window, str(path)), Qt.ConnectionType.SingleShotConnection)


def _sign_in_on_first_start(window: MainWindow) -> None:
    """A laptop's first start (no data, not connected): the sign-in dialog over the window, once the
    window is on screen (Work offline closes it; never on demo data or once connected)."""
    from PySide6.QtCore import QTimer

    from sfa_desktop.ui.signin_dialog import sign_in_at_first_start

    QTimer.singleShot(0, window, lambda: sign_in_at_first_start(window))


def _take_screenshot(app: QApplication, window: MainWindow, path: Path, *, settle: float = 0.0) -> int:
    from PySide6.QtCore import QTimer  # loaded already with QtWidgets: no module runs here

    outcome: dict[str, int] = {}

    def finish(code: int, message: str | None = None) -> None:
        if outcome:
            return
        outcome["code"] = code
        if message:
            print(f"sfa-desktop: {message}", file=sys.stderr)
        window.close()
        app.exit(code)

    def grab() -> None:
        # grab() renders every widget now (paint events included), so the first page of rows is
        # fetched and painted into the image.
        if window.grab().save(str(path), "PNG", 80):  # light compression: written fast
            finish(0)
        else:
            finish(1, f"Cannot write the screenshot to {path}. Check the folder and the file name.")

    def when_idle() -> None:
        if outcome:
            return
        if window.runner.busy:  # a job the services started: its result painted first
            QTimer.singleShot(50, when_idle)
        else:
            QTimer.singleShot(0, grab)

    def settled() -> None:
        if not outcome:
            # Let the posted layout and polish events run first, then render.
            QTimer.singleShot(int(settle * 1000), when_idle if settle else grab)

    window.runner.taskFailed.connect(lambda _task, exc: finish(1, f"Loading the data failed: {exc}"))
    window.ready.connect(settled)
    window.show()
    app.exec()
    return outcome.get("code", 1)


if __name__ == "__main__":
    raise SystemExit(main())
