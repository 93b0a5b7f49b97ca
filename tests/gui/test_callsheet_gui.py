"""File > Print call sheet…: a manager chooses reps, a day and the paper, the PDF is saved and opened; a
rep prints their own; a day with nothing planned gets a message and no file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from sfa_desktop.core import settings
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import callsheet_dialog
from sfa_desktop.ui.callsheet_dialog import CallSheetDialog
from sfa_desktop.ui.mainwindow import MainWindow
from tests.callsheet_world import World, seed_world
from tests.gui.test_kb_gui import connect_as

DAY = dt.date(2026, 3, 3)


@pytest.fixture
def world(store: LocalStore) -> World:
    return seed_world(store, DAY)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the dialog asked the system to open (instead of opening a PDF viewer)."""
    files: list[Path] = []

    def open_file(path: Path) -> bool:
        files.append(path)
        return True

    monkeypatch.setattr(callsheet_dialog, "open_file", open_file)
    return files


def _dialog(qtbot: Any, store: LocalStore, runner: Any) -> CallSheetDialog:
    dialog = CallSheetDialog(store, runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.choicesLoaded):
        dialog.show()
    return dialog


def test_a_manager_prints_chosen_reps(qtbot, store, runner, world, opened, tmp_path: Path) -> None:
    connect_as(store, "cwalsh")
    dialog = _dialog(qtbot, store, runner)
    reps = [dialog.reps.item(i).text() for i in range(dialog.reps.count())]
    assert reps == ["Daniel Okafor  (dokafor)", "Sofía Martínez  (smartinez)"]  # who reports to her
    assert dialog.page_size.currentText() == "A4"
    dialog.start.setDate(QDate(DAY.year, DAY.month, DAY.day))
    dialog.page_size.setCurrentText("Letter")
    target = tmp_path / "sheet.pdf"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.written, timeout=10_000) as written:
        dialog.print_button.click()
    assert opened == [target]
    assert written.args[0].calls == 7  # six for him, one for her
    reader = PdfReader(target)
    assert round(float(reader.pages[0].mediabox.width)) == 612  # Letter, as chosen
    assert "Call sheet · Daniel Okafor, Sofía Martínez" in reader.pages[0].extract_text()
    with store.reading() as session:
        assert settings.get(session, "page_size") == "Letter"  # the setting remembers the choice
    assert not dialog.isVisible()

    again = _dialog(qtbot, store, runner)
    assert again.page_size.currentText() == "Letter"
    again.reps.item(0).setCheckState(Qt.CheckState.Unchecked)
    again.reps.item(1).setCheckState(Qt.CheckState.Unchecked)
    again.print_button.click()
    assert again.banner.text() == "Tick at least one rep."
    again.reps.item(1).setCheckState(Qt.CheckState.Checked)
    again.start.setDate(QDate(DAY.year, DAY.month, DAY.day + 1))
    empty = tmp_path / "empty.pdf"
    again.path.setText(str(empty))
    with qtbot.waitSignal(runner.busyChanged, check_params_cb=lambda busy: not busy, timeout=10_000):
        again.print_button.click()
    qtbot.waitUntil(lambda: again.banner.isVisibleTo(again))
    assert "Nothing is planned for Sofía Martínez on Wednesday 4 March 2026" in again.banner.text()
    assert not empty.exists()
    assert again.isVisible()  # the person can choose another day
    assert opened == [target]
    again.path.setText(str(tmp_path / "missing" / "x.pdf"))
    again.print_button.click()
    assert "does not exist" in again.banner.text()


def test_a_rep_prints_their_own_range_from_the_file_menu(
    qtbot, store, runner, world, opened, tmp_path
) -> None:
    connect_as(store, "dokafor")
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled):
        window.show()
    action = next(a for a in window.menu("&File").actions() if a.text() == "&Print call sheet…")
    assert action.shortcut().toString() == "Ctrl+P"
    action.trigger()
    dialog = window.findChild(CallSheetDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.choices is not None)
    assert dialog.rep_label.text() == "Daniel Okafor"
    assert not dialog.reps.isVisibleTo(dialog)
    dialog.start.setDate(QDate(DAY.year, DAY.month, DAY.day))
    dialog.several.setChecked(True)
    dialog.end.setDate(QDate(DAY.year, DAY.month, DAY.day + 1))
    target = tmp_path / "week.pdf"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.written, timeout=10_000):
        dialog.print_button.click()
    assert opened == [target]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(target).pages)
    assert "Tomorrow's visit at Acme Tools" in text  # the range's second day
    assert "Her visit" not in text
    assert f"Call sheet saved to {target}" in window.statusBar().currentMessage()
    window.close()


def test_the_status_bar_says_opened_only_when_the_viewer_took_the_file(tmp_path: Path) -> None:
    """Issue 14: '(6 pages) and opened' was said even when the file could not be opened."""
    from types import SimpleNamespace

    result = SimpleNamespace(path=tmp_path / "sheet.pdf", pages=3)
    assert callsheet_dialog.saved_message(result, opened=True).endswith("(3 pages) and opened.")
    said = callsheet_dialog.saved_message(result, opened=False)
    assert "and opened" not in said
    assert "could not be opened" in said
