"""Edit > Undo: the window's side of ``ops.undo``.

The menu entry names what it would undo ("Undo edit of Acme Corp"; "Nothing to undo", disabled, when the
history has nothing left), asked again whenever background jobs wrote to the store.  Ctrl+Z triggers it
outside text fields; in a text field Qt gives Ctrl+Z to the field (its own undo) before any window shortcut.
After an undo every loaded list is reloaded and the restored record is shown, selected in its list and open
in the form (on the pipeline board: the board is reloaded and the card selected); the status bar says what
was undone, and a refusal comes as a message box (``ui.failures``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon

NOTHING = "Nothing to undo"


class UndoAction(QAction):
    def __init__(self, window: Any, menu: QMenu) -> None:
        """``window``: the main window (``ui.mainwindow``, which builds this; not imported back)."""
        super().__init__(NOTHING, window)
        self.window_ = window
        self.setObjectName("undoAction")
        self.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.setIcon(icon("undo"))
        self.setEnabled(False)
        self.triggered.connect(lambda _checked=False: self.undo())
        menu.addAction(self)
        self._writes_seen = -1
        self._running = False
        window.runner.busyChanged.connect(self._after_jobs)
        self.refresh()

    def _after_jobs(self, busy: bool) -> None:
        if not busy and self.window_.store.writes != self._writes_seen:
            self.refresh()

    def refresh(self) -> None:
        """Ask what Undo would undo now (in the background) and name it in the menu."""
        self._writes_seen = self.window_.store.writes
        task = self.window_.runner.submit(undo_ops.next_undo, self.window_.store)
        task.finished.connect(self._show)

    def _show(self, what: object) -> None:
        if what:
            self.setText(f"&Undo {str(what).replace('&', '&&')}")
            self.setEnabled(not self._running)
        else:
            self.setText(NOTHING)
            self.setEnabled(False)

    def undo(self) -> None:
        """Undo the newest action, once the form on screen has no unsaved changes left."""
        if self._running or not self.isEnabled():
            return
        kind = self.window_.current_kind()
        page = self.window_.sections.get(kind) if kind else None
        if page is not None and page.form.dirty:
            page.form.confirm_leave(self._start)
        else:
            self._start()

    def _start(self) -> None:
        self._running = True
        self.setEnabled(False)
        task = self.window_.runner.submit(undo_ops.undo_last, self.window_.store)
        task.finished.connect(self._undone)
        task.failed.connect(self._refused)

    def _undone(self, done: object) -> None:
        assert isinstance(done, undo_ops.Undone)
        self._running = False
        window = self.window_
        kind, record_id = done.focus
        window.refresh_lists()
        from sfa_desktop.ui.board import PipelinePage

        board = window.pages.currentWidget()
        if done.gone:
            pass  # a new record undone: the lists no longer hold it
        elif kind == "opportunities" and isinstance(board, PipelinePage):
            board.reload().finished.connect(lambda _loaded: board.select(record_id))
        else:
            window.open_record(kind, record_id)
        window.show_message(done.short())
        self.refresh()

    def _refused(self, exc: object) -> None:
        self._running = False
        window = self.window_
        if isinstance(exc, BaseException):
            show_problem(window, "Undo", exc)
        self.refresh()
