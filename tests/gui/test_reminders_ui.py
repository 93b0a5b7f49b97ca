"""Reminders: a notification is asked for when a step or task falls due, once; snoozing moves it (kept in
the local table) and the scheduler wakes at the next reminder; the window starts and stops the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.reminders import ReminderController, message_for
from sfa_desktop.ui.update_notice import UpdateNotice
from tests.gui.conftest import Seeded


class FakeTray:
    """Stands for the system tray (offscreen there is none): records what it is asked to show."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title: str, message: str, *args: Any) -> None:
        self.messages.append((title, message))

    def isVisible(self) -> bool:
        return True


def due(store: LocalStore, seeded: Seeded, subject: str, when: dt.datetime) -> str:
    with store.transaction() as s:
        return services.create(
            s,
            "activities",
            {"kind": "call", "subject": subject, "due_at": when, "account_id": seeded.accounts[1]},
        ).id


def test_a_due_activity_is_reminded_once_and_snooze_brings_it_back(qtbot, store, seeded, runner):
    now = utcnow()
    soon = now + dt.timedelta(minutes=10)
    late = due(store, seeded, "Call back Mr. Ito", now - dt.timedelta(minutes=1))
    due(store, seeded, "Confirm the visit", soon)
    tray = FakeTray()
    controller = ReminderController(store, runner, tray=tray)
    with qtbot.waitSignal(controller.notified, timeout=5000) as reminded:
        controller.check(now)
    assert [d.activity_id for d in reminded.args[0]] == [late]
    assert tray.messages == [("Call: Call back Mr. Ito", f"{tray.messages[0][1]}")]
    assert "due" in tray.messages[0][1].lower()
    runner.wait_idle()
    qtbot.waitUntil(lambda: controller.next_at is not None)
    assert abs((controller.next_at - soon).total_seconds()) < 1  # type: ignore[operator]

    with qtbot.assertNotEmitted(controller.notified, wait=300):
        controller.check(now + dt.timedelta(minutes=2))  # reminded once
        runner.wait_idle()
    with qtbot.waitSignal(controller.snoozed, timeout=5000) as snoozed:
        controller.snooze("15m")
    until = snoozed.args[0]
    assert dt.timedelta(minutes=14) < until - now < dt.timedelta(minutes=16)
    with qtbot.waitSignal(controller.notified, timeout=5000) as again:
        controller.check(until + dt.timedelta(seconds=1))
    assert [d.subject for d in again.args[0]] == ["Confirm the visit", "Call back Mr. Ito"]  # by time
    assert tray.messages[-1][0] == "2 activities are due"


def test_the_scheduler_wakes_at_the_next_reminder(qtbot, store, seeded, runner):
    soon = utcnow() + dt.timedelta(minutes=30)
    due(store, seeded, "Send the proposal", soon)
    controller = ReminderController(store, runner, tray=FakeTray())
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.next_at is not None, timeout=5000)
        job = controller._scheduler.get_job("reminder")
        assert job is not None
        assert abs((job.next_run_time - soon).total_seconds()) < 1
        assert controller._scheduler.get_job("recheck") is not None
    finally:
        controller.stop()
    assert controller._scheduler is None


def test_the_message_names_the_activity_or_counts_them() -> None:
    from sfa_desktop.core.sequences.agenda import Detail

    base: dict[str, Any] = dict.fromkeys(Detail.__dataclass_fields__, "")
    base.update(
        kind="visit", subject="Plant tour", due_at=dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC),
        person="Jane Doe", account="Acme", attempt=0, step_position=0, step_count=0, article_ids=(),
        outcomes=(), outcome_hints=(), enrollment_id=None,
    )  # fmt: skip
    one = Detail(**base)
    title, text = message_for([one])
    assert title == "Visit: Plant tour"
    assert text.startswith("Jane Doe, Acme — due ")
    title, text = message_for([one] * 6)
    assert title == "6 activities are due"
    assert text.endswith("… and 2 more")


def test_the_window_starts_and_stops_its_reminders(qtbot, store, seeded, runner):
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled, timeout=5000):
        window.show()
    qtbot.waitUntil(lambda: bool(window.services), timeout=5000)
    # the reminders, and the update notice (issue 18: its own worker, stopped with the window)
    [controller] = [service for service in window.services if isinstance(service, ReminderController)]
    [notice] = [service for service in window.services if isinstance(service, UpdateNotice)]
    assert controller._scheduler is not None
    assert notice.runner._executor is not None
    window.close()
    assert controller._scheduler is None
    assert notice.runner._executor is None
