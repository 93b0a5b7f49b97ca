"""Issue 13, items 13 and 14: every CSV the app writes is in one dialect (UTF-8 with a BOM, CRLF) and safe
to open in a spreadsheet (OWASP CSV injection): formulas are neutralised, phones stay text, numbers stay
numbers, and an export still imports back exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core import csvfiles
from sfa_desktop.core.records import services
from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.transfer import exporter, import_source, importer
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store.database import LocalStore

HOSTILE = {
    "first_name": '=HYPERLINK("http://evil.example","x")',
    "last_name": "+Doe",
    "title": "-2+3",
    "notes": "@SUM(A1:A9)",
    "phone": "+1 617 555 0100",
}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+14186569254", "'+14186569254"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("'quoted", "'quoted"),
        (-12, -12),
    ],
)
def test_a_cell_that_starts_a_formula_is_neutralised_and_read_back(value: object, written: object) -> None:
    assert csvfiles.cell(value) == written
    if isinstance(value, str):
        assert csvfiles.read_cell(str(written)) == value


def test_a_contacts_export_is_safe_and_imports_back_exactly(store: LocalStore) -> None:
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "=Acme", "employee_count": 12}).id
        services.create(session, "contacts", {**HOSTILE, "account_id": acme})
    out = io.StringIO(newline="")
    with store.reading() as session:
        exporter.write_csv(session, "contacts", out)
        accounts = io.StringIO(newline="")
        exporter.write_csv(session, "accounts", accounts)
    written = out.getvalue()
    assert written.endswith("\r\n")
    header, row = list(csv.reader(io.StringIO(written)))
    cells = dict(zip(header, row, strict=True))
    assert cells["First name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert cells["Last name"] == "'+Doe"
    assert cells["Job title"] == "'-2+3"
    assert cells["Notes"] == "'@SUM(A1:A9)"
    assert cells["Phone"] == "'+16175550100"  # text, not 1.62E+10
    assert cells["Account"] == "'=Acme"
    account = dict(zip(*list(csv.reader(io.StringIO(accounts.getvalue()))), strict=True))
    assert account["Employees"] == "12"
    with store.transaction() as session:
        contact = session.execute(text("SELECT id FROM contacts")).scalar_one()
        services.delete(session, "contacts", contact)
    source = import_source.read_source(written.encode("utf-8-sig"), "contacts.csv")  # as written to disk
    with store.reading() as session:
        plan = importer.plan(session, source, Options("contacts"))
    [planned] = plan.rows
    assert planned.action == "create"
    assert {k: planned.values[k] for k in ("first_name", "last_name", "title", "notes")} == {
        k: HOSTILE[k] for k in ("first_name", "last_name", "title", "notes")
    }
    assert planned.values["phone"] == "+16175550100"
    assert planned.values["account_id"] == acme


def test_rejects_lists_and_reports_are_neutralised(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "First Name,Last Name,Email\n=cmd|' /C calc'!A0,,bad\n"
    source = import_source.read_source(data.encode(), "x.csv")
    with store.reading() as session:
        plan = importer.plan(session, source, Options("contacts"))
    rejects = list(csv.reader(io.StringIO(importer.rejects_csv(plan))))
    assert rejects[1][2] == "'=cmd|' /C calc'!A0"
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "@Evil Corp"})
    store.close()
    assert main(["--data-dir", str(store.path.parent), "accounts", "list", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "'@Evil Corp" in out
    assert out.splitlines()[0].startswith("id,")
    section = report_view.Section(
        "coverage",
        "Coverage",
        "",
        tables=(
            report_view.Table(
                "reps",
                "Per rep",
                (report_view.Col("Rep"), report_view.Col("Amount", "money")),
                (("=evil()", -1250),),
            ),
        ),
    )
    out_file = io.StringIO(newline="")
    report_view.write_csv([section], out_file)
    assert "'=evil(),-12.50\r\n" in out_file.getvalue()
