"""One background worker for database jobs, with results handed back on the GUI thread by signal.

Jobs are plain functions that do no UI work; each opens its own session or connection from the store (one
per job, never shared between threads).  Like Anki's collection operations they run one at a time, in the
order they were submitted, on a single worker thread, so two jobs never race on the database and the GUI
thread never waits for SQLite.

A :class:`Task` reports ``finished(result)`` or ``failed(exception)`` on the GUI thread.  A caller that no
longer wants a result (a search superseded by newer typing, a form closed before its record loaded) calls
:meth:`Task.discard`: the job may still run, but its result is dropped and neither signal fires.

A job that fails with an error a person can fix (:class:`~sfa_desktop.core.errors.UserError`) is the caller's
to show.  Any other failure is a bug: the runner reports it (:func:`sfa_desktop.ui.failures.report_bug`: the
error log and the bug dialog), whether or not the task was discarded, before the caller's ``failed`` runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QMetaMethod, QObject, Qt, Signal, Slot

from sfa_desktop.ui import failures

log = logging.getLogger(__name__)


class JobDropped(RuntimeError):
    """A queued job that never ran because the runner shut down (its task was discarded; not a bug)."""


class Task(QObject):
    """A submitted job.  Lives on the GUI thread; its signals fire there, at most one of them, once."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.discarded = False
        self.done = False
        #: Whether a caller was listening to ``failed`` when the job failed (else the window shows the error).
        self.handled = False

    def discard(self) -> None:
        """Drop the result: neither ``finished`` nor ``failed`` will fire."""
        self.discarded = True

    def _deliver(self, ok: bool, value: object) -> None:
        self.done = True
        if self.discarded:
            return
        if ok:
            self.finished.emit(value)
        else:
            self.failed.emit(value)


class _Bridge(QObject):
    """Carries a completed future from the worker thread to the GUI thread (queued connection)."""

    completed = Signal(object)  # (task, ok, value): one Python object, no conversions


class TaskRunner(QObject):
    """Runs submitted functions serially on one worker thread.

    ``busyChanged(bool)`` tells whether jobs are waiting or running (for a busy indicator);
    ``taskFailed(task, exception)`` repeats every failure of a task still wanted, so the window can show
    errors nobody handled (``task.handled`` is False).  Bugs are reported here, see the module's docstring.
    """

    busyChanged = Signal(bool)
    taskFailed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sfa-db"
        )
        self._bridge = _Bridge()
        # Always queued: even when a job is done before add_done_callback (the callback then runs on
        # this thread), the result arrives from the event loop, after the caller connected its slots.
        self._bridge.completed.connect(self._on_completed, Qt.ConnectionType.QueuedConnection)
        self._pending: set[Task] = set()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Task:
        """Queue ``fn(*args, **kwargs)``; connect to the returned task's signals for the result.

        After :meth:`shutdown` (the window is closing) nothing runs: the task comes back discarded.
        """
        task = Task(getattr(fn, "__name__", "job"), self)
        if self._executor is None:
            log.debug("job %s submitted after shutdown: not run", task.name)
            task.discard()
            return task
        was_busy = self.busy
        self._pending.add(task)
        future = self._executor.submit(fn, *args, **kwargs)
        bridge = self._bridge
        future.add_done_callback(lambda f: bridge.completed.emit((task, *_outcome(f))))
        if not was_busy:
            self.busyChanged.emit(True)
        return task

    @Slot(object)
    def _on_completed(self, outcome: tuple[Task, bool, object]) -> None:
        task, ok, value = outcome
        self._pending.discard(task)
        if not ok:
            assert isinstance(value, BaseException)
            if failures.is_bug(value) and not isinstance(value, JobDropped):
                failures.report_bug(value, context=f"working in the background ({task.name})")
            if not task.discarded:
                task.handled = task.isSignalConnected(QMetaMethod.fromSignal(task.failed))
                self.taskFailed.emit(task, value)
        task._deliver(ok, value)
        task.deleteLater()
        if not self._pending:
            self.busyChanged.emit(False)

    def wait_idle(self) -> None:
        """Block until every submitted job has run (results are still delivered by the event loop)."""
        if self._executor is not None:
            self._executor.submit(lambda: None).result()

    def shutdown(self) -> None:
        """Finish the running job, drop queued ones and stop the worker thread.  Safe to call twice."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        for task in self._pending:
            task.discard()
        executor.shutdown(wait=True, cancel_futures=True)


def _outcome(future: Future[Any]) -> tuple[bool, object]:
    if future.cancelled():
        return False, JobDropped("cancelled")
    exc = future.exception()
    if exc is not None:
        return False, exc
    return True, future.result()
