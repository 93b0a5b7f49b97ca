"""The Visit report dialog (issue 16): check in and out, the checklist of the account's segment with a widget
per item (yes/no, number, text, photos with thumbnails), files, the customer's signature, and Submit, which
checks the required items and logs the visit on the agenda (as Log outcome does).

Everything is written locally through ``ops.visits`` (it works offline; the next sync sends the report, then
the photos).  A problem (a required item left empty, a photo too large) is shown in the dialog and nothing is
lost: what was typed stays.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.visits.location import LocationSource
from sfa_desktop.core.visits.templates import Item
from sfa_desktop.ops import links, visits
from sfa_desktop.ops.visits import AttachmentView, VisitView
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.signature_pad import SignaturePad
from sfa_desktop.ui.widgets import named

THUMB = 72
PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.heic *.webp *.gif *.bmp *.tif *.tiff);;All files (*)"


def choose_files(parent: QWidget, title: str, photos: bool) -> list[str]:
    """Files picked on disk (tests replace this)."""
    paths, _filter = QFileDialog.getOpenFileNames(
        parent, title, "", PHOTO_FILTER if photos else "All files (*)"
    )
    return list(paths)


def _clock(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M") if moment else ""


def choose_save_path(parent: QWidget, name: str) -> str:
    """Where to save an attached file ('' when cancelled; tests replace this)."""
    path, _filter = QFileDialog.getSaveFileName(parent, "Save attachment", name)
    return path


def show_picture(parent: QWidget, title: str, data: bytes) -> None:
    """A photo at the size of the screen, in a dialog of its own."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    label = QLabel()
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    screen = parent.screen().availableGeometry() if parent.screen() is not None else None
    bound = QSize(1200, 900) if screen is None else QSize(screen.width() - 120, screen.height() - 160)
    label.setPixmap(
        pixmap.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    )
    layout.addWidget(label)
    dialog.exec()


class PhotoStrip(QWidget):
    """The thumbnails of one photo item and its "Add photo…" button."""

    def __init__(self, dialog: VisitReportDialog, item_key: str | None, label: str) -> None:
        super().__init__()
        self.dialog = dialog
        self.item_key = item_key
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(6)
        self.add = QPushButton(icon("add"), label)
        self.add.clicked.connect(lambda: dialog.add_files(item_key, photos=item_key is not None))
        self.row.addWidget(self.add)
        self.row.addStretch(1)

    def show_attachments(self, attached: list[AttachmentView]) -> None:
        while self.row.count() > 2:
            found = self.row.takeAt(0)
            widget = found.widget() if found is not None else None
            if widget is not None:
                widget.deleteLater()
        for position, view in enumerate(attached):
            self.row.insertWidget(position, self._tile(view))

    def _tile(self, view: AttachmentView) -> QWidget:
        tile = named(QToolButton(), "photoThumb")
        tile.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        tile.setIconSize(QSize(THUMB, THUMB))
        png = visits.thumbnail(self.dialog.store, view, THUMB * 2) if view.is_image else None
        if png:
            pixmap = QPixmap()
            pixmap.loadFromData(png)
            tile.setIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
        else:
            tile.setIcon(icon("export"))
        name = view.file_name if len(view.file_name) <= 14 else view.file_name[:12] + "…"
        tile.setText(name)
        state = (
            "uploaded" if view.uploaded else "waits for the next sync" if view.here else "on another laptop"
        )
        tile.setToolTip(f"{view.file_name} · {view.size_bytes / 1024:.0f} kB · {state} · click to open")
        tile.clicked.connect(lambda _checked=False: self.dialog.open_attachment(view))
        return tile


