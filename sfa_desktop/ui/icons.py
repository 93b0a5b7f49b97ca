"""Icons and the style sheet from the ``resources/`` folder, found robustly wherever the app runs from.

Icons are single-colour SVG line drawings using ``currentColor``; :func:`icon` renders them in the colour
asked for at the usual sizes (crisp at any device pixel ratio) and caches the result.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from sfa_desktop.core.resources import resources_dir

DEFAULT_COLOR = "#5b6472"
_SIZES = (16, 20, 24, 32, 48)


def apply_style(app: QApplication) -> None:
    """The application's look: the style sheet plus the palette colours a style sheet cannot reach."""
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#a3acb9"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2563eb"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1e293b"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1e293b"))
    app.setPalette(palette)
    app.setStyleSheet(style_sheet())


def style_sheet() -> str:
    """The application style sheet, with ``@ICONS@`` pointing at the icons folder."""
    text = (resources_dir() / "style.qss").read_text(encoding="utf-8")
    return text.replace("@ICONS@", (resources_dir() / "icons").as_posix())


@cache
def icon(name: str, color: str = DEFAULT_COLOR) -> QIcon:
    svg = (resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", color).encode()))
    result = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result
