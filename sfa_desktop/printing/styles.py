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
        "cover_subtitle": ParagraphStyle("cover_subtitle", base["subtitle"], fontSize=13, leading=17),
        "figure": ParagraphStyle(
            "figure", body, fontName=FONT_BOLD, fontSize=17, leading=20, textColor=ACCENT
        ),
        "figure_label": ParagraphStyle("figure_label", body, fontSize=8, leading=10, textColor=MUTED),
        "day": ParagraphStyle(
            "day", body, fontName=FONT_BOLD, fontSize=13, leading=17, spaceBefore=10, spaceAfter=2
        ),
        "cover_h": ParagraphStyle(
            "cover_h",
            body,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=6,
            spaceAfter=3,
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
            spaceBefore=5,
            spaceAfter=1.5,
        ),
        "block_title": ParagraphStyle("block_title", body, fontName=FONT_BOLD, fontSize=13.5, leading=16.5),
        "block_meta": ParagraphStyle("block_meta", body, fontSize=8.5, leading=11, textColor=MUTED),
        "block_right": ParagraphStyle(
            "block_right",
            body,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=15.5,
            alignment=TA_RIGHT,
            textColor=INK,
        ),
        "block_right_small": ParagraphStyle(
            "block_right_small", body, fontSize=8, leading=10, alignment=TA_RIGHT, textColor=MUTED
        ),
        "text": ParagraphStyle("text", body, fontSize=8.5, leading=10.6),
        "deal": ParagraphStyle("deal", body, fontSize=8.5, leading=10.6, spaceAfter=1.5),
        "script": ParagraphStyle(
            "script",
            body,
            fontName="DejaVuSans-Oblique",
            fontSize=8.5,
            leading=11,
            textColor=INK,
            leftIndent=6,
        ),
        "item": ParagraphStyle("item", body, fontSize=8.5, leading=11, leftIndent=9, bulletIndent=1),
        "small_muted": ParagraphStyle(
            "small_muted", body, fontName=FONT, fontSize=7.5, leading=9.5, textColor=MUTED
        ),
    }


def style(name: str) -> ParagraphStyle:
    return _all()[name]
