"""The Pipeline page (drag a card, drop on Won or Lost, keys), the Won…/Lost… record actions and the stages
dialog, on real widgets offscreen and a real database."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from sqlalchemy import text

from sfa_desktop.core.records import pipeline
from sfa_desktop.core.records.pipeline import Card
from sfa_desktop.sync import state
from sfa_desktop.ui import won_lost
from sfa_desktop.ui.board import PipelinePage
from sfa_desktop.ui.board_model import MIME_TYPE, StageCardsModel, dropped_card
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.stages_dialog import NAME, PROBABILITY, StagesDialog, StagesModel


def stage_of(store: Any, opportunity_id: str) -> tuple[str, str | None, str | None]:
    with store.engine.connect() as conn:
        found = conn.execute(
            text("SELECT stage, won_reason, lost_reason FROM opportunities WHERE id = :i"),
            {"i": opportunity_id},
        ).one()
    return found[0], found[1], found[2]


def loaded_page(qtbot: Any, store: Any, runner: Any) -> PipelinePage:
    page = PipelinePage(store, runner)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.reload()
    return page


def column(page: PipelinePage, key: str) -> Any:
    return next(c for c in page.columns if c.stage.key == key)


def card(n: int, stage: str = "proposal") -> Card:
    return Card(f"id{n}", f"Deal {n}", "Acme", 100 * n, 60, None, "Call back", "Ann Lee", stage)


def test_the_card_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = StageCardsModel("proposal")
    model.set_cards([card(n) for n in range(5)])
    qtmodeltester.check(model)
    assert model.data(model.index(2, 0), Qt.ItemDataRole.DisplayRole) == "Deal 2"
    assert "Acme" in model.data(model.index(2, 0), Qt.ItemDataRole.ToolTipRole)
    data = model.mimeData([model.index(3, 0)])
    assert dropped_card(data) == ("id3", "proposal")
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, QModelIndex())  # same stage
    other = StageCardsModel("negotiation")
    assert other.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert not other.canDropMimeData(QMimeData(), Qt.DropAction.MoveAction, -1, -1, QModelIndex())


def test_the_board_shows_open_stages_with_counts_and_weighted_totals(qtbot, store, seeded, runner):
    page = loaded_page(qtbot, store, runner)
    assert [c.stage.key for c in page.columns] == [
        "prospecting",
        "qualification",
        "needs analysis",
        "proposal",
        "negotiation",
    ]
    with store.reading() as s:
        totals = pipeline.totals(s)
    for widget in page.columns:
        expected = next(t for t in totals.stages if t.stage.key == widget.stage.key)
        assert widget.model.rowCount() == expected.count
        assert widget.count.text() == str(expected.count)
        assert widget.view.isVisibleTo(page) == bool(expected.count)
    assert f"{totals.open_count} open deals" in page.summary.text()
    assert f"{totals.weighted_cents // 100:,}" in page.summary.text().replace(".", ",")


def test_dragging_a_card_to_another_column_moves_it_through_the_services(qtbot, store, seeded, runner):
    page = loaded_page(qtbot, store, runner)
    source = column(page, "prospecting")
    target = column(page, "needs analysis")
    moving = source.model.cards[0]
    data = source.model.mimeData([source.model.index(0, 0)])
    with qtbot.waitSignal(page.loaded, timeout=5000):
        assert target.model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert stage_of(store, moving.id)[0] == "needs analysis"
    with store.engine.connect() as conn:
        probability = conn.execute(
            text("SELECT probability FROM opportunities WHERE id = :i"), {"i": moving.id}
        ).scalar()
    assert probability == 40
    assert moving.id in [c.id for c in target.model.cards]
    assert moving.id not in [c.id for c in source.model.cards]
    assert page.selected is not None and page.selected.id == moving.id  # noqa: PT018
    with store.engine.connect() as conn:
        outbox = conn.execute(
            text(
                "SELECT count(*) FROM outbox WHERE table_name = 'opportunities' AND record_id = :i "
                "AND op = 'update'"
            ),
            {"i": moving.id},
        ).scalar()
    assert outbox == 1


def test_dropping_on_lost_asks_why(qtbot, store, seeded, runner, monkeypatch: pytest.MonkeyPatch):
    asked: list[tuple[str, str]] = []

    def answer(_parent: Any, outcome: str, name: str, suggestions: list[str]) -> str | None:
        asked.append((outcome, name))
        assert "Price too high" in suggestions
        return "Price too high" if len(asked) > 1 else None  # cancelled the first time

    monkeypatch.setattr(won_lost, "ask_reason", answer)
    page = loaded_page(qtbot, store, runner)
    deal = column(page, "negotiation").model.cards[0]
    mime = QMimeData()
    mime.setData(MIME_TYPE, f"{deal.id}\n{deal.stage}".encode())
    for attempt in (1, 2):
        event = QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.MoveAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        page.lost_button.dropEvent(event)
        qtbot.waitUntil(lambda n=attempt: len(asked) == n)
        runner.wait_idle()
        if attempt == 1:
            assert stage_of(store, deal.id)[0] == "negotiation"  # cancelled: nothing changed

    def gone() -> bool:
        return deal.id not in [c.id for col in page.columns for c in col.model.cards]

    qtbot.waitUntil(gone)
    assert asked == [("lost", deal.name), ("lost", deal.name)]
    assert stage_of(store, deal.id) == ("closed lost", None, "Price too high")


def test_keys_move_the_selected_card_and_won_closes_it(qtbot, store, seeded, runner, monkeypatch):
    monkeypatch.setattr(won_lost, "ask_reason", lambda *_a: "Best value for money")
    window = MainWindow(store, runner, initial="opportunities")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("opportunities").settled):
        window.show()
    page = window.show_page("pipeline")
    assert isinstance(page, PipelinePage)
    qtbot.waitUntil(lambda: bool(page.columns) and bool(column(page, "proposal").model.cards))
    deal = column(page, "proposal").model.cards[0]
    assert page.select(deal.id)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.keyClick(
            column(page, "proposal").view,
            Qt.Key.Key_Right,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
        )
    assert stage_of(store, deal.id)[0] == "negotiation"
    assert page.selected is not None
    assert page.selected.id == deal.id
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.won_button.click()
    assert stage_of(store, deal.id) == ("closed won", "Best value for money", None)
    window.close()


def test_the_owner_filter(qtbot, store, seeded, runner):
    page = loaded_page(qtbot, store, runner)
    assert page.owner.count() == 3  # everyone and the two owners
    page.owner.setCurrentIndex(1)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.owner.activated.emit(1)
    owner = page.owner.currentData()
    with store.reading() as s:
        mine = pipeline.totals(s, owner_id=owner)
    assert sum(c.model.rowCount() for c in page.columns) == mine.open_count < 25


def test_won_and_lost_from_the_opportunity_record(qtbot, store, seeded, runner, monkeypatch):
    monkeypatch.setattr(won_lost, "ask_reason", lambda _p, outcome, _n, _s: f"{outcome} for a reason")
    window = MainWindow(store, runner, initial="opportunities")
    qtbot.addWidget(window)
    page = window.section("opportunities")
    qtbot.waitUntil(lambda: page.form.record_id is not None)
    record = page.form.record_id
    assert record is not None
    actions = {a.text(): a for a in page.record_actions}
    assert {"Won…", "Lost…"} <= actions.keys()
    with qtbot.waitSignal(page.recordsChanged, timeout=5000):
        actions["Lost…"].trigger()
    assert stage_of(store, record) == ("closed lost", None, "lost for a reason")
    with qtbot.waitSignal(page.recordsChanged, timeout=5000):
        actions["Won…"].trigger()
    assert stage_of(store, record) == ("closed won", "won for a reason", None)
    window.show_page("pipeline")
    assert isinstance(window.pages.currentWidget(), PipelinePage)
    window.close()


def sign_in(store: Any, login: str) -> None:
    with store.engine.begin() as conn:
        user = conn.execute(text("SELECT id FROM users WHERE login = :l"), {"l": login}).scalar()
        state.save(conn, state.SyncState(user_id=user, login=login), "user_id", "login")


def open_stages(qtbot: Any, store: Any, runner: Any) -> StagesDialog:
    dialog = StagesDialog(store, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 7)
    return dialog


def test_stages_model_and_dialog_for_an_administrator(qtbot, qtmodeltester, store, seeded, runner):
    dialog = open_stages(qtbot, store, runner)
    model: StagesModel = dialog.model
    qtmodeltester.check(model)
    assert not model.read_only
    row = model.add()
    assert row == 5  # before the closed stages
    assert model.setData(model.index(row, NAME), "Demo scheduled")
    assert model.setData(model.index(row, PROBABILITY), "35%")
    assert not model.setData(model.index(row, PROBABILITY), 140)
    model.move(row, -3)
    qtmodeltester.check(model)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    with store.engine.connect() as conn:
        order = conn.execute(text("SELECT key, probability FROM pipeline_stages ORDER BY position")).all()
    assert order[2] == ("demo scheduled", 35)


def test_stages_dialog_refuses_a_broken_pipeline_with_the_reason(qtbot, store, seeded, runner):
    dialog = open_stages(qtbot, store, runner)
    model = dialog.model
    for row in range(5):
        model.setData(model.index(row, 4), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisibleTo(dialog))
    assert "still in" in dialog.banner.text()  # the seeded deals are in these stages


def test_stages_are_read_only_for_a_rep(qtbot, store, seeded, runner):
    sign_in(store, "dokafor")
    dialog = open_stages(qtbot, store, runner)
    assert dialog.model.read_only
    assert "Only administrators change the pipeline" in dialog.intro.text()
    assert not dialog.save_button.isVisibleTo(dialog)
    index = dialog.model.index(0, NAME)
    assert not dialog.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not dialog.model.setData(index, "Renamed")


def test_the_card_point_is_a_card(qtbot, store, seeded, runner):
    page = loaded_page(qtbot, store, runner)
    view = column(page, "proposal").view
    index = view.indexAt(QPoint(20, 20))
    assert isinstance(index.data(Qt.ItemDataRole.UserRole + 1), Card)
