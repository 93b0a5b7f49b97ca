"""The application style sheet: Qt parses it, and each selector is styled in one place.

The sheet is shared by every feature; when two branches each styled the same selector, the later rule quietly
won and the earlier one lied about the look (it happened with the dialog titles and the KPI tiles).
"""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QApplication, QLabel

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
