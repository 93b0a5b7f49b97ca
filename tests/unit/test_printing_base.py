"""The shared printing pieces: names in any European script come out as real, searchable text; pages carry
the header and "Page X of Y"; A4 and Letter are honoured and anything else is refused with a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from sfa_desktop.printing.base import MARGIN, numbered_canvas, page_size, styles

NAMES = "Søren Ødegaard, Łukasz Wróbel, Zoë Brontë, Ñandú Peña, Ελένη Παππά, Дмитрий Орлов"


def _build(path: Path, size: str, pages: int) -> None:
    doc = SimpleDocTemplate(
        str(path), pagesize=page_size(size), leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN * 1.5
    )
    story: list[object] = []
    for number in range(pages):
        story += [Paragraph(f"Visit {number + 1}", styles()["h1"]), Paragraph(NAMES, styles()["body"])]
        if number + 1 < pages:
            story.append(PageBreak())
    doc.build(story, canvasmaker=numbered_canvas("Call sheet — Daniel Okafor", "Tue 24 Nov 2026"))


@pytest.mark.parametrize(("size", "width", "height"), [("A4", 595, 842), ("Letter", 612, 792)])
def test_pages_carry_text_header_and_numbers(tmp_path: Path, size: str, width: int, height: int) -> None:
    path = tmp_path / "doc.pdf"
    _build(path, size, pages=3)
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    for number, page in enumerate(reader.pages, start=1):
        assert round(float(page.mediabox.width)) == width
        assert round(float(page.mediabox.height)) == height
        text = page.extract_text()
        assert f"Page {number} of 3" in text
        assert "Call sheet — Daniel Okafor" in text
        assert f"Visit {number}" in text
        for name in NAMES.split(", "):
            assert name in text  # real text in the bundled font, not boxes


def test_unknown_page_size_is_refused() -> None:
    with pytest.raises(ValueError, match="use A4 or Letter"):
        page_size("A5")
