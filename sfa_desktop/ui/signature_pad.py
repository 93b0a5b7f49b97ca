"""The customer's signature drawn on screen: strokes of the mouse, a pen or a finger, cleared at will, kept as
a PNG (white background, dark ink) with the signer's name and the time (``ops.visits.sign``)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#1b2a4a")


class SignaturePad(QWidget):
    """Draw with the left button (or a pen); ``changed`` fires after each stroke and on ``clear``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signaturePad")
        self.setMinimumSize(QSize(320, 120))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(150)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("Have the customer sign here with the mouse, a pen or a finger")
        self._strokes: list[list[QPointF]] = []
        self._drawing = False

    # -- input ------------------------------------------------------------------------------------------

    def _start(self, at: QPointF) -> None:
        self._strokes.append([at])
        self._drawing = True
        self.update()

    def _extend(self, at: QPointF) -> None:
        if self._drawing and self._strokes:
            self._strokes[-1].append(at)
            self.update()

    def _finish(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._finish()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._start(event.position())
        elif kind == QTabletEvent.Type.TabletMove:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._finish()
        event.accept()

    # -- state ------------------------------------------------------------------------------------------

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not any(len(stroke) > 1 for stroke in self._strokes)

    def stroke_count(self) -> int:
        return len(self._strokes)

    # -- drawing ----------------------------------------------------------------------------------------

    def _paint(self, painter: QPainter, scale: float = 1.0) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(
            INK, 2.4 * scale, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
        )
        painter.setPen(pen)
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(stroke[0] * scale)
                continue
            path = QPainterPath(stroke[0] * scale)
            for point in stroke[1:]:
                path.lineTo(point * scale)
            painter.drawPath(path)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#c9d2e3"), 1, Qt.PenStyle.DashLine))
        base = self.height() - 32
        painter.drawLine(24, base, self.width() - 24, base)
        painter.setPen(QColor("#8a96ad"))
        painter.drawText(QRectF(24, base + 4, self.width() - 48, 20), "Sign above the line")
        painter.setPen(QPen(QColor("#c9d2e3"), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        self._paint(painter)
        painter.end()

    def to_png(self, scale: float = 2.0) -> bytes:
        """The signature as a PNG at ``scale`` times the pad's size (b"" when nothing was drawn)."""
        if self.is_empty():
            return b""
        image = QImage(self.size() * scale, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        self._paint(painter, scale)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 takes str
        buffer.close()
        return bytes(data.data())
