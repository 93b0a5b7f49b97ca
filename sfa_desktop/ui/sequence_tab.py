"""The "Sequence" tab of a lead, contact or opportunity: where the record stands in each of its sequences
(template, step n of m, the steps done with their outcomes, what is next and when), the current step's
script and the knowledge-base articles linked to it, and the actions: Log outcome, Pause or Resume, Skip
step, Exit."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import sequences as sequence_ops
from sfa_desktop.ops.sequences import EnrollmentView
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.agenda_page import exec_dialog, problem_text
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.kb_links import ArticleLinks
from sfa_desktop.ui.log_outcome import LogOutcomeDialog
from sfa_desktop.ui.markdown_view import MarkdownView
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named


def ask_exit_reason(parent: QWidget) -> str | None:
    """Why the sequence ends (None: cancelled; tests replace this)."""
    text, ok = QInputDialog.getText(parent, "Exit the sequence", "Why does this sequence end here?")
    return text.strip() if ok else None


def _day(moment: object) -> str:
    return moment.astimezone().strftime("%a %d %b") if hasattr(moment, "astimezone") else ""


def _when(moment: object) -> str:
    return moment.astimezone().strftime("%a %d %b, %H:%M") if hasattr(moment, "astimezone") else ""


class SequenceTab(QWidget):
    """``loaded()`` when the record's enrollments are on screen; ``changed()`` after an action."""

    loaded = Signal()
    changed = Signal()

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.kind = kind
        self.record_id: str | None = None
        self.views: list[EnrollmentView] = []
        self.buttons: dict[tuple[str, str], QPushButton] = {}
        #: The current step's linked articles, per enrollment shown.
        self.article_links: dict[str, ArticleLinks] = {}
        self._task: Task | None = None
        scroll = named(QScrollArea(), "sequenceScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = named(QWidget(), "sequenceBody")
        self.column = QVBoxLayout(self.body)
        self.column.setContentsMargins(20, 14, 20, 16)
        self.column.setSpacing(12)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    # -- RecordTab ------------------------------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        self.record_id = record_id
        self.reload()

    def clear(self) -> None:
        self.record_id = None
        self._fill([])

    def reload(self) -> Task | None:
        if self.record_id is None:
            return None
        if self._task is not None:
            self._task.discard()
        task = self.runner.submit(sequence_ops.record_enrollments, self.store, self.kind, self.record_id)
        task.finished.connect(self._fill)
        self._task = task
        return task

    # -- showing --------------------------------------------------------------------------------------------

    def _fill(self, views: object) -> None:
        assert isinstance(views, list)
        self._task = None
        self.views = views
        self.buttons.clear()
        self.article_links.clear()
        while self.column.count():
            item = self.column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not views:
            empty = named(
                QLabel("Not in any sequence.\n\nUse “Enroll in sequence…” (Ctrl+E) to plan its next steps."),
                "emptyState",
            )
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.column.addWidget(empty, 1)
        for view in views:
            self.column.addWidget(self._card(view))
        self.column.addStretch(1)
        self.loaded.emit()

    def _card(self, view: EnrollmentView) -> QWidget:
        card = named(QFrame(), "enrollmentCard")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.setSpacing(6)
        top = QHBoxLayout()
        name = named(QLabel(view.template), "formTitle")
        pill = named(QLabel(view.status.upper()), "statusPill")
        pill.setProperty("status", view.status)
        top.addWidget(name)
        top.addWidget(pill, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        layout.addLayout(top)
        summary = named(QLabel(self._summary(view)), "formSubtitle")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        if view.status in ("active", "paused"):
            actions = QHBoxLayout()
            actions.setSpacing(6)
            self._actions(view, actions)
            actions.addStretch(1)
            layout.addLayout(actions)
        for line, state in self._step_lines(view):
            label = named(QLabel(line), "stepLine")
            label.setProperty("state", state)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            layout.addWidget(label)
        if view.current is not None and view.current.instructions.strip() and view.status == "active":
            layout.addWidget(named(QLabel("SCRIPT AND INSTRUCTIONS"), "formSection"))
            script = MarkdownView()
            script.set_markdown(view.current.instructions)
            script.setMinimumHeight(170)
            layout.addWidget(script)
        if view.current is not None and view.current.article_ids and view.status == "active":
            links = ArticleLinks(self.store, self.runner, card, title="Articles for this step")
            links.list.setMaximumHeight(24 * min(len(view.current.article_ids), 5) + 8)
            links.set_article_ids(view.current.article_ids)
            self.article_links[view.enrollment_id] = links
            layout.addWidget(links)
        return card

    def _summary(self, view: EnrollmentView) -> str:
        started = f"Started {_day(view.started_at)}" if view.started_at else ""
        if view.status in ("completed", "exited"):
            ended = f"{view.status.capitalize()} {_day(view.ended_at)}: {view.result or ''}".rstrip(": ")
            reason = f" — {view.reason}" if view.reason else ""
            return " · ".join(p for p in (started, ended + reason) if p)
        title = view.current.title if view.current else view.step_key or ""
        tries = f", try {view.attempt + 1}" if view.attempt else ""
        nxt = f"Step {view.step_position} of {view.step_count}{tries}: {title}, due {_when(view.due_at)}"
        if view.status == "paused":
            nxt = "Paused at " + nxt[0].lower() + nxt[1:]
        return " · ".join(p for p in (started, nxt) if p)

    def _step_lines(self, view: EnrollmentView) -> list[tuple[str, str]]:
        lines = []
        for number, step in enumerate(view.steps, start=1):
            done = [h for h in view.history if h.done and h.step_key == step.key]
            outcomes = ", ".join(
                f"{escape(h.outcome or 'done')} <span style='color:#94a3b8'>({_day(h.when)})</span>"
                for h in done
            )
            current = view.status == "active" and step.key == view.step_key
            mark = "●" if current else "✓" if done else "○"
            state = "current" if current else "done" if done else "later"
            kind = step.kind.capitalize()
            text = f"{mark}&nbsp;&nbsp;{number}. {escape(step.title)} "
            text += f"<span style='color:#94a3b8'>· {kind}</span>"
            if outcomes:
                text += f" — {outcomes}"
            if current:
                text += f" — <b>due {escape(_when(view.due_at))}</b>"
            lines.append((text, state))
        return lines

    def _actions(self, view: EnrollmentView, row: QHBoxLayout) -> None:
        specs: list[tuple[str, str, Callable[[], object]]] = []
        if view.status == "active":
            specs.append(("log", "Log outcome", lambda: self.log_outcome(view)))
            specs.append(("pause", "Pause", lambda: self.act(view, "pause")))
            specs.append(("skip", "Skip step", lambda: self.act(view, "skip")))
        else:
            specs.append(("resume", "Resume", lambda: self.act(view, "resume")))
        specs.append(("exit", "Exit…", lambda: self.exit(view)))
        for key, text, slot in specs:
            button = QPushButton(text)
            if key == "log":
                button.setObjectName("primaryButton")
                button.setIcon(icon("task", "#ffffff"))
            button.clicked.connect(lambda _checked=False, run=slot: run())
            self.buttons[(view.enrollment_id, key)] = button
            row.addWidget(button)

    # -- acting ---------------------------------------------------------------------------------------------

    def act(self, view: EnrollmentView, action: str, reason: str | None = None) -> Task:
        task = self.runner.submit(
            sequence_ops.enrollment_action, self.store, action, view.enrollment_id, reason
        )
        task.finished.connect(lambda _done: self._done())
        task.failed.connect(self._failed)
        return task

    def exit(self, view: EnrollmentView) -> Task | None:
        reason = ask_exit_reason(self)
        if reason is None:
            return None
        return self.act(view, "exit", reason or None)

    def log_outcome(self, view: EnrollmentView) -> Task | None:
        """Read the current step's details (on the runner), then ask for the outcome and log it."""
        if not view.activity_id:
            return None
        task = self.runner.submit(agenda_ops.load_details, self.store, [view.activity_id])
        task.finished.connect(lambda details: self._ask_outcome(view.activity_id or "", details))
        return task

    def _ask_outcome(self, activity_id: str, details: object) -> None:
        assert isinstance(details, dict)
        detail = details.get(activity_id)
        if detail is None:
            self.reload()
            return
        dialog = LogOutcomeDialog(detail, self)
        if not exec_dialog(dialog):
            return
        outcome, notes, minutes = dialog.values()
        task = self.runner.submit(agenda_ops.log_outcome, self.store, activity_id, outcome, notes, minutes)
        task.finished.connect(lambda _advanced: self._done())
        task.failed.connect(self._failed)

    def _done(self) -> None:
        self.changed.emit()
        self.reload()

    def _failed(self, exc: object) -> None:
        QMessageBox.warning(self, "Not done", problem_text(exc))
        self.reload()
