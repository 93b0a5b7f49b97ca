"""The Score tab of a lead: its score, how much comes from fit and from engagement, and every reason.

Built by the record form for leads (``extensions.DETAIL_TABS``); the score is brought up to date on the
task runner when the tab shows a lead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.scoring.scores import Reason, Score
from sfa_desktop.ops import leads as lead_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

GROUPS = (("fit", "Fit", "Who the lead is"), ("engagement", "Engagement", "What the lead did with us"))


def band(score: int) -> tuple[str, str]:
    """(word, colour) for a score: hot, warm or cold."""
    if score >= 60:
        return "Hot", "#15803d"
    if score >= 30:
        return "Warm", "#b45309"
    return "Cold", "#475569"


def points_text(points: int) -> str:
    return f"+{points}" if points > 0 else str(points)


class ScoreTab(QWidget):
    """``shown(lead_id)`` fires once a lead's score is on screen."""

    shown = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scoreTab")
        self.store = store
        self.runner = runner
        self.lead_id: str | None = None
        self.score: Score | None = None
        self._task: Task | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = named(QScrollArea(), "formScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = named(QWidget(), "formBody")
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setContentsMargins(20, 16, 20, 16)
        self.layout_.setSpacing(6)
        scroll.setWidget(self.body)
        outer.addWidget(scroll)
        self.message = named(QLabel("Loading the score…"), "emptyState")
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    # -- RecordTab ----------------------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        self.lead_id = record_id
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(lead_ops.lead_score, self.store, record_id)
        self._task.finished.connect(lambda score, r=record_id: self._show(r, score))
        self._task.failed.connect(lambda exc: self._say(f"The score could not be computed: {exc}"))

    def clear(self) -> None:
        self.lead_id = None
        self.score = None
        self._say("Save the lead to see its score.")

    # -- showing --------------------------------------------------------------------------------------

    def _reset(self) -> None:
        while self.layout_.count():
            item = self.layout_.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _say(self, text: str) -> None:
        self._reset()
        self.message = named(QLabel(text), "emptyState")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    def _show(self, lead_id: str, score: object) -> None:
        self._task = None
        if lead_id != self.lead_id:
            return
        if not isinstance(score, Score):
            self._say("This lead has no score (it may have been deleted).")
            return
        self.score = score
        self._reset()
        self.layout_.addWidget(self._summary(score))
        for group, title, hint in GROUPS:
            reasons = [r for r in score.reasons if r.group == group]
            total = sum(r.points for r in reasons)
            heading = named(QLabel(f"{title.upper()}  {points_text(total)}"), "formSection")
            heading.setToolTip(hint)
            self.layout_.addWidget(heading)
            if not reasons:
                none = named(QLabel(f"No {title.lower()} rule applies to this lead."), "scoreNone")
                self.layout_.addWidget(none)
            for reason in reasons:
                self.layout_.addWidget(self._reason_row(reason))
        self.layout_.addSpacing(10)
        footer = QHBoxLayout()
        note = named(
            QLabel("The score is the sum of the points of the rules that apply. Rules are a setting."),
            "scoreNote",
        )
        note.setWordWrap(True)
        edit = QPushButton(icon("rules"), "Edit rules…")
        edit.setObjectName("editRules")
        edit.clicked.connect(self._edit_rules)
        footer.addWidget(note, 1)
        footer.addWidget(edit)
        holder = QWidget()
        holder.setLayout(footer)
        self.layout_.addWidget(holder)
        self.layout_.addStretch(1)
        self.shown.emit(lead_id)

    def _summary(self, score: Score) -> QWidget:
        box = named(QFrame(), "scoreSummary")
        row = QHBoxLayout(box)
        row.setContentsMargins(14, 12, 14, 12)
        row.setSpacing(16)
        word, color = band(score.score)
        number = named(QLabel(str(score.score)), "scoreNumber")
        number.setStyleSheet(f"color: {color};")
        number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        number.setMinimumWidth(76)
        row.addWidget(number)
        words = QVBoxLayout()
        words.setSpacing(2)
        title = named(QLabel(f"{word} lead"), "scoreBand")
        title.setStyleSheet(f"color: {color};")
        words.addWidget(title)
        parts = named(
            QLabel(f"Fit {points_text(score.fit)}   ·   Engagement {points_text(score.engagement)}"),
            "scoreParts",
        )
        words.addWidget(parts)
        count = len(score.reasons)
        applies = f"{count} rule{'s' if count != 1 else ''} appl{'y' if count != 1 else 'ies'}"
        words.addWidget(named(QLabel(applies + " to this lead"), "scoreNote"))
        row.addLayout(words, 1)
        return box

    def _reason_row(self, reason: Reason) -> QWidget:
        row = named(QFrame(), "scoreReason")
        grid = QGridLayout(row)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(0)
        pill = named(QLabel(points_text(reason.points)), "scorePoints")
        pill.setProperty("sign", "plus" if reason.points > 0 else "minus")
        pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pill.setFixedWidth(46)
        text = named(QLabel(reason.text), "scoreText")
        text.setWordWrap(True)
        rule = named(QLabel(reason.rule), "scoreRule")
        grid.addWidget(pill, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(text, 0, 1)
        grid.addWidget(rule, 1, 1)
        grid.setColumnStretch(1, 1)
        return row

    def _edit_rules(self) -> None:
        from sfa_desktop.ui.rules_editor import RulesDialog

        dialog = RulesDialog(self.store, self.runner, self.window())
        dialog.saved.connect(lambda: self.show_record(self.lead_id) if self.lead_id else None)
        dialog.open()
