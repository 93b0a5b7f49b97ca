"""The application style sheet: Qt parses it, and each selector is styled in one place.

The sheet is shared by every feature; when two branches each styled the same selector, the later rule quietly
won and the earlier one lied about the look (it happened with the dialog titles and the KPI tiles).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QLabel

from sfa_desktop.ui.icons import style_sheet


def rule_selectors(text: str) -> dict[str, list[int]]:
    """Each selector of the sheet with the line numbers of the rules that name it."""
    blanked = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)
    found: dict[str, list[int]] = defaultdict(list)
    for match in re.finditer(r"([^{}]+)\{[^{}]*\}", blanked):
        line = blanked.count("\n", 0, match.start(1) + len(match.group(1)) - len(match.group(1).lstrip())) + 1
        for selector in match.group(1).split(","):
            found[" ".join(selector.split())].append(line)
    return found


def test_rule_selectors_reads_groups_and_skips_comments():
    text = "/* a { } */\nQLabel#a, QLabel#b { color: red; }\nQLabel#a { font-size: 2px; }\n"
    assert rule_selectors(text) == {"QLabel#a": [2, 3], "QLabel#b": [2]}


def test_each_selector_is_styled_in_one_rule():
    twice = {sel: lines for sel, lines in rule_selectors(style_sheet()).items() if len(lines) > 1}
    assert not twice, f"selectors styled in more than one rule (line numbers): {twice}; merge them into one"


def test_qt_parses_the_style_sheet(qapp: QApplication, qtbot):
    # qt_log_level_fail = WARNING: Qt's "Could not parse application stylesheet" fails this test.
    qapp.setStyleSheet(style_sheet())
    try:
        label = QLabel("title")
        label.setObjectName("dialogTitle")
        qtbot.addWidget(label)
        label.show()
        label.ensurePolished()
        assert label.font().pixelSize() == 19  # the sheet's rule reached the widget
    finally:
        qapp.setStyleSheet("")


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard|propagateSizeHints)")
def test_a_combo_popup_draws_its_current_item_readably(qapp: QApplication, qtbot):
    """Issue 14: the current or hovered item of every combo box's popup was an empty box (the combo box's own
    white rule, with white selected text)."""
    qapp.setStyleSheet(style_sheet())
    try:
        combo = QComboBox()
        combo.addItems(["Agriculture", "Banking", "Media"])
        qtbot.addWidget(combo)
        combo.show()
        combo.setCurrentIndex(1)
        combo.showPopup()
        view = combo.view()
        qtbot.waitUntil(view.isVisible)
        image = view.viewport().grab(view.visualRect(view.model().index(1, 0))).toImage()
        colours = Counter(
            image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())
        )
        assert colours["#2563eb"] > image.width() * image.height() // 2  # the highlight...
        assert colours["#ffffff"] > 20  # ...with the item's text on it
        combo.hidePopup()
    finally:
        qapp.setStyleSheet("")
