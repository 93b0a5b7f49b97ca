"""sfa-server's upkeep schedule (``server.upkeep.Upkeep``) with an injected clock and trigger: the daily run
at the quiet hour and the one shortly after the start, a failing run logged and retried next time, never two
runs at once, and ``--upkeep-at`` / ``--no-upkeep`` on the command line.  Nothing here sleeps for a day."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import make_url

from sfa_desktop.core.errors import UserError
from sfa_desktop.server import main as server_main
from sfa_desktop.server import upkeep

UTC = dt.UTC


def test_parse_at() -> None:
    assert upkeep.parse_at("03:30") == dt.time(3, 30)
    assert upkeep.parse_at("23:05") == dt.time(23, 5)
    for bad in ("3", "24:00", "12:60", "12:5", "noon", "-1:30"):
        with pytest.raises(ValueError, match="time of day"):
            upkeep.parse_at(bad)


def test_the_command_line_takes_a_time_and_no_upkeep(capsys: pytest.CaptureFixture[str]) -> None:
    parser = server_main.build_parser()
    base = ["--central", "c.sqlite3", "--listen", "127.0.0.1:8443"]
    args = parser.parse_args(base)
    assert (args.upkeep_at, args.no_upkeep) == (upkeep.DEFAULT_AT, False)
    assert parser.parse_args([*base, "--upkeep-at", "01:15"]).upkeep_at == dt.time(1, 15)
    with pytest.raises(SystemExit):
        parser.parse_args([*base, "--upkeep-at", "25:00"])
    assert "'25:00' is not a time of day" in capsys.readouterr().err
    off = parser.parse_args([*base, "--no-upkeep"])
    assert server_main.start_upkeep(off, make_url("sqlite:///c.sqlite3")) is None


def test_the_daily_run_is_at_the_quiet_hour_and_the_first_shortly_after_the_start() -> None:
    made = upkeep.Upkeep(lambda: None, at=dt.time(3, 30), start_delay=120, timezone=UTC)
    morning = dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert made.next_daily(morning) == dt.datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
    noon = dt.datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert made.next_daily(noon) == dt.datetime(2026, 12, 8, 3, 30, tzinfo=UTC)
    first = made.first_run(noon).get_next_fire_time(None, noon)
    assert first == noon + dt.timedelta(seconds=120)
    other = upkeep.Upkeep(lambda: None, at=dt.time(22, 45), timezone=UTC)
    assert other.next_daily(noon) == dt.datetime(2026, 12, 7, 22, 45, tzinfo=UTC)


def test_a_failing_run_is_logged_with_its_reason_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[BaseException | None] = [
        UserError("The store has no active administrator."),
        OSError(28, "No space"),
        None,
    ]

    def job() -> None:
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure

    made = upkeep.Upkeep(job, timezone=UTC)
    with caplog.at_level(logging.INFO, logger=upkeep.__name__):
        assert made.run() is False
        assert made.run() is False
        assert made.run() is True
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "upkeep failed: The store has no active administrator. It is tried again" in errors[0].getMessage()
    assert "upkeep failed (OSError: [Errno 28] No space)" in errors[1].getMessage()
    assert errors[1].exc_info is not None  # a bug's traceback is in the log
    assert (made.runs, made.failures) == (1, 2)


def test_a_run_never_starts_while_one_is_going() -> None:
    inside, release = threading.Event(), threading.Event()

    def slow() -> None:
        inside.set()
        release.wait(5)

    made = upkeep.Upkeep(slow, timezone=UTC)
    first = threading.Thread(target=made.run)
    first.start()
    assert inside.wait(5)
    assert made.run() is False  # skipped, not queued
    release.set()
    first.join(5)
    assert made.runs == 1


def test_the_scheduler_runs_the_job_after_the_start_and_on_its_trigger_through_failures() -> None:
    calls: list[float] = []
    enough = threading.Event()

    def job() -> None:
        calls.append(1)
        if len(calls) >= 4:
            enough.set()
        if len(calls) == 2:
            raise RuntimeError("the database went away")

    # the daily trigger injected as a fast one: the schedule itself is the real BackgroundScheduler
    made = upkeep.Upkeep(job, start_delay=0.0, daily=IntervalTrigger(seconds=0.05), timezone=UTC)
    made.start()
    try:
        assert enough.wait(10), f"only {len(calls)} runs"
    finally:
        made.stop()
    assert made.failures == 1
    assert made.runs >= 3


def test_the_sqlite_lock_file_sits_beside_the_store(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    assert upkeep.sqlite_lock_file(url) == tmp_path / "central.sqlite3.upkeep-lock"


def test_start_upkeep_schedules_once_with_the_given_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[upkeep.Upkeep] = []
    monkeypatch.setattr(upkeep.Upkeep, "start", lambda self, now=None: started.append(self))
    args = argparse.Namespace(no_upkeep=False, blobs=tmp_path, upkeep_at=dt.time(4, 10), upkeep_delay=30.0)
    made = server_main.start_upkeep(args, make_url(f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    assert made is not None
    assert started == [made]
    assert (made.at, made.start_delay) == (dt.time(4, 10), 30.0)
