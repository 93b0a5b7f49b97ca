"""Issue 13, items 2, 5 and 10: vCards as Apple Contacts (3.0, X-ABShowAs, grouped X-ABLabel), Outlook
(2.1: quoted-printable, bare types, LABEL) and RFC 6350 (4.0) write them, read into the right fields; text
is never cut at a comma; line breaks in addresses are kept (vCards and CSV)."""

from __future__ import annotations

import pytest

from sfa_desktop.core.transfer import import_source, importer, vcards
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store.database import LocalStore

APPLE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.0//EN\r\nN:;;;;\r\nFN:Acme Corporation\r\n"
    "ORG:Acme Corporation;\r\nX-ABShowAs:COMPANY\r\nTEL;type=WORK;type=VOICE;type=pref:+1 617 555 0100\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nORG:Acme Corporation;\r\n"
    "TITLE:VP\\, Sales\r\nEMAIL;type=INTERNET;type=WORK;type=pref:jane@acme.com\r\n"
    "EMAIL;type=INTERNET;type=HOME:jane@gmail.com\r\nTEL;type=WORK;type=VOICE;type=pref:+1 617 555 0100\r\n"
    "TEL;type=WORK;type=VOICE:+1 617 555 0102\r\nitem1.TEL:+1 617 555 0150\r\n"
    "item1.X-ABLabel:_$!<Assistant>!$_\r\nTEL;type=CELL;type=VOICE:+1 617 555 0199\r\n"
    "item2.ADR;type=WORK;type=pref:;;1 Main St\\nSuite 5;Boston;MA;02110;United States\r\n"
    "item2.X-ABADR:us\r\nBDAY:1980-04-12\r\nNOTE:Met at Expo\\, booth 5\r\nEND:VCARD\r\n"
)
OUTLOOK_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;Ren=E9\r\n"
    "FN;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Ren=E9 Lef=E8vre\r\nORG:Initech, Inc.;Sales\r\n"
    "TITLE:VP, Sales\r\nTEL;WORK;VOICE:(617) 555-0100\r\nTEL;WORK;VOICE:(617) 555-0101\r\n"
    "TEL;CELL;VOICE:(617) 555-0199\r\n"
    "LABEL;WORK;ENCODING=QUOTED-PRINTABLE:12 rue de la Paix=0D=0A75002 Paris=0D=0AFrance\r\n"
    "EMAIL;PREF;INTERNET:rene@initech.com\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Likes long =\r\nlunches, espresso=0D=0ASecond line\r\nEND:VCARD\r\n"
)
RFC6350 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:individual\r\nFN:Simon Perreault\r\n"
    "N:Perreault;Simon;;;ing. jr,M.Sc.\r\n"
    'BDAY:--0203\r\nTEL;VALUE=uri;PREF=1;TYPE="voice,work":tel:+1-418-656-9254;ext=102\r\n'
    'TEL;VALUE=uri;TYPE="work,cell,voice,video,text":tel:+1-418-262-6501\r\n'
    "EMAIL;TYPE=work:simon.perreault@viagenie.ca\r\n"
    "ADR;TYPE=work:;Suite D2-630;2875 Laurier;Quebec;QC;G1V 2M2;Canada\r\nORG:Viagenie\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:ABC Marketing\r\nORG:ABC\\, Inc.\r\nEND:VCARD\r\n"
)


def test_apple_cards_put_each_value_in_its_field() -> None:
    company, jane = vcards.read_cards(APPLE, "contacts")
    assert company.problem is not None
    assert "the card is a company, not a person (X-ABShowAs:COMPANY)" in company.problem
    assert jane.problem is None
    assert jane.values == {
        "first_name": "Jane",
        "last_name": "Doe",
        "account_name": "Acme Corporation",
        "title": "VP, Sales",
        "email": "jane@acme.com",
        "phone": "+1 617 555 0100",
        "mobile": "+1 617 555 0199",
        "street": "1 Main St\nSuite 5",
        "city": "Boston",
        "region": "MA",
        "postcode": "02110",
        "country": "United States",
        "notes": "Met at Expo, booth 5\nOther email: jane@gmail.com\nOther phone (work): +1 617 555 0102\n"
        "Assistant's phone: +1 617 555 0150\nBirthday: 1980-04-12",
    }
    accounts = vcards.read_cards(APPLE, "accounts")
    assert accounts[0].problem is None
    assert accounts[0].values == {"name": "Acme Corporation", "phone": "+1 617 555 0100"}


