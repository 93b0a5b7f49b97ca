"""Errors in the window: a person's error is shown as it is; a bug is logged and shown in the bug dialog."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import qWarning
from PySide6.QtWidgets import QApplication

from sfa_desktop.ops import errorlog
from sfa_desktop.store.database import LocalStore, StoreError
from sfa_desktop.ui import bug_dialog, failures
from sfa_desktop.ui.bug_dialog import BugDialog, ProblemDialog
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.tasks import TaskRunner


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = errorlog.setup(tmp_path / "logdata")
    assert path is not None
    yield path
    errorlog.teardown()


def log_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def shown_window(qtbot, store: LocalStore, runner: TaskRunner) -> MainWindow:
    window = MainWindow(store, runner)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=10_000):
        window.show()
    return window


IN_THE_BACKGROUND = "working in the background (compute_discount)"


def compute_discount() -> None:
    """A job with a bug in it."""
    prices: list[int] = []
    print(sum(prices) / len(prices))


def test_a_bug_in_a_job_is_logged_with_its_traceback_and_shown(qtbot, store, runner, log_file: Path):
    window = shown_window(qtbot, store, runner)
    reporter = failures.reporter()
    with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as shown:
        window.runner.submit(compute_discount)
    dialog = shown.args[0]
    assert isinstance(dialog, BugDialog)
    assert dialog.isVisible()
    assert dialog.parent() is window
    logged = log_text(log_file)
    assert f"ERROR sfa_desktop [MainThread] Unexpected error while {IN_THE_BACKGROUND}" in logged
    assert "Traceback (most recent call last)" in logged
    assert "in compute_discount" in logged
    assert "ZeroDivisionError: division by zero" in logged
    # what the person sees: a plain sentence, the one line, details on request, the log file
    assert "Nothing you had saved was lost" in dialog.message.text()
    assert dialog.summary.text() == "ZeroDivisionError: division by zero"
    assert not dialog.details.isVisible()
    dialog.details_button.click()
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert "Traceback (most recent call last)" in details
    assert "in compute_discount" in details
    assert f"While: {IN_THE_BACKGROUND}" in details
    assert str(log_file) in dialog.log_label.text()
    # never a status-bar line instead
    assert "went wrong" not in window.statusBar().currentMessage()


def test_copy_report_puts_the_report_on_the_clipboard(qtbot, runner, log_file: Path, monkeypatch):
    reporter = failures.reporter()
    with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as shown:
        runner.submit(compute_discount)
    dialog = shown.args[0]
    QApplication.clipboard().setText("")
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied.startswith("SFA Desktop ")
    assert "in compute_discount" in copied
    assert "ZeroDivisionError: division by zero" in copied
    assert f"Error log: {log_file}" in copied
    assert dialog.copy_button.text() == "Copied"
    opened: list[Path] = []
    monkeypatch.setattr(bug_dialog, "open_folder", opened.append)
    dialog.open_button.click()
    assert opened == [log_file.parent]


def test_bugs_while_the_dialog_is_open_are_logged_and_counted_not_stacked(qtbot, runner, log_file: Path):
    reporter = failures.reporter()
    with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as shown:
        runner.submit(compute_discount)
    dialog = shown.args[0]
    assert isinstance(dialog, BugDialog)
    last = runner.submit(compute_discount)
    runner.submit(compute_discount).discard()  # a result nobody wants any more is still a bug
    with qtbot.waitSignal(last.failed):
        pass
    qtbot.waitUntil(lambda: dialog.repeats == 2)
    assert dialog is reporter.dialog
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, BugDialog) and w.isVisible()]
    assert dialogs == [dialog]
    assert "2 more times" in dialog.repeat_label.text()
    assert log_text(log_file).count(f"Unexpected error while {IN_THE_BACKGROUND}") == 3
    dialog.close_button.click()
    assert failures.reporter().dialog is None  # closed: the next bug opens a new one
    with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as again:
        runner.submit(compute_discount)
    assert again.args[0] is not dialog


def test_a_persons_error_is_shown_as_it_is_and_not_logged_as_a_bug(qtbot, store, runner, log_file: Path):
    window = shown_window(qtbot, store, runner)
    message = "The data folder is full. Free some disk space, then try again."

    def save_everything() -> None:
        raise StoreError(message)

    with qtbot.waitSignal(runner.taskFailed) as failed:
        task = runner.submit(save_everything)  # nothing in the window waits for its failure
    assert failed.args[0] is task
    boxes = [box for box in window.findChildren(ProblemDialog) if box.isVisible()]
    assert [box.text() for box in boxes] == [message]
    assert failures.reporter().dialog is None
    assert "Unexpected error" not in log_text(log_file)
    boxes[0].accept()


def test_a_persons_error_that_its_caller_shows_gets_no_second_message(qtbot, store, runner, log_file: Path):
    window = shown_window(qtbot, store, runner)

    def save_everything() -> None:
        raise StoreError("The data folder is full.")

    seen: list[object] = []
    task = runner.submit(save_everything)
    task.failed.connect(seen.append)  # the caller shows it (a banner, a field's error...)
    with qtbot.waitSignal(task.failed):
        pass
    assert [str(exc) for exc in seen] == ["The data folder is full."]
    assert task.handled
    assert not [box for box in window.findChildren(ProblemDialog) if box.isVisible()]
    assert failures.reporter().dialog is None
    assert log_text(log_file) == ""


def test_the_excepthook_logs_and_shows_an_uncaught_exception(qtbot, log_file: Path):
    before = sys.excepthook, threading.excepthook
    restore = failures.install_hooks()
    try:
        assert sys.excepthook is failures.excepthook
        reporter = failures.reporter()
        regions: dict[str, str] = {}
        try:
            regions["territory"]
        except KeyError as exc:
            caught = exc
        with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as shown:
            sys.excepthook(KeyError, caught, caught.__traceback__)
        assert shown.args[0].summary.text() == "KeyError: 'territory'"
        assert "test_the_excepthook_logs_and_shows_an_uncaught_exception" in log_text(log_file)
        reporter.close_dialog()
        # a thread's uncaught exception: logged on that thread, shown on the GUI thread
        worker = threading.Thread(target=compute_discount, name="sfa-report-export")
        with qtbot.waitSignal(reporter.dialogShown, timeout=5000) as from_thread:
            worker.start()
            worker.join()
        assert "running the thread sfa-report-export" in from_thread.args[0].message.text()
        assert "ERROR sfa_desktop [sfa-report-export] Unexpected error" in log_text(log_file)
    finally:
        restore()
    assert (sys.excepthook, threading.excepthook) == before


@pytest.mark.qt_log_ignore("the style sheet names no such icon")
def test_qt_warnings_go_to_the_log(qtbot, log_file: Path):
    restore = failures.install_hooks()
    try:
        qWarning("the style sheet names no such icon")
    finally:
        restore()
    assert "WARNING sfa_desktop.qt [MainThread] the style sheet names no such icon" in log_text(log_file)
    qWarning("the style sheet names no such icon")  # once restored, no longer ours
    assert log_text(log_file).count("no such icon") == 1


def test_importing_the_window_installs_no_hooks():
    import sfa_desktop.app  # noqa: F401

    assert sys.excepthook is not failures.excepthook
    assert threading.excepthook is not failures.thread_excepthook


def test_a_failure_to_load_a_record_is_shown_in_the_form_not_the_status_bar(qtbot, store, seeded, runner):
    window = shown_window(qtbot, store, runner)
    page = window.show_section("contacts")
    with qtbot.waitSignal(runner.taskFailed):
        page.form.show_record("no-such-id")
    qtbot.waitUntil(page.form.banner.isVisible)
    assert "no-such-id" in page.form.banner.text() or "not found" in page.form.banner.text().lower()
    assert window.statusBar().currentMessage() == ""


def state_is(name: str) -> Callable[[object], bool]:
    return lambda status: getattr(status, "state", None) == name


def test_a_bug_in_a_sync_is_reported_not_only_a_status_line(qtbot, store, log_file: Path, monkeypatch):
    from sfa_desktop.ops import sync as sync_ops
    from sfa_desktop.protocol.errors import Unreachable
    from sfa_desktop.ui.sync_status import SyncController

    def broken_sync(*_args: object, **_kwargs: object) -> None:
        raise KeyError("cursor")

    monkeypatch.setattr(sync_ops, "sync_now", broken_sync)
    controller = SyncController(store)
    monkeypatch.setattr(controller, "connected", lambda: True)
    reporter = failures.reporter()
    with (
        qtbot.waitSignal(reporter.dialogShown, timeout=10_000) as shown,
        qtbot.waitSignal(controller.statusShown, check_params_cb=state_is("error"), timeout=10_000),
    ):
        controller.sync_now()
    assert "syncing with the central store" in shown.args[0].message.text()
    assert "KeyError: 'cursor'" in log_text(log_file)
    reporter.close_dialog()

    def offline(*_args: object, **_kwargs: object) -> None:
        raise Unreachable("The central store cannot be reached.")

    monkeypatch.setattr(sync_ops, "sync_now", offline)
    with qtbot.waitSignal(controller.statusShown, check_params_cb=state_is("offline"), timeout=10_000):
        controller.sync_now()
    assert failures.reporter().dialog is None  # the status bar's 'Offline' is the message
    controller.stop()


def test_what_counts_as_a_bug(qtbot):
    from sfa_desktop.core.progress import Cancelled
    from sfa_desktop.core.records.validation import ValidationError

    assert not failures.is_bug(StoreError("The data file is damaged."))
    assert not failures.is_bug(ValidationError({"email": "not an e-mail address"}))
    assert not failures.is_bug(PermissionError(13, "Permission denied", "/reports/q3.pdf"))
    assert not failures.is_bug(Cancelled("Cancelled: nothing was changed."))
    assert failures.is_bug(OSError("no file named"))
    assert failures.is_bug(KeyError("x"))
    invalid = ValidationError({"email": "not an e-mail address"})
    assert failures.problem_text(invalid) == "not an e-mail address"
    assert failures.problem_text(KeyError("x")) == failures.UNEXPECTED
    assert failures.show_problem(None, "Not saved", KeyError("x")) is None  # a bug: the reporter shows it
    box = failures.show_problem(None, "Not saved", StoreError("The data file is damaged."))
    assert box is not None
    qtbot.addWidget(box)
    assert box.text() == "The data file is damaged."
    assert box.windowTitle() == "Not saved — SFA Desktop"


SPY_MAIN = """
import sys
from sfa_desktop import app
from sfa_desktop.ui import failures, mainwindow

def broken(self):
    raise LookupError("counts went missing")

mainwindow.MainWindow.refresh_counts = broken  # a slot: its exception reaches sys.excepthook
seen = {}
original = app._take_screenshot

def spy(*args, **kwargs):
    seen["hooked"] = (sys.excepthook is failures.excepthook, failures.reporter().count)
    code = original(*args, **kwargs)
    seen["bugs"] = failures.reporter().count
    return code

app._take_screenshot = spy
code = app.main(sys.argv[1:])
print(seen["hooked"][0], seen["bugs"], sys.excepthook is sys.__excepthook__)
sys.exit(code)
"""


def test_sfa_desktop_logs_bugs_to_the_data_folder_with_its_hooks_installed(data_dir: Path, tmp_path: Path):
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    png = tmp_path / "window.png"
    command = [sys.executable, "-c", SPY_MAIN, "--data-dir", str(data_dir), "--screenshot", str(png)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "True"]  # hooked in main, one bug shown, restored after
    logged = log_text(data_dir / "logs" / "sfa.log")
    assert "ERROR sfa_desktop [MainThread] Unexpected error" in logged
    assert "line 7, in broken\nLookupError: counts went missing" in logged
