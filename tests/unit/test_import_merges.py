"""Issue 13, item 1 and 17: an import never merges two people into one record.

Rows whose own emails differ are never merged (Anna and Anne at one company, a shared info@ mailbox);
every merge the import does make is listed (line, matched record, why); a row that repeats a row above it
is reported as such, not as "already there"; an import that writes nothing fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.core.records.matching import compare, is_role_mailbox, profile
from sfa_desktop.core.transfer import import_source, importer
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store.database import LocalStore


def _plan(store: LocalStore, data: str, kind: str = "contacts") -> importer.Plan:
    source = import_source.read_source(data.encode(), "contacts.csv")
    with store.reading() as session:
        return importer.plan(session, source, Options(kind))


def _person(ref: str, first: str, last: str, **values: Any) -> Any:
    return profile("contacts", ref, {"first_name": first, "last_name": last, **values})


def test_people_whose_own_emails_differ_are_shown_as_likely_duplicates_but_never_merged() -> None:
    anna = _person("a", "Anna", "Schmidt", email="anna.schmidt@acme.de", account_name="Acme")
    anne = _person("b", "Anne", "Schmidt", email="anne.schmidt@acme.de", account_name="Acme")
    verdict = compare("contacts", anna, anne)
    assert verdict is not None  # the duplicates workbench still shows them, for a person to decide
    assert not verdict.automatic
    jon = _person("c", "Jon", "Smith", email="jon@acme.de", account_name="Acme")
    john = _person("d", "John", "Smith", email="jsmith@acme.de", account_name="Acme")
    assert not compare("contacts", jon, john).automatic  # type: ignore[union-attr]
    assert is_role_mailbox("info@acme.de")
    assert is_role_mailbox("Sales.Team@acme.de")
    assert not is_role_mailbox("ingrid@acme.de")
    peter = _person("e", "Peter", "Schmidt", email="info@acme.de", account_name="Acme")
    paula = _person("f", "Paula", "Schmidt", email="info@acme.de", account_name="Acme")
    assert not compare("contacts", peter, paula).automatic  # type: ignore[union-attr]
    same = _person("g", "Peter", "Schmidt", email="info@acme.de", account_name="Acme GmbH")
    assert compare("contacts", peter, same).automatic  # type: ignore[union-attr]
    again = _person("h", "Anna", "Schmidt", email="ANNA.schmidt@acme.de")
    assert compare("contacts", anna, again).automatic  # type: ignore[union-attr]


FILE = (
    "First Name,Last Name,Email,Title,Phone,City,Company\n"
    "Anna,Schmidt,anna.schmidt@acme.de,Buyer,+49 30 1234567,Berlin,Acme\n"
    "Anne,Schmidt,anne.schmidt@acme.de,CFO,+49 30 7654321,Hamburg,Acme\n"
    "Peter,Meyer,info@acme.de,Sales,,Berlin,Acme\n"
    "Paula,Meyer,info@acme.de,Support,,Munich,Acme\n"
    "Anna,Schmidt,anna.schmidt@acme.de,,,,Acme\n"
)


def test_different_people_in_one_file_are_all_created_and_a_repeat_is_named(store: LocalStore) -> None:
    plan = _plan(store, FILE)
    assert [(r.line, r.action) for r in plan.rows] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
        (5, "create"),
        (6, "skip"),
    ]
    assert plan.rows[4].duplicate_of == 2
    assert plan.duplicates() == 1
    assert plan.merges() == ["line 6: the same as line 2 (same email anna.schmidt@acme.de); skipped"]
    with store.transaction() as session:
        result = importer.run(session, plan)
    assert result.created == 4
    assert plan.outcome(result) == (
        "Imported 4 new contacts and 1 accounts, completed 0; 0 were there already, "
        "1 the same as a row above (skipped), 0 rejected"
    )


def test_another_persons_row_is_never_written_into_a_record(store: LocalStore) -> None:
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme"}).id
        anne = services.create(
            session,
            "contacts",
            {
                "first_name": "Anne",
                "last_name": "Schmidt",
                "email": "anne.schmidt@acme.de",
                "account_id": acme,
            },
        ).id
        services.create(
            session,
            "contacts",
            {"first_name": "Peter", "last_name": "Meyer", "email": "info@acme.de", "account_id": acme},
        )
    plan = _plan(
        store,
        "First Name,Last Name,Email,Title,Phone,City,Company\n"
        "Anna,Schmidt,anna.schmidt@acme.de,Buyer,+49 30 1234567,Berlin,Acme\n"
        "Paula,Meyer,info@acme.de,Support,+49 30 7654321,Munich,Acme\n"
        "Anne,Schmidt,anne.schmidt@acme.de,CFO,,Hamburg,Acme\n",
    )
    assert [r.action for r in plan.rows] == ["create", "create", "update"]
    assert plan.merges() == [
        f"line 4: matches Anne Schmidt (Acme) ({anne}) (same email anne.schmidt@acme.de); "
        "adds job title, city"
    ]
    with store.transaction() as session:
        importer.run(session, plan)
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT first_name, title, phone, city FROM contacts ORDER BY last_name, first_name")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Paula", "Support", "+49307654321", "Munich"),
        ("Peter", None, None, None),
        ("Anna", "Buyer", "+49301234567", "Berlin"),
        ("Anne", "CFO", None, "Hamburg"),
    ]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    LocalStore.open(folder).close()
    return folder


def test_the_command_line_lists_merges_names_repeats_and_fails_when_nothing_is_written(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    file = tmp_path / "people.csv"
    file.write_text(FILE, encoding="utf-8")
    code = main(["--data-dir", str(data), "import", str(file)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "line 6: the same as line 2 (same email anna.schmidt@acme.de); skipped" in out
    assert (
        "Imported 4 new contacts and 1 accounts, completed 0; 0 were there already, "
        "1 the same as a row above (skipped), 0 rejected." in out
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("First Name,Last Name,Email\nBad,,nope\nWorse,,@\n", encoding="utf-8")
    for dry, said in (
        ([], "Imported 0 new contacts, completed 0; 0 were there already, 2 rejected."),
        (["--dry-run"], "Dry run, nothing written: 0 new, 0 to complete, 0 already there, 2 with problems."),
    ):
        code = main(["--data-dir", str(data), "import", str(bad), *dry])
        out, err = capsys.readouterr()
        assert code == 1
        assert "line 2: Email 'nope' is not a valid address" in err
        assert said in out
