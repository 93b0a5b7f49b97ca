"""What every printed document shares: a font that covers the names in our data, page sizes, paragraph
styles, and a page header and footer with "Page X of Y".

reportlab's built-in fonts cover Latin-1 only (no "Łukasz", no "Zoë" in some encodings, no Greek or
Cyrillic), so documents use DejaVu Sans, bundled in ``resources/fonts`` (Bitstream Vera license).  Text is
real text: a PDF reader can search and copy it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from sfa_desktop.core.resources import resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "Letter": LETTER}
MARGIN = 16 * mm
INK = colors.HexColor("#1e293b")
MUTED = colors.HexColor("#64748b")
ACCENT = colors.HexColor("#2563eb")
RULE = colors.HexColor("#cbd5e1")


@cache
def register_fonts() -> None:
    """Make the DejaVu family known to reportlab (once per process); ``<b>`` and ``<i>`` in paragraphs
    pick the bold and oblique faces."""
    folder = resources_dir() / "fonts"
    for name in (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )


def page_size(name: str) -> tuple[float, float]:
    """The page size of a ``page_size`` setting: A4 or Letter."""
    try:
        return PAGE_SIZES[name]
    except KeyError:
        raise ValueError(f"Unknown page size '{name}': use A4 or Letter.") from None


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of our documents, by name: title, subtitle, h1, h2, body, small, muted."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=22, leading=27, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=11, leading=15, textColor=MUTED, spaceAfter=10),
        "h1": ParagraphStyle(
            "h1", base, fontName=FONT_BOLD, fontSize=14, leading=18, spaceBefore=8, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "h2", base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=2
        ),
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=8, leading=10),
        "muted": ParagraphStyle("muted", base, fontSize=8, leading=10, textColor=MUTED),
    }


def numbered_canvas(header_left: str, header_right: str = "") -> Callable[..., Canvas]:
    """A canvas class for ``doc.build(..., canvasmaker=...)`` that draws a header (two texts and a rule) and
    "Page X of Y" on every page; the total is known only at the end, so pages are drawn then."""
    register_fonts()

    class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(MUTED)
            top = height - MARGIN + 5 * mm
            self.drawString(MARGIN, top, header_left)
            if header_right:
                self.drawRightString(width - MARGIN, top, header_right)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
            self.drawRightString(width - MARGIN, MARGIN - 8 * mm, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return _NumberedCanvas
