"""The status line tells the truth within a second of any change (issue 14, item 2): the changes waiting after
any write (not only a form's save), the relative time of the last sync, the sidebar's counts after a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from sfa_desktop.core.records import services
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.sync.scheduler import SyncStatus
from sfa_desktop.ui import sync_status
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.sync_status import SyncStatusWidget

COUNT_ROLE = Qt.ItemDataRole.UserRole + 1


def shown(qtbot, store, runner) -> MainWindow:
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("accounts").settled):
        window.show()
    return window


def test_a_stage_move_on_the_runner_updates_the_waiting_count(qtbot, store, seeded, runner):
    window = shown(qtbot, store, runner)
    before = sync_ops.pending_changes(store)
    qtbot.waitUntil(lambda: window.pending_label.text() == f"{before:,} changes waiting to sync")
    # What the pipeline board does on a drag (and Log outcome, a merge...): a job that writes, nothing more.
    runner.submit(pipeline_ops.move_card, store, seeded.opportunities[0], "negotiation")
    qtbot.waitUntil(
        lambda: window.pending_label.text() == f"{before + 1:,} changes waiting to sync", timeout=1000
    )
    assert window.sync_status.status.waiting == before + 1  # type: ignore[attr-defined]


def test_reads_do_not_count_as_writes(qtbot, store, seeded, runner):
    window = shown(qtbot, store, runner)
    qtbot.waitUntil(lambda: not runner.busy)
    writes = store.writes
    with qtbot.waitSignal(window.section("accounts").model.loaded):
        window.section("accounts").model.reload()
    runner.submit(sync_ops.pending_changes, store)
    qtbot.waitUntil(lambda: not runner.busy)
    assert store.writes == writes


def test_synced_ago_moves_on(qtbot, monkeypatch):
    monkeypatch.setattr(sync_status, "TICK_MS", 50)
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    widget.show_status(SyncStatus(state="idle", last_success=datetime.now(UTC) - timedelta(seconds=59.7)))
    assert widget.label.text() == "Synced just now"
    qtbot.waitUntil(lambda: widget.label.text() == "Synced 1 min ago", timeout=2000)


def test_the_sidebar_counts_follow_a_sync(qtbot, store, seeded, runner):
    window = shown(qtbot, store, runner)
    item = window.sidebar.item(window.nav_row("accounts"))
    qtbot.waitUntil(lambda: item.data(COUNT_ROLE) == len(seeded.accounts))
    with store.transaction() as session:  # rows a sync brought
        services.create(session, "accounts", {"name": "Brought By Sync Co", "territory_id": seeded.territory})
    window.sync.synced.emit()
    qtbot.waitUntil(lambda: item.data(COUNT_ROLE) == len(seeded.accounts) + 1, timeout=1000)
