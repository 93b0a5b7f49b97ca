"""A long job's progress on screen: a :class:`~sfa_desktop.core.progress.Progress` whose reports arrive on
the GUI thread as ``progressChanged(stage, done, total)``, and a bar with Cancel for dialogs."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from sfa_desktop.core.progress import Progress


class ProgressBridge(QObject):
    """``progress`` goes to the job (on the task runner's thread); its reports come back as signals."""

    progressChanged = Signal(str, int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # emitted from the worker thread; delivered on this object's (the GUI) thread
        self.progress = Progress(self._report)

    def _report(self, stage: str, done: int, total: int) -> None:
        self.progressChanged.emit(stage, done, total)

    def cancel(self) -> None:
        self.progress.cancel()


class ProgressRow(QWidget):
    """A label, a bar and Cancel, shown while a job runs.  ``cancelled`` fires when Cancel is pressed."""

    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("progressLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("jobProgress")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelJob")
        self.cancel_button.clicked.connect(self._cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def follow(self, bridge: ProgressBridge, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        bridge.progressChanged.connect(self.update_progress, Qt.ConnectionType.QueuedConnection)
        self.cancelled.connect(bridge.cancel)
        self.show()

    def update_progress(self, stage: str, done: int, total: int) -> None:
        self.label.setText(stage + "…")
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat(f"{done:,} of {total:,}")

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling…")
        self.cancelled.emit()
