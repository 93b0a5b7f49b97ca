"""Help > About names the version and the build (issue 18); the window's locale is made UTF-8 for Qt."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QMessageBox

import sfa_desktop
from sfa_desktop import app
from sfa_desktop.ui import mainwindow
from sfa_desktop.ui.mainwindow import MainWindow


def _about_text(qtbot, store, runner, monkeypatch: pytest.MonkeyPatch) -> str:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    window.about()
    (text,) = shown
    return text


def test_about_shows_version_and_build(qtbot, store, runner, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _about_text(qtbot, store, runner, monkeypatch)
    assert f"SFA Desktop {sfa_desktop.__version__}" in text
    assert "Build: <code>development</code>" in text  # a checkout
    monkeypatch.setattr(mainwindow, "build_id", lambda: "1a2b3c4d5e6f")  # a bundle built from that commit
    assert "Build: <code>1a2b3c4d5e6f</code>" in _about_text(qtbot, store, runner, monkeypatch)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "C"}, {"LC_CTYPE": "C.UTF-8", "LC_ALL": None}),
        ({}, {"LC_CTYPE": "C.UTF-8", "LC_ALL": None}),
        ({"LC_ALL": "C"}, {"LC_CTYPE": None, "LC_ALL": "C.UTF-8"}),
        ({"LANG": "C.UTF-8"}, {"LC_CTYPE": None, "LC_ALL": None}),
    ],
)
def test_a_non_utf8_locale_becomes_utf8_before_qt_starts(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: dict[str, str | None]
) -> None:
    """Otherwise Qt prints a four-line warning on the terminal (a bundle: Python does not coerce it)."""
    for name in ("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app._utf8_locale()
    assert {k: os.environ.get(k) for k in ("LC_CTYPE", "LC_ALL")} == expected