class VisitReportDialog(QDialog):
    def __init__(
        self,
        store: LocalStore,
        activity_id: str,
        outcomes: tuple[str, ...],
        location: LocationSource,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.activity_id = activity_id
        self.location = location
        self.setObjectName("visitReportDialog")
        self.setWindowTitle("Visit report")
        self.setMinimumSize(560, 520)
        self.view: VisitView = visits.show(store, activity_id)
        self.inputs: dict[str, QWidget] = {}
        self.strips: dict[str | None, PhotoStrip] = {}
        self.logged = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(10)
        title = named(QLabel(f"Visit · {self.view.subject}"), "dialogTitle")
        title.setWordWrap(True)
        outer.addWidget(title)
        self.subtitle = named(QLabel(), "dialogSubtitle")
        outer.addWidget(self.subtitle)

        presence = QHBoxLayout()
        self.presence = named(QLabel(), "visitPresence")
        self.checkin_button = QPushButton(icon("task"), "Check in")
        self.checkin_button.clicked.connect(self.check_in)
        self.checkout_button = QPushButton("Check out")
        self.checkout_button.clicked.connect(self.check_out)
        presence.addWidget(self.presence, 1)
        presence.addWidget(self.checkin_button)
        presence.addWidget(self.checkout_button)
        outer.addLayout(presence)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("visitReportBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(10)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        for item in self.view.template.items:
            label = item.label + (" *" if item.required else "")
            form.addRow(label, self._input(item))
        self.strips[None] = PhotoStrip(self, None, "Attach file…")
        form.addRow("Files", self.strips[None])
        column.addLayout(form)
        self.pad = SignaturePad()
        form.addRow("Customer's signature", self.pad)
        after = form
        signer = QHBoxLayout()
        self.signer = QLineEdit()
        self.signer.setPlaceholderText("Name of the person signing")
        clear = QPushButton("Clear")
        clear.clicked.connect(self.pad.clear)
        signer.addWidget(self.signer, 1)
        signer.addWidget(clear)
        after.addRow("Signed by", signer)
        self.signed = named(QLabel(), "formHint")
        after.addRow("", self.signed)
        self._form = form
        self.outcome = QComboBox()
        for name in outcomes:
            self.outcome.addItem(name.capitalize(), name)
        after.addRow("Outcome", self.outcome)
        column.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.problem = named(QLabel(), "dialogError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        outer.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.draft_button = QPushButton("Save draft")
        self.draft_button.clicked.connect(lambda: self.save(submit=False))
        self.submit_button = named(
            QPushButton(icon("task", "#ffffff"), "Submit and log visit"), "primaryButton"
        )
        self.submit_button.clicked.connect(lambda: self.save(submit=True))
        cancel = QPushButton("Close")
        cancel.clicked.connect(self.reject)
        for button in (cancel, self.draft_button, self.submit_button):
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self._show_state()
        self._fill_answers()
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:  # tall enough for the checklist, never taller than the screen
            self.resize(min(680, screen.width() - 40), min(860, screen.height() - 60))

    # -- building -----------------------------------------------------------------------------------------

    def _input(self, item: Item) -> QWidget:
        widget: QWidget
        if item.type == "yesno":
            combo = QComboBox()
            combo.addItem("—", None)
            combo.addItem("Yes", True)
            combo.addItem("No", False)
            widget = combo
        elif item.type == "number":
            line = QLineEdit()
            low = "" if item.min is None else f"{item.min:g}"
            high = "" if item.max is None else f"{item.max:g}"
            line.setPlaceholderText(f"{low} to {high}".strip() if (low or high) else "a number")
            line.setMaximumWidth(160)
            widget = line
        elif item.type == "text":
            text = QPlainTextEdit()
            text.setFixedHeight(64)
            widget = text
        else:
            strip = PhotoStrip(self, item.key, "Add photo…")
            self.strips[item.key] = strip
            widget = strip
        widget.setObjectName(f"visitItem_{item.key}")
        self.inputs[item.key] = widget
        return widget

    def _fill_answers(self) -> None:
        for item in self.view.template.items:
            widget, value = self.inputs[item.key], self.view.answers.get(item.key)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0) if value is not None else 0)
            elif isinstance(widget, QLineEdit) and value is not None:
                widget.setText(f"{value:g}" if isinstance(value, float) else str(value))
            elif isinstance(widget, QPlainTextEdit) and value is not None:
                widget.setPlainText(str(value))

    def _show_state(self) -> None:
        view = self.view
        self.subtitle.setText(
            f"Checklist: {view.template.name}" + (" · submitted" if view.submitted_at else "")
        )
        if view.checkin_at is None:
            text = "Not checked in yet."
        else:
            where = (
                f" at {view.checkin_place.latitude:.4f}, {view.checkin_place.longitude:.4f}"
                if view.checkin_place
                else " (no position from this computer)"
            )
            text = f"Checked in {_clock(view.checkin_at)}{where}"
            if view.checkout_at is not None:
                text += f" · checked out {_clock(view.checkout_at)}"
        self.presence.setText(text)
        self.checkin_button.setEnabled(view.checkin_at is None)
        self.checkout_button.setEnabled(view.checkin_at is not None and view.checkout_at is None)
        for key, strip in self.strips.items():
            if key is None:
                strip.show_attachments(
                    [a for a in view.attachments if a.item_key is None and a.kind == "file"]
                )
            else:
                strip.show_attachments(view.photos(key))
        self._form.setRowVisible(self.signed, bool(view.signer_name))
        if view.signer_name:
            self.signed.setText(f"Signed by {view.signer_name} at {_clock(view.signed_at)}.")
            if not self.signer.text():
                self.signer.setText(view.signer_name)
        self.submit_button.setEnabled(view.done_at is None)

    # -- actions ------------------------------------------------------------------------------------------

    def _refresh(self, view: VisitView | None = None) -> None:
        self.view = view or visits.show(self.store, self.activity_id)
        self._show_state()

    def show_problem(self, exc: object) -> None:
        text = "\n".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def check_in(self) -> None:
        try:
            self._refresh(visits.check_in(self.store, self.activity_id, self.location.last_known()))
        except UserError as exc:
            self.show_problem(exc)

    def check_out(self) -> None:
        try:
            self._refresh(visits.check_out(self.store, self.activity_id, self.location.last_known()))
        except UserError as exc:
            self.show_problem(exc)

    def add_files(self, item_key: str | None, *, photos: bool) -> None:
        chosen = choose_files(self, "Add photo" if photos else "Attach file", photos)
        self.attach_paths(item_key, [Path(p) for p in chosen])

    def attach_paths(self, item_key: str | None, paths: list[Path]) -> None:
        try:
            for path in paths:
                visits.attach(self.store, self.activity_id, path, item_key=item_key)
        except UserError as exc:
            self.show_problem(exc)
        self._refresh()

    def open_attachment(self, view: AttachmentView) -> None:
        """Show a photo (fetched from the central store when it was made on another laptop), or save a
        file where the person says."""
        try:
            view, data = visits.attachment_bytes(self.store, view.id, fetch=links.blob_link)
        except UserError as exc:
            self.show_problem(exc)
            return
        if view.is_image:
            show_picture(self, view.file_name, data)
            self._refresh()
            return
        path = choose_save_path(self, view.file_name)
        if path:
            Path(path).write_bytes(data)

    def answers(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for item in self.view.template.items:
            widget = self.inputs[item.key]
            if isinstance(widget, QComboBox):
                found[item.key] = widget.currentData()
            elif isinstance(widget, QLineEdit):
                found[item.key] = widget.text().strip() or None
            elif isinstance(widget, QPlainTextEdit):
                found[item.key] = widget.toPlainText().strip() or None
        return found

    def save(self, *, submit: bool) -> bool:
        self.show_problem("")
        try:
            if not self.pad.is_empty():
                visits.sign(self.store, self.activity_id, self.signer.text(), self.pad.to_png())
                self.pad.clear()
            outcome = str(self.outcome.currentData()) if submit and self.outcome.count() else None
            view = visits.save_report(
                self.store, self.activity_id, self.answers(), submit=submit, outcome=outcome
            )
        except UserError as exc:
            self.show_problem(exc)
            return False
        self._refresh(view)
        self.logged = submit
        if submit:
            self.accept()
        return True
