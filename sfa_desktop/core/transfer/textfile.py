"""Reading a file a person chose to import: what it really holds, its encoding, its separator, its rows.

* The content decides, not the extension: vCards in a .csv file are read as vCards; a spreadsheet, a PDF, an
  archive or any other binary file is refused with a message that says what it seems to be and what to do.
* Encodings: a byte-order mark says UTF-8 or UTF-16; UTF-16 without one is recognised by its zero bytes;
  otherwise UTF-8 when the bytes are valid UTF-8, else Windows-1252.  A file whose lines mix UTF-8 and
  Windows-1252 (two exports pasted together) is decoded line by line, and the lines read as Windows-1252
  are named.
* Separators: comma, semicolon, tab or vertical bar, whichever splits the first lines most consistently.
* Rows keep their line number (of the first line, for values that span lines).  Ragged rows, quotes that do
  not close and huge cells become per-row problems; nothing here raises on content but :class:`FileError`
  for a file that cannot be read at all.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sfa_desktop.core.errors import UserError

#: Cells longer than this are refused (a notes field pasted with a whole document).
MAX_CELL = 100_000
#: The csv module refuses fields longer than its limit with an error; let it read them and refuse them here.
csv.field_size_limit(64 * 1024 * 1024)
SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls, .doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3", "an SQLite database"),
    (b"{\\rtf", "a Rich Text document"),
)


class FileError(UserError, ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


def separator_name(separator: str) -> str:
    return _SEPARATOR_NAMES.get(separator, repr(separator))


@dataclass
class Decoded:
    text: str
    encoding: str  # as a person reads it: "UTF-8", "UTF-8 with BOM", "UTF-16", "Windows-1252"
    notes: list[str] = field(default_factory=list)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0) / len(sample[0::2])
    odd_zero = sample[1::2].count(0) / max(len(sample[1::2]), 1)
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _binary_kind(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return "a binary file" if b"\x00" in data[:4000] else None


def decode(data: bytes, name: str = "the file") -> Decoded:
    """Text of an import file, with the encoding it was read in.  FileError when it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(data[3:], "utf-8", name), "UTF-8 with BOM")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(_strict(data, "utf-16", name), "UTF-16")
    bomless = _utf16_without_bom(data)
    if bomless is not None:
        return Decoded(_strict(data, bomless, name), "UTF-16")
    kind = _binary_kind(data)
    if kind is not None:
        raise FileError(
            f"{name} is not a text file: it looks like {kind}. Save the data as CSV (in a spreadsheet: "
            "File > Save As > CSV UTF-8) or as vCards (.vcf) and import that file."
        )
    try:
        return Decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8_lines = cp1252_lines = 0
    texts: list[str] = []
    fallback: list[int] = []
    for number, line in enumerate(lines, start=1):
        try:
            texts.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            texts.append(line.decode("cp1252", errors="replace"))
            cp1252_lines += 1
            fallback.append(number)
    undefined = _undefined_cp1252(lines, fallback if utf8_lines else range(1, len(lines) + 1))
    if utf8_lines == 0:
        return Decoded(data.decode("cp1252", errors="replace"), "Windows-1252", undefined)
    shown = _lines(fallback)
    note = (
        f"The file mixes encodings: most of it is UTF-8, but {cp1252_lines} line(s) are not ({shown}); "
        "those were read as Windows-1252. Check their accented letters in the preview."
    )
    return Decoded("\n".join(texts), "UTF-8 and Windows-1252 (mixed)", [note, *undefined])


#: Bytes Windows-1252 leaves undefined: decoded as U+FFFD, which a person must be told about.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _lines(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers[:10]) + (", ..." if len(numbers) > 10 else "")


