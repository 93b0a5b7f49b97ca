"""The one dialect of every CSV file the app writes (record exports, lists, reports, rejected rows).

* UTF-8 with a byte-order mark (spreadsheet programs need it to show accents right) and CRLF line ends
  (RFC 4180): open the file with :func:`open_for_writing`, write rows through :func:`writer`.
* Safe to open in a spreadsheet (OWASP's CSV injection): a text cell that starts with =, +, -, @, a tab or a
  carriage return would be read as a formula, so it is written with an apostrophe before it ('=1+2).  The
  same keeps phone numbers (+14186569254) text, not numbers a spreadsheet rounds to 1.42E+10.  Numbers
  (amounts, counts) are written as they are.  :func:`read_cell` takes the apostrophe off again on import,
  so an export imports back exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

ENCODING = "utf-8-sig"
LINE_END = "\r\n"
#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARK = "'"


def open_for_writing(path: Path) -> TextIO:
    return path.open("w", encoding=ENCODING, newline="")


def writer(out: TextIO) -> Any:
    """A csv writer in the app's dialect (rows of cells already made safe with :func:`cell`)."""
    return csv.writer(out, lineterminator=LINE_END)


def cell(value: Any) -> Any:
    """A text cell made safe to open in a spreadsheet; numbers and empty cells are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return _MARK + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def read_cell(text: str) -> str:
    """A cell as read back: the apostrophe :func:`cell` put before a formula character taken off."""
    if text.startswith(_MARK) and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
