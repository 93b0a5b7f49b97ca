"""The bug dialog: something unexpected happened; what it was, the report to copy, where the log is.  And the
problem dialog: an error a person can fix, its message as it is.

Shown by :class:`sfa_desktop.ui.failures.BugReporter` for every error that is not a person's to fix.  It says
plainly that nothing saved was lost (true: every change is written in one transaction, so a change that
failed was rolled back whole), the error's one-line summary, the report (:func:`errorlog.bug_report`) behind
"Show details", a "Copy report" button and the log file with "Open log folder".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops import errorlog
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

SUMMARY_MAX = 240
SAFE = (
    "Nothing you had saved was lost: each change is written in one step, so a change that failed was not "
    "written at all. You can carry on working."
)


def summary(exc: BaseException) -> str:
    """The exception's one line: its type and the first line of its message, shortened if long."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def open_folder(folder: Path) -> bool:
    """Show a folder in the desktop's file manager (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class BugDialog(QDialog):
    def __init__(
        self, exc: BaseException, context: str, log_file: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bugDialog")
        self.setWindowTitle("Unexpected error — SFA Desktop")
        # An explicit minimum: the layout then sends no new size hints when the details open (the offscreen
        # platform warns about each one).
        self.setMinimumSize(580, 300)
        self.exc, self.log_file, self.repeats = exc, log_file, 0
        self.report = errorlog.bug_report(exc, context=context)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._body(context))
        layout.addWidget(self._footer())
        self._fit(self.minimumWidth())

    def _body(self, context: str) -> QWidget:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 22, 24, 16)
        layout.setSpacing(10)
        head = QHBoxLayout()
        head.setSpacing(14)
        badge = named(QLabel(), "bugIcon")
        badge.setPixmap(icon("alert", "#dc2626").pixmap(28, 28))
        head.addWidget(badge)
        head.addWidget(named(QLabel("Something unexpected happened"), "dialogTitle"), 1)
        layout.addLayout(head)
        where = f" while {context}" if context else ""
        text = f"SFA Desktop ran into an error it did not expect{where}. {SAFE}"
        self.message = named(QLabel(text), "bugText")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.summary = named(QLabel(summary(self.exc)), "bugSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.repeat_label = named(QLabel(), "dialogHint")
        self.repeat_label.hide()
        layout.addWidget(self.repeat_label)
        self.details_button = named(QToolButton(), "bugDetailsToggle")
        self.details_button.setText("Show details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setIcon(icon("chevron-down", "#475569"))
        self.details_button.toggled.connect(self._toggle_details)
        layout.addWidget(self.details_button)
        self.details = named(QPlainTextEdit(self.report), "bugDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(220)
        self.details.hide()
        layout.addWidget(self.details, 1)
        log_row = QHBoxLayout()
        if self.log_file is not None:
            text = f"Written to the error log: {self.log_file}"
        else:
            text = "The error log could not be written; copy the report to keep it."
        self.log_label = named(QLabel(text), "dialogHint")
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        log_row.addWidget(self.log_label, 1)
        self.open_button = QPushButton(icon("folder"), "Open log folder")
        self.open_button.setEnabled(self.log_file is not None)
        self.open_button.clicked.connect(self.open_log_folder)
        log_row.addWidget(self.open_button)
        layout.addLayout(log_row)
        return body

    def _footer(self) -> QWidget:
        footer = named(QFrame(), "dialogFooter")
        row = QHBoxLayout(footer)
        row.setContentsMargins(24, 12, 24, 12)
        self.copy_button = QPushButton(icon("copy"), "Copy report")
        self.copy_button.setToolTip("Put the report on the clipboard, to send to your support team")
        self.copy_button.clicked.connect(self.copy_report)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        self.close_button = named(QPushButton("Close"), "primaryButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.close_button)
        return footer

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self._fit(max(self.width(), 760) if shown else self.minimumWidth())

    def _fit(self, width: int) -> None:
        """As tall as the content needs at ``width`` (wrapped text included)."""
        layout = self.layout()
        height = layout.totalHeightForWidth(width) if layout is not None else -1
        self.resize(width, max(height, self.minimumHeight()))

    def full_report(self) -> str:
        """The report as copied: :func:`errorlog.bug_report`, the log file and how often it happened since."""
        extra = []
        if self.repeats:
            extra.append(f"{self.repeats} more unexpected error(s) followed while this report was open.")
        if self.log_file is not None:
            extra.append(f"Error log: {self.log_file}")
        return self.report + ("\n" + "\n".join(extra) + "\n" if extra else "")

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.full_report())
        self.copy_button.setText("Copied")
        QTimer.singleShot(2000, self, lambda: self.copy_button.setText("Copy report"))

    def open_log_folder(self) -> None:
        if self.log_file is not None:
            open_folder(self.log_file.parent)

    def add_repeat(self) -> None:
        """Another bug arrived while this dialog is open: it was logged; count it here."""
        self.repeats += 1
        times = "once more" if self.repeats == 1 else f"{self.repeats} more times"
        self.repeat_label.setText(f"Unexpected errors happened {times} since; each one is in the error log.")
        self.repeat_label.show()
        self._fit(self.width())


class ProblemDialog(QDialog):
    """An error a person can fix: its message as it is, and OK (a message box in the window's style)."""

    def __init__(self, title: str, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemDialog")
        self.setWindowTitle(f"{title} — SFA Desktop" if title != "SFA Desktop" else title)
        self.setMinimumSize(440, 120)  # explicit: no size hints sent after showing (see BugDialog)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        body = QHBoxLayout()
        body.setContentsMargins(24, 22, 24, 18)
        body.setSpacing(14)
        badge = named(QLabel(), "bugIcon")
        badge.setPixmap(icon("alert", "#d97706").pixmap(28, 28))
        body.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        self.message = named(QLabel(message), "bugText")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.message, 1)
        layout.addLayout(body, 1)
        footer = named(QFrame(), "dialogFooter")
        row = QHBoxLayout(footer)
        row.setContentsMargins(24, 10, 24, 10)
        row.addStretch(1)
        self.ok_button = named(QPushButton("OK"), "primaryButton")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.accept)
        row.addWidget(self.ok_button)
        layout.addWidget(footer)
        self.resize(460, max(layout.totalHeightForWidth(460), self.minimumHeight()))

    def text(self) -> str:
        return self.message.text()