def _undefined_cp1252(lines: Sequence[bytes], read: Iterable[int]) -> list[str]:
    """A note naming the lines (of those read as Windows-1252) that hold bytes it does not define."""
    found = [n for n in read if not _CP1252_UNDEFINED.isdisjoint(lines[n - 1])]
    if not found:
        return []
    codes = sorted({f"0x{b:02X}" for n in found for b in lines[n - 1] if b in _CP1252_UNDEFINED})
    return [
        f"{len(found)} line(s) ({_lines(found)}) hold bytes that Windows-1252 does not define "
        f"({', '.join(codes)}); each was read as \ufffd. The file may be in another encoding: save it "
        "as CSV UTF-8 and import it again, or correct those values after the import."
    ]


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileError(
            f"{name} says it is {encoding.upper()} but byte {exc.start} is not: the file is damaged. "
            "Export it again."
        ) from None


def looks_like_vcard(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:11].upper() == "BEGIN:VCARD"


def _quoted_free(line: str) -> str:
    """The line without what is inside double quotes (separators there do not separate)."""
    out, inside = [], False
    for ch in line:
        if ch == '"':
            inside = not inside
        elif not inside:
            out.append(ch)
    return "".join(out)


def detect_separator(lines: Sequence[str]) -> str:
    """The separator that splits the first lines into the same, largest number of columns."""
    sample = [_quoted_free(line) for line in lines if line.strip()][:20]
    if not sample:
        return ","
    best, best_score = ",", -1.0
    for separator in SEPARATORS:
        counts = [line.count(separator) for line in sample]
        if counts[0] == 0:
            continue
        consistent = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = consistent * 100 + min(counts[0], 50)
        if score > best_score:
            best, best_score = separator, score
    return best


@dataclass(slots=True)
class Row:
    line: int  # the file line the row starts on
    cells: list[str]
    problem: str | None = None  # why the row cannot be read as it is


@dataclass
class Table:
    header: list[str]
    header_line: int
    rows: list[Row]
    separator: str


#: One line of text as ``open(newline="")`` splits it: ended by \r\n, \r or \n, or the last line.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LINE_BYTES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _text_lines(text: str | bytes, start: int) -> Iterator[tuple[int, str]]:
    """The lines of ``text`` from offset ``start``, each with the offset where it ends.  ``text`` may be
    UTF-8 bytes (a file's text held one byte a character where a str of any letter beyond Latin-1 takes
    two or four): each line is decoded as it is read (no UTF-8 sequence holds a \r or \n byte)."""
    if isinstance(text, bytes):
        for found in _LINE_BYTES.finditer(text, start):
            yield found.end(), found.group().decode("utf-8", "surrogatepass")
    else:
        for match in _LINE.finditer(text, start):
            yield match.end(), match.group()


def encoded(text: str) -> bytes:
    """Text as the UTF-8 bytes :func:`scan_table`, :func:`row_at` and :func:`iter_rows` also read."""
    return text.encode("utf-8", "surrogatepass")


def _records(
    text: str | bytes, separator: str, start: int = 0, line: int = 1
) -> Iterator[tuple[int, int, int, list[str]]]:
    """Every CSV record of ``text`` from offset ``start`` (on line ``line``), empty ones too: (its offset,
    first line, last line, cells).  Lines are cut from the text as the csv module asks for them, so no copy
    of the text is made (``io.StringIO`` would hold it four bytes a character)."""
    pos = start

    def lines() -> Iterator[str]:
        nonlocal pos
        for end, got in _text_lines(text, start):
            pos = end
            yield got

    reader = csv.reader(lines(), delimiter=separator)
    at, last = start, line - 1
    try:
        for cells in reader:
            first, last = last + 1, line - 1 + reader.line_num
            yield at, first, last, cells
            at = pos
    except csv.Error as exc:  # a NUL byte or the like
        raise FileError(
            f"The file cannot be read as CSV near line {line + reader.line_num}: {exc}."
        ) from None


@dataclass
class TableScan:
    """Where the rows of a CSV text are, without the rows: each row is read again when it is asked for
    (:func:`row_at`, :func:`iter_rows`), so a file of 200,000 rows is never held as 200,000 lists."""

    header: list[str]
    header_line: int
    separator: str
    offsets: array[int]  # where each row starts in the text (in bytes, for UTF-8 bytes)
    lines: array[int]  # the file line each row starts on


