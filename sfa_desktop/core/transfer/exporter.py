"""Exporting contacts, leads or accounts as CSV or vCards.

The CSV has one column per field, headed with the field's label as the forms show it, plus the account
(for contacts), owner and territory by name and the record's id: this app's import recognises every one
of them, so an export can be edited in a spreadsheet and imported again (the id then finds the record).
It is written in the app's one CSV dialect (:mod:`sfa_desktop.core.csvfiles`: UTF-8 with a byte-order mark,
CRLF, and text cells that a spreadsheet would read as a formula, phone numbers among them, neutralised).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import csvfiles
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records.columns import IMPORT_KINDS
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.transfer import vcards

FORMATS = ("csv", "vcard")
_SKIPPED = {"account_id", "owner_id", "territory_id"}
_PAGE = 2000


def _columns(kind: str) -> list[tuple[str, str]]:
    """(header, SQL expression) of every exported column."""
    ent = ENTITIES[kind]
    found: list[tuple[str, str]] = []
    for spec in ent.fields:
        if spec.name == "account_id":
            found.append(("Account", "(SELECT a.name FROM accounts a WHERE a.id = r.account_id)"))
        elif spec.name == "owner_id":
            found.append(("Owner", "(SELECT u.full_name FROM users u WHERE u.id = r.owner_id)"))
        elif spec.name == "territory_id":
            found.append(("Territory", "(SELECT t.name FROM territories t WHERE t.id = r.territory_id)"))
        elif spec.name not in _SKIPPED:
            found.append((spec.label, f"r.{spec.name}"))
    found.append(("ID", "r.id"))
    return found


def _check(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise ValueError(f"exports are of {', '.join(IMPORT_KINDS)}, not {kind!r}")


def count(session: Session, kind: str) -> int:
    _check(kind)
    return int(session.execute(text(f"SELECT count(*) FROM {kind} WHERE deleted_at IS NULL")).scalar_one())


def _rows(session: Session, kind: str, exprs: list[str], order: str) -> Iterator[tuple[Any, ...]]:
    sql = f"SELECT {', '.join(exprs)} FROM {kind} r WHERE r.deleted_at IS NULL ORDER BY {order}, r.id"
    # streamed a page at a time: an export of 200,000 records never holds them all
    for row in session.execute(text(sql), execution_options={"yield_per": _PAGE}):
        yield tuple(row)


def _order(kind: str) -> str:
    return "r.name COLLATE NOCASE" if kind == "accounts" else "r.last_name COLLATE NOCASE, r.first_name"


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind in ("int", "float", "money"):
        return value  # a number stays a number (a negative one is not a formula)
    return csvfiles.cell(str(value))


def write_csv(session: Session, kind: str, out: TextIO, progress: Progress | None = None) -> int:
    """Every live record of ``kind`` as CSV into ``out`` (open it with newline='' and utf-8-sig)."""
    _check(kind)
    progress = progress or Progress()
    ent = ENTITIES[kind]
    cols = _columns(kind)
    kinds = [next((f.kind for f in ent.fields if f"r.{f.name}" == expr), "text") for _h, expr in cols]
    writer = csvfiles.writer(out)
    writer.writerow(csvfiles.row(header for header, _e in cols))
    total = count(session, kind)
    written = 0
    for row in _rows(session, kind, [e for _h, e in cols], _order(kind)):
        writer.writerow([_cell(v, k) for v, k in zip(row, kinds, strict=True)])
        written += 1
        if written % _PAGE == 0:
            progress.step("Exporting", written, total)
    progress.step("Exporting", written, max(total, written))
    return written


def write_vcards(
    session: Session, kind: str, out: TextIO, version: str = "3.0", progress: Progress | None = None
) -> int:
    """Every live record of ``kind`` as vCards of ``version`` into ``out`` (open it with newline='')."""
    _check(kind)
    if version not in vcards.VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(vcards.VERSIONS)}")
    progress = progress or Progress()
    names = [f.name for f in ENTITIES[kind].fields if f.name not in _SKIPPED and f.kind != "bool"]
    if kind == "contacts":
        company = "(SELECT a.name FROM accounts a WHERE a.id = r.account_id)"
    elif kind == "leads":
        company = "r.company"
        names.remove("company")
    else:
        company = "r.name"
    exprs = [f"r.{n}" for n in names] + [company]
    total = count(session, kind)
    written = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal written
        for row in _rows(session, kind, exprs, _order(kind)):
            record = dict(zip([*names, "company"], row, strict=True))
            written += 1
            if written % _PAGE == 0:
                progress.step("Exporting", written, total)
            yield record

    for card in vcards.write_cards(records(), kind, version):
        out.write(card)
    progress.step("Exporting", written, max(total, written))
    return written
