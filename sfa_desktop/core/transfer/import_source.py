"""An import file, read: its format (CSV or vCards, by content), encoding, separator, header and rows.

:func:`read_source` never raises on the content of a row (a bad row carries its problem); it raises
:class:`~sfa_desktop.core.transfer.textfile.FileError` only for a file that cannot be imported at all (not
text, no
rows, only a header), with a message that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from sfa_desktop.core.records import columns
from sfa_desktop.core.transfer import textfile, vcards
from sfa_desktop.core.transfer.textfile import FileError

#: Files larger than this are refused (a wrong file chosen, most likely).
MAX_BYTES = 512 * 1024 * 1024


@dataclass(slots=True)
class SourceRow:
    line: int
    cells: list[str]  # CSV: the row's values, one per header column; vCard: empty
    card: dict[str, str] | None = None  # vCard: field values read from the card
    text: str = ""  # vCard: the card as written in the file (for the rejects file)
    problem: str | None = None


class CsvRows(Sequence[SourceRow]):
    """The rows of a CSV file, read from its text when asked for: the file is held once, as UTF-8 bytes
    (:func:`~sfa_desktop.core.transfer.textfile.encoded`), with where each row starts; iterating reads them
    as a stream (an import's two passes: plan, then run)."""

    def __init__(self, text: bytes, scan: textfile.TableScan) -> None:
        self._text = text
        self._scan = scan

    def __len__(self) -> int:
        return len(self._scan.offsets)

    @overload
    def __getitem__(self, index: int) -> SourceRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[SourceRow]: ...

    def __getitem__(self, index: int | slice) -> SourceRow | list[SourceRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row out of range")
        row = textfile.row_at(self._text, self._scan, index)
        return SourceRow(row.line, row.cells, problem=row.problem)

    def __iter__(self) -> Iterator[SourceRow]:
        for row in textfile.iter_rows(self._text, self._scan):
            yield SourceRow(row.line, row.cells, problem=row.problem)


@dataclass
class Source:
    name: str
    format: str  # "csv" | "vcard"
    encoding: str
    separator: str | None
    headers: list[str]
    rows: Sequence[SourceRow]  # CSV: CsvRows, read from the text when asked for
    kind: str  # the record kind it most likely holds
    detected: str | None = None  # the export it was recognised as: "Salesforce", "Outlook"...
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = (
            "vCards" if self.format == "vcard" else f"CSV, {textfile.separator_name(self.separator or ',')}s"
        )
        origin = f", from {self.detected}" if self.detected else ""
        noun = "card" if self.format == "vcard" else "row"
        count = len(self.rows)
        return f"{count:,} {noun}{'s' if count != 1 else ''} ({what}, {self.encoding}{origin})"


def read_path(path: Path, kind: str | None = None) -> Source:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileError(f"Cannot read {path}: {exc.strerror}.") from None
    if path.is_dir():
        raise FileError(f"{path} is a folder; choose a CSV or vCard file.")
    if size > MAX_BYTES:
        raise FileError(f"{path.name} is {size / 2**20:,.0f} MB; an import takes files up to 512 MB.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"Cannot read {path}: {exc.strerror}.") from None
    return read_source(data, path.name, kind)


def read_source(data: bytes, name: str, kind: str | None = None) -> Source:
    """Read an import file's bytes (``name`` is shown in messages; its extension is only a hint)."""
    if not data.strip():
        raise FileError(f"{name} is empty. Choose a file that holds records.")
    decoded = textfile.decode(data, name)
    notes = list(decoded.notes)
    suffix = Path(name).suffix.lower()
    if textfile.looks_like_vcard(decoded.text):
        if suffix not in (".vcf", ".vcard"):
            notes.append(f"{name} holds vCards (not {suffix.lstrip('.').upper() or 'CSV'}): read as vCards.")
        return _cards(name, decoded, kind or "contacts", notes)
    if suffix in (".vcf", ".vcard"):
        notes.append(f"{name} holds no vCards; it was read as CSV.")
    text = textfile.encoded(decoded.text)  # one byte a character, where a str may take two or four
    encoding = decoded.encoding
    del decoded
    table = textfile.scan_table(text, is_header=columns.looks_like_header)
    if not table.offsets:
        raise FileError(
            f"{name} has a header ({', '.join(table.header[:4])}{', ...' if len(table.header) > 4 else ''}) "
            "but no rows. Export the records again with their data."
        )
    if table.header_line > 1:
        notes.append(f"The header is on line {table.header_line}; the lines above it were skipped.")
    rows = CsvRows(text, table)
    guessed = kind or columns.guess_kind(table.header)
    return Source(
        name,
        "csv",
        encoding,
        table.separator,
        table.header,
        rows,
        guessed,
        columns.detect_source(table.header),
        notes,
    )


def _cards(name: str, decoded: textfile.Decoded, kind: str, notes: list[str]) -> Source:
    cards = vcards.read_cards(decoded.text, kind)
    if not cards:
        raise FileError(f"{name} holds no complete vCard. Export the contacts again.")
    rows = [SourceRow(c.line, [], c.values, c.text, c.problem) for c in cards]
    return Source(name, "vcard", decoded.encoding, None, [], rows, kind, None, notes)


def reread_cards(source: Source, kind: str) -> Source:
    """The same vCards read for another kind of record (a card's fields differ per kind)."""
    if source.format != "vcard" or kind == source.kind:
        return source
    rows = []
    for row in source.rows:
        if row.problem is None and row.text:
            card = vcards.read_cards(row.text, kind)[0]
            rows.append(SourceRow(row.line, [], card.values, row.text, card.problem))
        else:
            rows.append(row)
    return Source(source.name, "vcard", source.encoding, None, [], rows, kind, None, source.notes)
