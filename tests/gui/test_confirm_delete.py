"""The removal question (``form_parts.confirm_delete``): its button says what happens; Cancel is default."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from sfa_desktop.ui.form_parts import confirm_delete


def _answer(qtbot, press: str | None, seen: list[list[str]]) -> None:
    def act() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.append([b.text() for b in box.findChildren(QPushButton)])
        if press is None:
            box.reject()  # Escape, or the window's close button
        else:
            next(b for b in box.findChildren(QPushButton) if b.text() == press).click()

    QTimer.singleShot(50, act)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # a dialog, offscreen
def test_the_button_names_the_removal_and_cancel_is_the_default(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[list[str]] = []
    _answer(qtbot, "Retire", seen)
    assert confirm_delete(parent, "Retire the checklist?", "Retire") is True
    assert sorted(seen[0]) == ["Cancel", "Retire"]
    _answer(qtbot, None, seen)
    assert confirm_delete(parent, "Delete the account?") is False
    assert sorted(seen[1]) == ["Cancel", "Delete"]
    _answer(qtbot, "Cancel", seen)
    assert confirm_delete(parent, "Delete the account?") is False
