"""Small drawn pieces of printed forms: tick boxes with labels and ruled lines to write on.  Labels are
drawn as real text (a PDF reader finds them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from sfa_desktop.printing.base import FONT, FONT_BOLD, INK, MUTED, RULE

BOX = 3.4 * mm


class TickBoxes(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Labels each after an empty square, in as many rows as the width needs; with ``grid``, in aligned
    columns as wide as the widest label (as many as fit), filled row by row."""

    def __init__(
        self,
        labels: Sequence[str],
        *,
        font_size: float = 8.5,
        gap: float = 5 * mm,
        grid: bool = False,
        row_height: float = BOX + 2.6 * mm,
    ) -> None:
        super().__init__()
        self.labels = list(labels)
        self.font_size = font_size
        self.gap = gap
        self.grid = grid
        self.row_height = row_height
        self._rows: list[list[tuple[float, str]]] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        widths = [BOX + 1.8 * mm + stringWidth(label, FONT, self.font_size) for label in self.labels]
        self._rows = [[]]
        if self.grid:
            cell = max(widths, default=0.0) + self.gap
            columns = max(1, int((available_width + self.gap) // cell))
            for number, label in enumerate(self.labels):
                if number and number % columns == 0:
                    self._rows.append([])
                self._rows[-1].append(((number % columns) * cell, label))
        else:
            x = 0.0
            for label, width in zip(self.labels, widths, strict=True):
                if x and x + width > available_width:
                    self._rows.append([])
                    x = 0.0
                self._rows[-1].append((x, label))
                x += width + self.gap
        self.width = available_width
        self.height = len(self._rows) * self.row_height
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.saveState()
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.7)
        canvas.setFont(FONT, self.font_size)
        canvas.setFillColor(INK)
        line_height = self.row_height
        for number, row in enumerate(self._rows):
            y = self.height - (number + 1) * line_height + (line_height - BOX) / 2
            for x, label in row:
                canvas.rect(x, y, BOX, BOX, stroke=1, fill=0)
                canvas.drawString(x + BOX + 1.8 * mm, y + 0.7 * mm, label)
        canvas.restoreState()


class WritingLines(Flowable):  # type: ignore[misc]
    """``count`` ruled lines to write on, with an optional label in front of the first."""

    def __init__(self, count: int, *, label: str = "", spacing: float = 7.5 * mm) -> None:
        super().__init__()
        self.count = count
        self.label = label
        self.spacing = spacing

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.count * self.spacing
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        start = 0.0
        if self.label:
            canvas.setFont(FONT, 8)
            canvas.setFillColor(MUTED)
            canvas.drawString(0, self.height - self.spacing + 1.2 * mm, self.label)
            start = stringWidth(self.label, FONT, 8) + 2 * mm
        for number in range(self.count):
            y = self.height - (number + 1) * self.spacing + 0.6 * mm
            canvas.line(start if number == 0 else 0, y, self.width, y)
        canvas.restoreState()


class NotesFill(WritingLines):
    """Ruled lines down to the bottom of the page when what comes next (``next_height`` points high) will
    not fit below: the paper a page break would leave blank becomes room for notes.  Takes no room when
    the next block fits, or when less than two lines are left."""

    def __init__(self, next_height: float, *, label: str = "More notes", spacing: float = 6.3 * mm) -> None:
        super().__init__(0, label=label, spacing=spacing)
        self.next_height = next_height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        room = available_height - 3 * mm  # a margin above the page's footer
        fits = available_height >= self.next_height
        self.count = 0 if fits or room < 2 * self.spacing else int(room // self.spacing)
        return super().wrap(available_width, available_height)


def block_height(flowables: Sequence[Any], width: float) -> float:
    """The height a list of flowables takes at this width, their space before and after included (as
    ``KeepTogether`` measures them)."""
    total = 0.0
    for flowable in flowables:
        _w, height = flowable.wrap(width, 1e6)
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


class Badge(Flowable):  # type: ignore[misc]
    """A short text (the call's number) in white on a filled circle."""

    def __init__(self, text: str, *, color: colors.Color, size: float = 8 * mm) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.fill = color

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.saveState()
        canvas.setFillColor(self.fill)
        radius = self.size / 2
        canvas.circle(radius, radius, radius, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        font_size = (11 if len(self.text) < 3 else 8.5) * min(1.0, self.size / (8 * mm))
        canvas.setFont(FONT_BOLD, font_size)
        canvas.drawCentredString(radius, radius - font_size * 0.36, self.text)
        canvas.restoreState()


class Para(Paragraph):  # type: ignore[misc]
    """A Paragraph that breaks its lines once per width.

    Laying out a form wraps each paragraph several times at the same width (keeping a block together
    measures it, the table sizes its rows, the frame places it); breaking lines is most of the cost, and
    what ``wrap`` computes depends on the width alone, so the result is kept for that width."""

    _wrapped_width: float | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        known = self._wrapped_width
        # the same width, give or take rounding (a table cell's width is its column's less the paddings)
        if known is not None and abs(known - available_width) < 1e-6 and "blPara" in self.__dict__:
            return self.width, self.height
        result: tuple[float, float] = super().wrap(available_width, available_height)
        self._wrapped_width = available_width
        return result
