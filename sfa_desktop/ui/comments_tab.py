"""The Comments tab of accounts and opportunities (issue 15, item 3): the thread, oldest first, with each
@mention shown as the person's name, and a box to write one; typing ``@`` offers the people who can see
the record (those a mention reaches).  Ctrl+Enter posts."""

from __future__ import annotations

import html

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.comments import CommentView
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.notification_centre import when_text
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

TABLES = {"accounts": "accounts", "opportunities": "opportunities"}
EMPTY = "<p style='color:#64748b'>No comments yet. Write the first one below; @name tells a colleague.</p>"


def thread_html(comments: list[CommentView]) -> str:
    """The thread as HTML for the browser (text escaped; mentions in the link colour)."""
    if not comments:
        return EMPTY
    parts = []
    for c in comments:
        edited = " · edited" if c.edited_at else ""
        body = html.escape(c.shown).replace("\n", "<br>")
        for name in set(c.mentions):
            body = body.replace(f"@{html.escape(name)}", f"<b style='color:#1d4ed8'>@{html.escape(name)}</b>")
        parts.append(
            "<div style='margin-bottom:12px'>"
            f"<b>{html.escape(c.author)}</b> <span style='color:#64748b'>{when_text(c.created_at)}{edited}"
            f"</span><br>{body}</div>"
        )
    return "".join(parts)


class MentionEdit(QPlainTextEdit):
    """A text box whose ``@`` offers logins from ``people`` (login -> name)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.people: dict[str, str] = {}
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.activated.connect(self._insert)
        self.textChanged.connect(self._offer)

    def set_people(self, people: dict[str, str]) -> None:
        self.people = dict(people)
        self._model.setStringList([f"{name} (@{login})" for login, name in sorted(people.items())])

    def _word(self) -> str | None:
        cursor = self.textCursor()
        before = self.toPlainText()[: cursor.position()]
        at = before.rfind("@")
        if at < 0 or any(ch.isspace() for ch in before[at:]) or (at > 0 and before[at - 1].isalnum()):
            return None
        return before[at + 1 :]

    def _offer(self) -> None:
        word = self._word()
        if word is None or not self.people:
            popup = self.completer.popup()
            if popup is not None:
                popup.hide()
            return
        self.completer.setCompletionPrefix(word)
        rect = self.cursorRect()
        rect.setWidth(280)
        self.completer.complete(rect)

    def _insert(self, chosen: str) -> None:
        login = chosen.rsplit("(@", 1)[-1].rstrip(")")
        word = self._word() or ""
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(word))
        cursor.insertText(login + " ")
        self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.completer.popup()
        if (
            popup is not None
            and popup.isVisible()
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
        ):
            event.ignore()  # the completer takes it
            return
        super().keyPressEvent(event)


class CommentsTab(QWidget):
    """``posted(comment_id)`` after a comment was saved."""

    posted = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("commentsTab")
        self.store = store
        self.runner = runner
        self.table = TABLES[kind]
        self.record_id: str | None = None
        self._tasks: list[Task] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.browser = named(QTextBrowser(), "commentThread")
        self.browser.setOpenLinks(False)
        layout.addWidget(self.browser, 1)
        self.editor = named(MentionEdit(), "commentEditor")
        self.editor.setPlaceholderText("Write a comment… type @ to mention a colleague (Ctrl+Enter posts)")
        self.editor.setFixedHeight(76)
        layout.addWidget(self.editor)
        row = QHBoxLayout()
        self.hint = named(QLabel(""), "commentHint")
        self.hint.setStyleSheet("color: #64748b")
        row.addWidget(self.hint, 1)
        self.post_button = named(QPushButton("Post comment"), "postComment")
        self.post_button.clicked.connect(self.post)
        row.addWidget(self.post_button)
        layout.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self.editor, self.post)
        self.clear()

    # -- RecordTab ------------------------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        self.record_id = record_id
        self.post_button.setEnabled(True)
        self.editor.setEnabled(True)
        self.reload()
        task = self.runner.submit(notification_ops.mentionable, self.store, self.table, record_id)
        task.finished.connect(self._people)
        self._tasks.append(task)

    def clear(self) -> None:
        self.record_id = None
        self.browser.setHtml("")
        self.editor.clear()
        self.editor.setEnabled(False)
        self.post_button.setEnabled(False)

    # -- work -----------------------------------------------------------------------------------------

    def reload(self) -> Task | None:
        if self.record_id is None:
            return None
        task = self.runner.submit(notification_ops.comments_on, self.store, self.table, self.record_id)
        task.finished.connect(lambda found: self.browser.setHtml(thread_html(list(found))))
        self._tasks.append(task)
        return task

    def _people(self, people: object) -> None:
        assert isinstance(people, list)
        self.editor.set_people({p.login: p.name for p in people})
        self.hint.setText(f"@ reaches {len(people)} {'person' if len(people) == 1 else 'people'}")
        self.hint.setToolTip("The people who can see this record: a mention tells them when it reaches them.")

    def post(self) -> Task | None:
        text = self.editor.toPlainText().strip()
        if self.record_id is None or not text:
            return None
        self.post_button.setEnabled(False)
        task = self.runner.submit(notification_ops.add_comment, self.store, self.table, self.record_id, text)
        task.finished.connect(self._posted)
        task.failed.connect(self._refused)
        self._tasks.append(task)
        return task

    def _posted(self, comment_id: object) -> None:
        self.editor.clear()
        self.post_button.setEnabled(True)
        self.reload()
        self.posted.emit(str(comment_id))

    def _refused(self, exc: object) -> None:
        self.post_button.setEnabled(True)
        show_problem(self, "Posting the comment", exc)