def scan_table(
    text: str | bytes, separator: str | None = None, is_header: Callable[[list[str]], bool] | None = None
) -> TableScan:
    """The header of CSV text (a str, or its :func:`encoded` bytes) and where its rows start.
    ``is_header`` picks the header among the first lines (some exports start with notes); otherwise the
    first non-empty line is the header."""
    if separator is None:
        separator = detect_separator(
            [got.rstrip("\r\n") for _end, got in itertools.islice(_text_lines(text, 0), 40)]
        )
    start: list[tuple[int, int, int, list[str]]] = []
    header: list[str] | None = None
    first = 0
    offsets, lines = array("q"), array("q")
    for record in _records(text, separator):
        if not any(c.strip() for c in record[3]):
            continue
        if header is not None:
            offsets.append(record[0])
            lines.append(record[1])
            continue
        start.append(record)
        if len(start) == 12:
            header, first = _header(start, is_header, offsets, lines)
    if header is None:
        if not start:
            raise FileError("The file is empty: there is no header and no data. Choose another file.")
        header, first = _header(start, is_header, offsets, lines)
    return TableScan(header, first, separator, offsets, lines)


def row_at(text: str | bytes, scan: TableScan, number: int) -> Row:
    """Row ``number`` (from 0) of a scanned table, read again from the text."""
    _at, first, last, cells = next(_records(text, scan.separator, scan.offsets[number], scan.lines[number]))
    return _checked((first, last, cells), len(scan.header))


def iter_rows(text: str | bytes, scan: TableScan) -> Iterator[Row]:
    """Every row of a scanned table, in file order, read as a stream."""
    if not scan.offsets:
        return
    columns = len(scan.header)
    for _at, first, last, cells in _records(text, scan.separator, scan.offsets[0], scan.lines[0]):
        if any(c.strip() for c in cells):
            yield _checked((first, last, cells), columns)


def read_table(
    text: str, separator: str | None = None, is_header: Callable[[list[str]], bool] | None = None
) -> Table:
    """Split CSV text into a header and rows (all of them in memory; imports use :func:`scan_table`)."""
    scan = scan_table(text, separator, is_header)
    return Table(scan.header, scan.header_line, list(iter_rows(text, scan)), scan.separator)


def _header(
    start: list[tuple[int, int, int, list[str]]],
    is_header: Callable[[list[str]], bool] | None,
    offsets: array[int],
    lines: array[int],
) -> tuple[list[str], int]:
    """The header among the first records (the first, unless ``is_header`` picks another) and its line;
    the records below it are filed as rows."""
    at = 0
    if is_header is not None:
        at = next((i for i, r in enumerate(start) if is_header(r[3])), 0)
    _offset, first, _last, cells = start[at]
    header = [h.strip().lstrip("\ufeff") for h in cells]
    for offset, line, _end, _cells in start[at + 1 :]:
        offsets.append(offset)
        lines.append(line)
    return header, first


def _checked(record: tuple[int, int, list[str]], columns: int) -> Row:
    first, last, cells = record
    row = Row(first, cells)
    long = next((i for i, c in enumerate(cells) if len(c) > MAX_CELL), None)
    if long is not None:
        row.problem = (
            f"value {long + 1} is {len(cells[long]):,} characters long; an import takes at most "
            f"{MAX_CELL:,} per value. Shorten it, or remove the row and enter it by hand."
        )
        row.cells = [c[:200] for c in cells]
    elif last > first and len(cells) != columns:
        row.problem = (
            f'a quote (") opened on line {first} does not close where it should: lines {first} to {last} '
            "were read as one row. Check the quotes on that line."
        )
    elif len(cells) > columns and any(c.strip() for c in cells[columns:]):
        row.problem = (
            f"the row has {len(cells)} values but the header names {columns} columns; a separator inside a "
            "value must be quoted."
        )
    elif len(cells) != columns:
        row.cells = (cells + [""] * columns)[:columns]  # missing trailing values are empty
    return row