def test_a_vcard_21_is_read_with_its_commas_charsets_and_label() -> None:
    [card] = vcards.read_cards(OUTLOOK_21, "contacts")
    assert card.problem is None
    assert card.values == {
        "first_name": "René",
        "last_name": "Lefèvre",
        "account_name": "Initech, Inc.",
        "title": "VP, Sales",
        "email": "rene@initech.com",
        "phone": "(617) 555-0100",
        "mobile": "(617) 555-0199",
        "street": "12 rue de la Paix\n75002 Paris\nFrance",
        "notes": "Likes long lunches, espresso\nSecond line\nOther phone (work): (617) 555-0101",
    }


def test_a_vcard_40_as_rfc_6350_writes_it() -> None:
    simon, org = vcards.read_cards(RFC6350, "contacts")
    assert simon.values == {
        "first_name": "Simon",
        "last_name": "Perreault",
        "account_name": "Viagenie",
        "email": "simon.perreault@viagenie.ca",
        "phone": "+1-418-656-9254;ext=102",
        "mobile": "+1-418-262-6501",
        "street": "2875 Laurier\nSuite D2-630",
        "city": "Quebec",
        "region": "QC",
        "postcode": "G1V 2M2",
        "country": "Canada",
        "notes": "Birthday: --0203",
    }
    assert org.problem is not None
    assert "(KIND:org)" in org.problem
    assert vcards.read_cards(RFC6350, "accounts")[1].values == {"name": "ABC, Inc."}


RECORD = {
    "first_name": "Zoë",
    "last_name": "Müller; Jr",
    "company": "Acme, GmbH; Berlin",
    "title": "VP, Sales; EMEA",
    "phone": "+14186569254;ext=102",
    "mobile": "+491701234567",
    "email": "zoe@acme.de",
    "street": "Hauptstr. 1, Hof 2\nAufgang B",
    "city": "Berlin, Mitte",
    "region": "BE",
    "postcode": "10115",
    "country": "DE",
    "notes": "Line one, with a comma\nLine two; ä = x \\ back",
}


@pytest.mark.parametrize("version", vcards.VERSIONS)
def test_every_version_the_app_writes_reads_back_exactly(version: str) -> None:
    text = "".join(vcards.write_cards([RECORD], "contacts", version))
    [card] = vcards.read_cards(text, "contacts")
    expected = {**RECORD, "account_name": RECORD["company"]}
    del expected["company"]
    expected["phone"] = {"4.0": "+14186569254;ext=102"}.get(version, "+14186569254 ext. 102")
    assert card.values == expected


def _plan(store: LocalStore, data: bytes, name: str) -> importer.Plan:
    source = import_source.read_source(data, name)
    with store.reading() as session:
        return importer.plan(session, source, Options("contacts"))


def test_an_unreadable_phone_keeps_the_card_and_the_number(store: LocalStore) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Roe;John;;;\r\nTEL;TYPE=WORK:12\r\nEMAIL:john@globex.com\r\n"
    card += "END:VCARD\r\n"
    [row] = _plan(store, card.encode(), "john.vcf").rows
    assert row.action == "create"
    assert "phone" not in row.values
    assert row.values["notes"] == "Phone: 12"
    assert row.warnings == ["Phone '12' is not a phone number that can be read; it was kept in the notes."]


def test_line_breaks_in_addresses_are_kept(store: LocalStore) -> None:
    outlook = (
        "First Name,Last Name,E-mail Address,Business Street,Business City,Business Postal Code\r\n"
        'Jane,Doe,jane@acme.com,"1 Main St\r\nSuite 5",Boston,02110\r\n'
    )
    salesforce = (
        'FirstName,LastName,Email,MailingStreet,MailingCity\nAl,Ng,al@x.com,"9 Elm St\nFloor 2",Salem\n'
    )
    for data, street in ((outlook, "1 Main St\r\nSuite 5"), (salesforce, "9 Elm St\nFloor 2")):
        [row] = _plan(store, data.encode(), "export.csv").rows
        assert row.action == "create", row.problems
        assert row.values["street"] == street
    [card] = _plan(store, APPLE.encode(), "apple.vcf").rows[1:]
    assert card.values["street"] == "1 Main St\nSuite 5"
    with store.transaction() as session:
        importer.run(session, _plan(store, outlook.encode(), "export.csv"))


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_long_values_are_folded_at_75_octets_and_read_back(version: str) -> None:
    notes = "Prefers calls after 10:00; décisionnaire, budget Q3 — " * 6
    record = {"last_name": "Lefèvre", "first_name": "René", "notes": notes.strip()}
    text = "".join(vcards.write_cards([record], "contacts", version))
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    [card] = vcards.read_cards(text, "contacts")
    assert card.values["notes"] == notes.strip()
