"""Issue 13, items 3 and 6: phone extensions are kept, and national numbers are read in the record's own
country (then in the laptop's region) in imports, the services, the command line and vCards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import CONTACTS, clean
from sfa_desktop.core.records.validation import format_phone, normalize_phone, split_extension
from sfa_desktop.core.transfer import import_source, importer, vcards
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store.database import LocalStore


@pytest.mark.parametrize(
    "typed",
    [
        "+1 418 656 9254 ext. 102",
        "(418) 656-9254 x102",
        "418-656-9254 ext 102",
        "+1-418-656-9254;ext=102",
        "tel:+1-418-656-9254;ext=102",
    ],
)
def test_an_extension_is_kept(typed: str) -> None:
    assert normalize_phone(typed, "US") == "+14186569254;ext=102"
    assert split_extension("+14186569254;ext=102") == ("+14186569254", "102")
    assert format_phone("+14186569254;ext=102") == "+1 418-656-9254 ext. 102"
    assert normalize_phone("+14186569254;ext=102", "FR") == "+14186569254;ext=102"  # stored form reads back


def test_a_national_number_is_read_in_the_records_country_first() -> None:
    french = {"last_name": "Martin", "phone": "01 42 68 53 00", "country": "FR"}
    assert clean(CONTACTS, french, phone_region="US")["phone"] == "+33142685300"
    # a number that is not one of the country's is still read in the laptop's region
    american = {"last_name": "Doe", "phone": "(617) 555-0100", "country": "FR"}
    assert clean(CONTACTS, american, phone_region="US")["phone"] == "+16175550100"
    # an edit of the phone alone: the stored record's country
    edit = clean(CONTACTS, {"phone": "01 42 68 53 00"}, partial=True, phone_region="US", country="FR")
    assert edit == {"phone": "+33142685300"}
    with pytest.raises(Exception, match="not a valid phone number"):
        clean(CONTACTS, {"last_name": "X", "phone": "01 42 68 53 00"}, phone_region="US")


def test_imports_keep_extensions_and_read_each_row_in_its_country(store: LocalStore) -> None:
    data = (
        "First Name,Last Name,Business Phone,Mobile Phone,Business Country/Region,E-mail Address\n"
        "Claire,Martin,01 42 68 53 00,06 12 34 56 78,France,claire@exemple.fr\n"
        "Luc,Tremblay,+1 418 656 9254 ext. 102,,Canada,luc@ulaval.ca\n"
    )
    source = import_source.read_source(data.encode(), "outlook.csv")
    with store.transaction() as session:
        plan = importer.plan(session, source, Options("contacts"))
        assert [r.action for r in plan.rows] == ["create", "create"]
        importer.run(session, plan)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT last_name, phone, mobile, country FROM contacts ORDER BY 1")).all()
    assert [tuple(r) for r in rows] == [
        ("Martin", "+33142685300", "+33612345678", "FR"),
        ("Tremblay", "+14186569254;ext=102", None, "CA"),
    ]
    with store.transaction() as session:
        claire = session.execute(text("SELECT id FROM contacts WHERE last_name = 'Martin'")).scalar_one()
        services.update(session, "contacts", claire, {"phone": "01 45 00 00 00"})  # her country, FR
        assert services.get(session, "contacts", claire).phone == "+33145000000"  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", vcards.VERSIONS)
def test_vcards_write_and_read_extensions(version: str) -> None:
    record = {"first_name": "Luc", "last_name": "Tremblay", "phone": "+14186569254;ext=102"}
    text_ = "".join(vcards.write_cards([record], "contacts", version))
    [card] = vcards.read_cards(text_, "contacts")
    assert normalize_phone(card.values["phone"], "US") == "+14186569254;ext=102"
    four = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Luc T\r\nN:T;Luc;;;\r\n"
    four += "TEL;VALUE=uri;TYPE=work:tel:+1-418-656-9254;ext=102\r\nEND:VCARD\r\n"
    [card] = vcards.read_cards(four, "contacts")
    assert normalize_phone(card.values["phone"], "US") == "+14186569254;ext=102"


def test_the_command_line_keeps_extensions_and_uses_the_records_country(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    LocalStore.open(data).close()
    base = ["--data-dir", str(data), "contacts"]
    assert main([*base, "add", "--last-name", "Tremblay", "--phone", "+1 418 656 9254 ext. 102"]) == 0
    assert main([*base, "add", "--last-name", "Martin", "--country", "FR", "--phone", "01 42 68 53 00"]) == 0
    assert main([*base, "edit", "Martin", "--mobile", "06 12 34 56 78"]) == 0
    capsys.readouterr()
    assert main([*base, "show", "Tremblay"]) == 0
    assert "+1 418-656-9254 ext. 102" in capsys.readouterr().out
    store = LocalStore.open(data, create=False)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT last_name, phone, mobile FROM contacts ORDER BY 1")).all()
    store.close()
    assert [tuple(r) for r in rows] == [
        ("Martin", "+33142685300", "+33612345678"),
        ("Tremblay", "+14186569254;ext=102", None),
    ]
