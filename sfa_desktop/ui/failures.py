"""How the window shows a failure: an error a person can fix as it is, anything else as a bug.

An error a person can fix is a :class:`~sfa_desktop.core.errors.UserError` (or the operating system refusing a
file the person named: permissions, a full disk, a missing folder).  Its message is shown as it is, where the
person was working (a banner, a message box), never only in the status bar.

Anything else is a bug.  :func:`report_bug` writes it with its traceback to the error log
(:mod:`sfa_desktop.ops.errorlog`) at once, on the thread that saw it, then shows the bug dialog on the GUI
thread (a queued signal carries it there).  One dialog at a time: bugs that arrive while it is open are logged
and counted in it, not stacked.  The task runner reports the bugs of its jobs here; :func:`install_hooks`
(called by ``sfa-desktop`` at start, never on import) sends uncaught exceptions of any thread and Qt's own
warnings here too.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QObject,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.progress import Cancelled
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ops import errorlog
from sfa_desktop.ui.bug_dialog import BugDialog, ProblemDialog

#: What a failed step says where it failed when the cause is a bug (the bug dialog has the rest).
UNEXPECTED = "an unexpected error stopped it (the details are in the error report)."

qt_log = logging.getLogger("sfa_desktop.qt")


def is_bug(exc: object) -> bool:
    """False for an error a person can fix (a UserError, or an OSError about a file: it names the file) and
    for a job the person cancelled; True for anything else."""
    if isinstance(exc, UserError | Cancelled):
        return False
    return not (isinstance(exc, OSError) and exc.filename is not None)


def problem_text(exc: object) -> str:
    """The message to show where a job failed: a person's error as it is, a bug as :data:`UNEXPECTED`."""
    if is_bug(exc):
        return UNEXPECTED
    if isinstance(exc, ValidationError):
        return " ".join(exc.errors.values())
    return str(exc)


def show_problem(parent: QWidget | None, title: str, exc: object) -> ProblemDialog | None:
    """A person's error in a message box titled ``title`` (it does not block).  Nothing for a bug: whoever
    saw the bug reported it (the task runner does for its jobs)."""
    if is_bug(exc):
        return None
    box = ProblemDialog(title, problem_text(exc), parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _dialog_parent() -> QWidget | None:
    """The window a dialog should sit on: the main window on screen, else the active window."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMainWindow) and widget.isVisible():
            return widget
    return QApplication.activeWindow()


class BugReporter(QObject):
    """Logs bugs and shows them in the bug dialog; a person's errors reaching it go to a message box.

    ``dialogShown(dialog)`` fires when a bug dialog opens (tests wait for it).
    """

    arrived = Signal(object, str, object)  # (exception, context, log file or None); queued from other threads
    dialogShown = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: BugDialog | None = None
        #: Bugs reported since the program started (the dialog's later ones included).
        self.count = 0
        self.arrived.connect(self._arrived)  # auto: direct on the GUI thread, queued from any other

    def report(self, exc: BaseException, context: str = "") -> None:
        """Log a bug now (any thread) and show it on the GUI thread; a person's error is only shown."""
        path = errorlog.log_bug(exc, context=context) if is_bug(exc) else None
        self.arrived.emit(exc, context, path)

    def _arrived(self, exc: BaseException, context: str, path: Path | None) -> None:
        if not is_bug(exc):
            show_problem(_dialog_parent(), "SFA Desktop", exc)
            return
        self.count += 1
        if self.dialog is not None:
            self.dialog.add_repeat()
            return
        dialog = BugDialog(exc, context, path, _dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._forget)
        dialog.destroyed.connect(self._forget)
        self.dialog = dialog
        dialog.show()
        dialog.activateWindow()
        self.dialogShown.emit(dialog)

    def _forget(self, *_args: object) -> None:
        self.dialog = None

    def close_dialog(self) -> None:
        """Close the bug dialog if one is open (tests, between cases)."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.close()


_state: dict[str, BugReporter] = {}


def reporter() -> BugReporter:
    """The program's one bug reporter (made on first use; it lives on the GUI thread)."""
    found = _state.get("reporter")
    if found is None:
        found = BugReporter()
        app = QCoreApplication.instance()
        if app is not None and found.thread() is not app.thread():
            found.moveToThread(app.thread())
        _state["reporter"] = found
    return found


def report_bug(exc: BaseException, context: str = "") -> None:
    """Log ``exc`` as a bug and show the bug dialog (any thread).  Without a QApplication: logged only."""
    if QCoreApplication.instance() is None:
        errorlog.log_bug(exc, context=context)
        return
    reporter().report(exc, context)


# -- hooks, installed by sfa-desktop at start ----------------------------------------------------------


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook``: an exception nobody caught (a slot, a timer, the event loop) is a bug."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    try:
        report_bug(exc, context="")
    except Exception as failure:  # the reporter itself failed: at least the terminal has both
        sys.__excepthook__(exc_type, exc, tb)
        sys.__excepthook__(type(failure), failure, failure.__traceback__)


def thread_excepthook(args: threading.ExceptHookArgs) -> None:
    """``threading.excepthook``: an exception that ended a thread is a bug (shown on the GUI thread)."""
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "a background thread"
    report_bug(args.exc_value, context=f"running the thread {name}")


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own messages: warnings and worse go to the error log (logger ``sfa_desktop.qt``)."""
    level = _QT_LEVELS.get(mode, logging.WARNING)
    if level >= logging.WARNING:
        category = context.category or ""
        qt_log.log(level, "%s", f"{category}: {message}" if category and category != "default" else message)


def install_hooks() -> Callable[[], None]:
    """Send uncaught exceptions (every thread) and Qt's warnings to the error log and the bug dialog.

    Returns what puts the previous hooks back.  Called from ``sfa-desktop``'s ``main()`` only: importing this
    module changes nothing (pytest-qt installs its own Qt message handler).
    """
    reporter()  # made now, on the GUI thread
    previous = sys.excepthook, threading.excepthook
    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    chained: list[Callable[[QtMsgType, QMessageLogContext, str], object] | None] = [None]

    def on_qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        qt_message_handler(mode, context, message)
        follow = chained[0]
        if follow is not None:  # the handler before ours (pytest-qt's in tests) still sees everything
            follow(mode, context, message)
        elif mode != QtMsgType.QtDebugMsg and sys.stderr is not None:
            sys.stderr.write(message + "\n")  # as Qt's default handler does

    chained[0] = qInstallMessageHandler(on_qt_message)

    def restore() -> None:
        sys.excepthook, threading.excepthook = previous
        qInstallMessageHandler(chained[0])

    return restore
