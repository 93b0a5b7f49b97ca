from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from sfa_desktop.protocol.errors import AuthenticationFailed, Unreachable
from sfa_desktop.sync.engine import Progress, SyncReport
from sfa_desktop.sync.scheduler import SyncRunner, SyncStatus

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeSync:
    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None
        self.gate: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self, progress: Progress) -> SyncReport:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            self.gate.wait(2)
        if self.fail is not None:
            raise self.fail
        progress("push", 1, 2)
        return SyncReport(pushed=2, waiting=0)


def make(fake: FakeSync, seen: list[SyncStatus], **kw: object) -> SyncRunner:
    return SyncRunner(fake, listener=seen.append, pending=lambda: 3, now=lambda: NOW, **kw)  # type: ignore[arg-type]


def test_success_reports_progress_then_last_success() -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    runner = make(fake, seen)
    assert runner.run_once()
    states = [s.state for s in seen]
    assert states[0] == "syncing"
    assert states[-1] == "idle"
    assert any(s.stage == "push" and s.done == 1 and s.total == 2 for s in seen)
    assert seen[-1].last_success == NOW
    assert seen[-1].waiting == 0


def test_unreachable_backs_off_doubling_up_to_the_interval() -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    fake.fail = Unreachable("central store unreachable")
    runner = make(fake, seen, interval_seconds=200)
    delays = []
    for _ in range(5):
        runner.run_once()
        delays.append(seen[-1].retry_in)
        assert seen[-1].state == "offline"
        assert seen[-1].waiting == 3
    assert delays == [30, 60, 120, 200, 200]
    fake.fail = None
    runner.run_once()
    assert seen[-1].state == "idle"
    assert runner.retry_delay() == 30


def test_password_refused_is_reported() -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    fake.fail = AuthenticationFailed("refused")
    make(fake, seen).run_once()
    assert seen[-1].state == "password_refused"


@pytest.mark.parametrize("error", [RuntimeError("disk full"), ValueError()])
def test_any_other_failure_keeps_the_runner_alive(error: Exception) -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    fake.fail = error
    runner = make(fake, seen)
    runner.run_once()
    assert seen[-1].state == "error"
    assert seen[-1].message
    fake.fail = None
    assert runner.run_once()
    assert seen[-1].state == "idle"


def test_requests_while_running_are_coalesced_into_one_more_sync() -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    fake.gate = threading.Event()
    runner = make(fake, seen)
    worker = threading.Thread(target=runner.run_once)
    worker.start()
    assert fake.started.wait(1)
    assert runner.run_once() is False
    assert runner.run_once() is False
    fake.gate.set()
    worker.join(2)
    assert fake.calls == 2


def test_scheduler_runs_periodically_and_skips_under_a_modal_dialog() -> None:
    fake, seen = FakeSync(), []  # type: ignore[var-annotated]
    modal = True
    runner = make(fake, seen, interval_seconds=0.2, may_run=lambda: not modal)
    runner.start()
    try:
        threading.Event().wait(0.5)
        assert fake.calls == 0
        modal = False
        runner.request()
        deadline = threading.Event()
        for _ in range(20):
            if fake.calls >= 2:
                break
            deadline.wait(0.1)
        assert fake.calls >= 2
    finally:
        runner.shutdown()
