"""Paragraph styles of forms such as the call sheet, built on :func:`sfa_desktop.printing.base.styles`."""

from __future__ import annotations

from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from sfa_desktop.printing.base import ACCENT, FONT, FONT_BOLD, INK, MUTED, styles

#: Light fills: the summary band and block headers.
PALE = colors.HexColor("#eff6ff")
SOFT = colors.HexColor("#f8fafc")


@cache
def _all() -> dict[str, ParagraphStyle]:
    base = styles()
    body = base["body"]
    cell = ParagraphStyle("cell", body, fontSize=8.5, leading=10.5)
    return {
        **base,
        "cover_subtitle": ParagraphStyle(
            "cover_subtitle", base["subtitle"], fontSize=12, leading=15, spaceAfter=0, alignment=TA_RIGHT
        ),
        "figure": ParagraphStyle(
            "figure", body, fontName=FONT_BOLD, fontSize=15, leading=17, textColor=ACCENT
        ),
        "figure_label": ParagraphStyle("figure_label", body, fontSize=8, leading=10, textColor=MUTED),
        "day": ParagraphStyle(
            "day", body, fontName=FONT_BOLD, fontSize=12.5, leading=15, spaceBefore=7, spaceAfter=1
        ),
        "cover_h": ParagraphStyle(
            "cover_h",
            body,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=5,
            spaceAfter=2,
            textColor=ACCENT,
        ),
        "cell": cell,
        "cell_muted": ParagraphStyle("cell_muted", cell, textColor=MUTED),
        "cell_right": ParagraphStyle("cell_right", cell, alignment=TA_RIGHT),
        "number": ParagraphStyle("number", cell, fontName=FONT_BOLD, fontSize=10, textColor=ACCENT),
        "label": ParagraphStyle(
            "label",
            body,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=9,
            textColor=ACCENT,
            spaceBefore=2.5,
            spaceAfter=0.8,
        ),
        "label_tight": ParagraphStyle(
            "label_tight",
            body,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=9,
            textColor=ACCENT,
            spaceBefore=0,
            spaceAfter=0,
        ),
        # a label and its text on one line (a section with nothing to show)
        "label_line": ParagraphStyle("label_line", body, fontSize=8.5, leading=10.2, spaceBefore=2.5),
        "block_title": ParagraphStyle("block_title", body, fontName=FONT_BOLD, fontSize=11.5, leading=13.5),
        "block_meta": ParagraphStyle("block_meta", body, fontSize=8.5, leading=10.5, textColor=MUTED),
        "block_right": ParagraphStyle(
            "block_right",
            body,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=14,
            alignment=TA_RIGHT,
            textColor=INK,
        ),
        "block_right_small": ParagraphStyle(
            "block_right_small", body, fontSize=8, leading=10, alignment=TA_RIGHT, textColor=MUTED
        ),
        "text": ParagraphStyle("text", body, fontSize=8.5, leading=10.2),
        "first": ParagraphStyle("first", body, fontSize=8.5, leading=10.2, spaceBefore=3),
        "deal": ParagraphStyle("deal", body, fontSize=8.5, leading=10.2, spaceAfter=0.8),
        "past": ParagraphStyle("past", body, fontSize=8.5, leading=10.2, spaceAfter=0.8),
        "script": ParagraphStyle(
            "script",
            body,
            fontName="DejaVuSans-Oblique",
            fontSize=8.5,
            leading=10.2,
            textColor=INK,
            leftIndent=7,
            bulletIndent=0,
        ),
        "item": ParagraphStyle("item", body, fontSize=8.5, leading=10.2, leftIndent=7, bulletIndent=0),
        "small_muted": ParagraphStyle(
            "small_muted", body, fontName=FONT, fontSize=7.5, leading=9.5, textColor=MUTED
        ),
    }


def style(name: str) -> ParagraphStyle:
    return _all()[name]
