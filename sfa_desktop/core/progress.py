"""Progress and cancelling for long jobs (imports, exports, duplicate checks): plain Python, no Qt.

A job takes a :class:`Progress`, calls :meth:`Progress.step` as it goes, and stops with :class:`Cancelled`
at the next step once someone called :meth:`Progress.cancel` (from any thread).  The job's transaction
then rolls back, so a cancelled job leaves nothing half-done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Report = Callable[[str, int, int], None]


class Cancelled(Exception):
    """The person cancelled the job; nothing it did was kept."""


class Progress:
    """Calls ``report(stage, done, total)`` at most every ``interval`` seconds, and at each stage's end."""

    def __init__(self, report: Report | None = None, *, interval: float = 0.1) -> None:
        self._report = report
        self._cancel = threading.Event()
        self._interval = interval
        self._last = 0.0
        self.stage = ""

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("Cancelled: nothing was changed.")

    def step(self, stage: str, done: int, total: int) -> None:
        """Say how far the job is; raises Cancelled when it was cancelled."""
        self.check()
        self.stage = stage
        now = time.monotonic()
        if self._report is not None and (now - self._last >= self._interval or done >= total):
            self._last = now
            self._report(stage, done, total)
