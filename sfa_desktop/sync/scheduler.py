"""Periodic and on-demand sync without Qt: an APScheduler job, one sync at a time, backoff when offline.

The runner reports every state change to ``listener(SyncStatus)`` from its own thread; the GUI forwards it
through a queued Qt signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Revoked, Unreachable
from sfa_desktop.sync.engine import Progress, SyncReport

FIRST_RETRY_SECONDS = 30.0


class PasswordNeeded(CentralError):
    """The central store needs a password and none is remembered (or no keyring exists)."""


@dataclass(frozen=True)
class SyncStatus:
    state: str = "idle"  # idle | syncing | offline | password_needed | password_refused | revoked | error
    stage: str = ""
    done: int = 0
    total: int = 0
    last_success: datetime | None = None
    waiting: int = 0
    message: str = ""
    retry_in: float | None = None


SyncFunction = Callable[[Progress], SyncReport]


class SyncRunner:
    """Runs ``sync_function`` every ``interval`` seconds and on request, never twice at once."""

    def __init__(
        self,
        sync_function: SyncFunction,
        *,
        listener: Callable[[SyncStatus], None],
        interval_seconds: float = 15 * 60,
        pending: Callable[[], int] = lambda: 0,
        may_run: Callable[[], bool] = lambda: True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sync = sync_function
        self._listener = listener
        self.interval = interval_seconds
        self._pending = pending
        self._may_run = may_run
        self._now = now
        self._lock = threading.Lock()
        self._again = False
        self._failures = 0
        self.status = SyncStatus(waiting=pending())
        self._scheduler: Any = None

    # -- state ---------------------------------------------------------------------------------------------

    def _emit(self, **changes: Any) -> None:
        self.status = replace(self.status, **changes)
        self._listener(self.status)

    def retry_delay(self) -> float:
        """30 s after the first failure, doubling, never more than the interval."""
        return float(min(FIRST_RETRY_SECONDS * 2 ** max(self._failures - 1, 0), self.interval))

    # -- running -------------------------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Sync now in this thread; False when one is already running (the request is coalesced into it)."""
        if not self._lock.acquire(blocking=False):
            self._again = True
            return False
        try:
            while True:
                self._again = False
                self._run_locked()
                if not self._again:
                    return True
        finally:
            self._lock.release()

    def _run_locked(self) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self._emit(state="syncing", stage=stage, done=done, total=total)

        self._emit(state="syncing", stage="", done=0, total=0, message="", retry_in=None)
        try:
            report = self._sync(progress)
        except Unreachable as exc:
            self._failures += 1
            delay = self.retry_delay()
            self._emit(state="offline", message=str(exc), waiting=self._pending(), retry_in=delay)
            self._schedule_retry(delay)
            return
        except PasswordNeeded as exc:
            self._emit(state="password_needed", message=str(exc), waiting=self._pending())
            return
        except AuthenticationFailed as exc:
            self._emit(state="password_refused", message=str(exc), waiting=self._pending())
            return
        except Revoked as exc:
            self._emit(state="revoked", message=str(exc), waiting=self._pending())
            return
        except (CentralError, Exception) as exc:
            self._emit(state="error", message=str(exc) or type(exc).__name__, waiting=self._pending())
            return
        self._failures = 0
        self._emit(state="idle", last_success=self._now(), waiting=report.waiting, message=report.summary())

    def _periodic(self) -> None:
        if not self._may_run():
            # A modal dialog is open: postpone rather than sync under it.
            self._schedule_retry(FIRST_RETRY_SECONDS)
            return
        self.run_once()

    # -- scheduling ------------------------------------------------------------------------------------------

    def start(self) -> None:
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.add_job(
            self._periodic, "interval", seconds=self.interval, id="sync", coalesce=True, max_instances=1
        )
        scheduler.start()
        self._scheduler = scheduler

    def request(self) -> None:
        """'Sync now': run as soon as possible on the scheduler's thread."""
        if self._scheduler is None:
            threading.Thread(target=self.run_once, name="sfa-sync", daemon=True).start()
            return
        self._scheduler.add_job(self.run_once, id="sync-now", replace_existing=True, max_instances=1)

    def _schedule_retry(self, delay: float) -> None:
        if self._scheduler is None:
            return
        when = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(self._periodic, "date", run_date=when, id="sync-retry", replace_existing=True)

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
