"""Reading import files: encodings, separators, the header names of common exports, vCards, bad input."""

from __future__ import annotations

import codecs

import pytest

from sfa_desktop.core.records import columns
from sfa_desktop.core.transfer import import_source, textfile, vcards
from sfa_desktop.core.transfer.import_source import read_source
from sfa_desktop.core.transfer.textfile import FileError

ROWS = "First Name,Last Name,Email,Company\nZoë,Müller,zoe@acme.de,Acme GmbH\nRené,Lefèvre,rene@x.fr,X SA\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ROWS.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + ROWS.encode("utf-8"), "UTF-8 with BOM"),
        (ROWS.encode("utf-16"), "UTF-16"),  # with its byte-order mark
        (ROWS.encode("utf-16-le"), "UTF-16"),  # without
        (ROWS.encode("utf-16-be"), "UTF-16"),
        (ROWS.encode("cp1252"), "Windows-1252"),
    ],
)
def test_each_encoding_is_recognised(data: bytes, encoding: str) -> None:
    source = read_source(data, "people.csv")
    assert source.encoding == encoding
    assert source.headers == ["First Name", "Last Name", "Email", "Company"]
    assert [r.cells[:2] for r in source.rows] == [["Zoë", "Müller"], ["René", "Lefèvre"]]


def test_mixed_encodings_are_read_line_by_line_and_named() -> None:
    data = ROWS.encode("utf-8") + "Søren,Ærø,s@x.dk,Ærø ApS\n".encode("cp1252")
    source = read_source(data, "people.csv")
    assert source.encoding == "UTF-8 and Windows-1252 (mixed)"
    assert source.rows[2].cells[:2] == ["Søren", "Ærø"]
    assert "1 line(s) are not (4)" in source.notes[0]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_each_separator_is_recognised(separator: str) -> None:
    text = ROWS.replace(",", separator).replace("Acme GmbH", '"Acme, GmbH; Berlin"')
    source = read_source(text.encode(), "people.txt")
    assert source.separator == separator
    assert source.rows[0].cells == ["Zoë", "Müller", "zoe@acme.de", "Acme, GmbH; Berlin"]


EXPORTS = {
    "Salesforce contacts": (
        "contacts",
        "Contact ID,First Name,Last Name,Title,Account Name,Email,Phone,Mobile Phone,Mailing Street,"
        "Mailing City,Mailing State/Province,Mailing Zip/Postal Code,Mailing Country,Description",
        "003A,Jane,Doe,CFO,Acme,jane@acme.com,(617) 555-0100,617-555-0199,1 Main St,Boston,MA,02110,US,VIP",
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "title": "CFO",
            "account_name": "Acme",
            "email": "jane@acme.com",
            "phone": "(617) 555-0100",
            "mobile": "617-555-0199",
            "street": "1 Main St",
            "city": "Boston",
            "region": "MA",
            "postcode": "02110",
            "country": "US",
            "notes": "VIP",
        },
        "Salesforce",
    ),
    "Salesforce leads": (
        "leads",
        "First Name,Last Name,Company,Title,Email,Phone,Website,Industry,No. of Employees,Lead Source,"
        "Lead Status,City,State/Province",
        "Ann,Lee,Globex,Buyer,ann@globex.com,617 555 0123,globex.com,Retail,250,Web,Working,Salem,MA",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "company": "Globex",
            "title": "Buyer",
            "email": "ann@globex.com",
            "phone": "617 555 0123",
            "website": "globex.com",
            "industry": "Retail",
            "employee_count": "250",
            "source": "Web",
            "status": "Working",
            "city": "Salem",
            "region": "MA",
        },
        "Salesforce",
    ),
    "Salesforce accounts": (
        "accounts",
        "Account Name,Phone,Website,Industry,Employees,Billing Street,Billing City,Billing State/Province,"
        "Billing Zip/Postal Code,Billing Country",
        "Initech,617 555 0111,initech.com,Software,80,2 Elm St,Austin,TX,73301,US",
        {
            "name": "Initech",
            "phone": "617 555 0111",
            "website": "initech.com",
            "industry": "Software",
            "employee_count": "80",
            "street": "2 Elm St",
            "city": "Austin",
            "region": "TX",
            "postcode": "73301",
            "country": "US",
        },
        "Salesforce",
    ),
    "HubSpot": (
        "contacts",
        "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Job Title,Company Name,"
        "Street Address,City,State/Region,Postal Code,Country/Region,Contact owner",
        "901,Raj,Patel,raj@hooli.com,617 555 0142,,CTO,Hooli,9 Oak Rd,Cambridge,MA,02139,United States,",
        {
            "first_name": "Raj",
            "last_name": "Patel",
            "email": "raj@hooli.com",
            "phone": "617 555 0142",
            "title": "CTO",
            "account_name": "Hooli",
            "street": "9 Oak Rd",
            "city": "Cambridge",
            "region": "MA",
            "postcode": "02139",
            "country": "United States",
        },
        "HubSpot",
    ),
    "Outlook": (
        "contacts",
        "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
        "Business City,Business State,Business Postal Code,Business Country/Region,Business Phone,"
        "Mobile Phone,E-mail Address,E-mail 2 Address,Notes",
        "Ms.,Kim,,Ng,,Umbrella,Sales,Director,5 Pine St,Hartford,CT,06103,US,860 555 0100,860 555 0101,"
        "kim@umbrella.com,kim@home.net,Met at expo",
        {
            "first_name": "Kim",
            "last_name": "Ng",
            "account_name": "Umbrella",
            "title": "Director",
            "street": "5 Pine St",
            "city": "Hartford",
            "region": "CT",
            "postcode": "06103",
            "country": "US",
            "phone": "860 555 0100",
            "mobile": "860 555 0101",
            "email": "kim@umbrella.com",
            "notes": "Met at expo",
        },
        "Outlook",
    ),
    "Google Contacts": (
        "contacts",
        "First Name,Middle Name,Last Name,Organization Name,Organization Title,E-mail 1 - Label,"
        "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
        "Address 1 - City,Address 1 - Country",
        "Ana,,Silva,Vandelay,Importer,* Work,ana@vandelay.com,Mobile,+1 212 555 0177,Work,+1 212 555 0100,"
        "New York,US",
        {
            "first_name": "Ana",
            "last_name": "Silva",
            "account_name": "Vandelay",
            "title": "Importer",
            "email": "ana@vandelay.com",
            "mobile": "+1 212 555 0177",
            "phone": "+1 212 555 0100",
            "city": "New York",
            "country": "US",
        },
        "Google Contacts",
    ),
    "LinkedIn connections": (
        "contacts",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
        "Lu,Wang,https://www.linkedin.com/in/luwang,lu@initech.com,Initech,Engineer,03 Jan 2025",
        {
            "first_name": "Lu",
            "last_name": "Wang",
            "email": "lu@initech.com",
            "account_name": "Initech",
            "title": "Engineer",
        },
        "LinkedIn connections",
    ),
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_the_header_names_of_common_exports_are_recognised(export: str) -> None:
    kind, header, row, expected, detected = EXPORTS[export]
    source = read_source(f"{header}\n{row}\n".encode(), "export.csv")
    assert source.kind == kind
    assert source.detected == detected
    mapping = columns.suggest(kind, source.headers)
    assert columns.row_values(kind, mapping, source.rows[0].cells) == expected


def test_google_phones_go_by_their_label_and_labels_map_to_names() -> None:
    mapping = columns.suggest("contacts", ["First Name", "Last Name", "Phone 1 - Label", "Phone 1 - Value"])
    assert mapping[2:] == ["phone_type:1", "phone_value:1"]
    assert columns.row_values("contacts", mapping, ["A", "B", "Work", "+1 212 555 0100"])["phone"] == (
        "+1 212 555 0100"
    )
    assert set(columns.targets("contacts")) >= {"first_name", "account_name", "owner_name", "notes"}


def test_linkedin_notes_above_the_header_are_skipped() -> None:
    text = (
        'Notes:\n"When exporting your connection data, you may notice that some email addresses are '
        'missing."\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n'
        "Lu,Wang,https://x,lu@initech.com,Initech,Engineer,03 Jan 2025\n"
    )
    source = read_source(text.encode(), "Connections.csv")
    assert source.headers[0] == "First Name"
    assert source.rows[0].line == 5
    assert source.notes == ["The header is on line 4; the lines above it were skipped."]


def test_ragged_rows_stray_quotes_and_huge_cells_are_row_problems() -> None:
    big = "x" * (10 * 1024 * 1024)
    text = (
        "First Name,Last Name,Email\n"
        "Short,Row\n"  # a missing trailing value is empty
        "Too,Many,a@b.com,extra\n"
        'Stray,Do"e,c@d.com\n'  # a quote inside a value is kept
        f"Huge,{big},e@f.com\n"
        'Open,"Quote,g@h.com\n'
        "Next,Line,i@j.com\n"
    )
    source = read_source(text.encode(), "bad.csv")
    problems = {r.line: r.problem for r in source.rows}
    assert problems[2] is None
    assert source.rows[0].cells == ["Short", "Row", ""]
    assert "has 4 values but the header names 3 columns" in str(problems[3])
    assert problems[4] is None
    assert source.rows[2].cells[1] == 'Do"e'
    assert "10,485,760 characters long" in str(problems[5])
    assert 'a quote (") opened on line 6 does not close' in str(problems[6])


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty.csv is empty"),
        (
            b"First Name,Last Name,Email\n",
            "header.csv",
            "has a header (First Name, Last Name, Email) but no rows",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100,
            "contacts.csv",
            "looks like a ZIP archive or an Excel",
        ),
        (b"%PDF-1.7\n%\xe2\xe3", "contacts.csv", "looks like a PDF document"),
        (bytes(range(256)) * 4, "contacts.vcf", "looks like a binary file"),
        (b"\n\n  \r\n", "blank.csv", "blank.csv is empty"),
    ],
)
def test_files_that_cannot_be_imported_say_why(data: bytes, name: str, message: str) -> None:
    with pytest.raises(FileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_source(data, name)


def test_a_file_is_read_as_what_it_holds_not_as_its_extension_says() -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nEND:VCARD\r\n"
    source = read_source(card.encode(), "contacts.csv")
    assert source.format == "vcard"
    assert source.notes == ["contacts.csv holds vCards (not CSV): read as vCards."]
    assert source.rows[0].card == {"first_name": "Jane", "last_name": "Doe"}
    csv_named_vcf = read_source(b"Last Name\nDoe\n", "contacts.vcf")
    assert csv_named_vcf.format == "csv"
    assert csv_named_vcf.notes == ["contacts.vcf holds no vCards; it was read as CSV."]


def test_a_card_cut_short_is_a_problem_with_its_line() -> None:
    source = read_source(b"BEGIN:VCARD\nVERSION:3.0\nFN:Cut\n", "cut.vcf")
    assert [(r.line, r.problem) for r in source.rows] == [
        (1, "the card has no END:VCARD; the file may be cut short.")
    ]


def test_broken_vcards_are_problems_of_their_own_card() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nN:Roe;John\nTEL;TYPE=CELL:+1 617 555 0100\nBROKEN LINE WITHOUT COLON\n"
        "END:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Never Ends\n"
        "BEGIN:VCARD\nVERSION:2.1\nN:Lee;Ann\nTEL;CELL:+1 617 555 0101\nEND:VCARD\n"
    )
    source = read_source(text.encode(), "cards.vcf")
    assert [r.line for r in source.rows] == [1, 6, 12, 15]
    assert source.rows[0].problem is None
    assert "the card cannot be read" in str(source.rows[1].problem)
    assert "no END:VCARD before the next card" in str(source.rows[2].problem)
    assert source.rows[3].card == {"first_name": "Ann", "last_name": "Lee", "mobile": "+1 617 555 0101"}


RECORD = {
    "first_name": "Zoë",
    "last_name": "Müller; Jr",
    "company": "Acme, GmbH",
    "title": "CFO",
    "phone": "+4930123456",
    "mobile": "+491701234567",
    "email": "zoe@acme.de",
    "street": "Hauptstr. 1",
    "city": "Berlin",
    "region": "BE",
    "postcode": "10115",
    "country": "DE",
    "notes": "Line one\nLine two ä = x",
}


@pytest.mark.parametrize("version", vcards.VERSIONS)
def test_vcards_round_trip_in_each_version(version: str) -> None:
    text = "".join(vcards.write_cards([RECORD], "contacts", version))
    assert f"VERSION:{version}" in text
    if version == "2.1":
        assert "ENCODING=QUOTED-PRINTABLE" in text
        assert text.isascii()
    [card] = vcards.read_cards(text, "contacts")
    expected = {**RECORD, "account_name": RECORD["company"]}
    del expected["company"]
    assert card.values == expected
    account = "".join(
        vcards.write_cards([{"company": "Initech", "website": "https://initech.com"}], "accounts", version)
    )
    [read] = vcards.read_cards(account, "accounts")
    assert read.values == {"name": "Initech", "website": "https://initech.com"}


def test_vcards_can_be_read_again_for_another_kind() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nORG:Acme\nEND:VCARD\n"
    source = read_source(card.encode(), "x.vcf")
    assert source.rows[0].card == {"first_name": "Jane", "last_name": "Doe", "account_name": "Acme"}
    leads = import_source.reread_cards(source, "leads")
    assert leads.rows[0].card == {"first_name": "Jane", "last_name": "Doe", "company": "Acme"}


def test_the_separator_is_the_one_that_splits_consistently() -> None:
    assert textfile.detect_separator(["a;b;c", "1;2,5;3", "4;5;6"]) == ";"
    assert textfile.detect_separator(['"a,b";c', "1;2"]) == ";"
    assert textfile.detect_separator(["single"]) == ","


def test_bytes_that_windows_1252_does_not_define_are_named() -> None:
    """Issue 13, item 11: 0x81, 0x8D, 0x8F, 0x90 and 0x9D become U+FFFD, and a note says where."""
    data = ROWS.encode("cp1252") + b"Jos\x81,Ng,j@x.com,Co\x9d\n"
    source = read_source(data, "people.csv")
    assert source.encoding == "Windows-1252"
    assert source.rows[2].cells[:2] == ["Jos\ufffd", "Ng"]
    assert source.notes == [
        "1 line(s) (4) hold bytes that Windows-1252 does not define (0x81, 0x9D); each was read as \ufffd. "
        "The file may be in another encoding: save it as CSV UTF-8 and import it again, or correct those "
        "values after the import."
    ]
    mixed = read_source(ROWS.encode("utf-8") + b"Jos\x81,Ng,j@x.com,Co\n", "people.csv")
    assert mixed.encoding == "UTF-8 and Windows-1252 (mixed)"
    assert mixed.notes[1].startswith("1 line(s) (4) hold bytes that Windows-1252 does not define (0x81)")
    assert read_source(ROWS.encode("cp1252"), "people.csv").notes == []


def test_a_csv_file_is_held_as_utf_8_bytes_and_its_rows_read_as_from_its_text() -> None:
    """Issue 13 (memory): a str holding one letter beyond Latin-1 takes two bytes a character; the rows
    are read from the text's UTF-8 bytes instead, the same rows on the same lines."""
    text = (
        "First Name;Last Name;Street;City\r\n"
        'Łukasz;Wiśniewski;"ul. Długa 5\r\nm. 3";Gdańsk\r\n'
        "\r\n"
        "Zoë;北京贸易;Main Street 1;Paris\r"
        "Ana;Núñez;;Sevilla\n"
    )
    source = read_source(text.encode("utf-16"), "people.csv")
    assert isinstance(source.rows, import_source.CsvRows)
    assert isinstance(source.rows._text, bytes)
    read = [(r.line, r.cells, r.problem) for r in source.rows]
    assert read == [
        (2, ["Łukasz", "Wiśniewski", "ul. Długa 5\r\nm. 3", "Gdańsk"], None),
        (5, ["Zoë", "北京贸易", "Main Street 1", "Paris"], None),
        (6, ["Ana", "Núñez", "", "Sevilla"], None),
    ]
    assert [(r.line, r.cells) for r in (source.rows[2], source.rows[0])] == [
        (read[2][0], read[2][1]),
        read[0][:2],
    ]
    table = textfile.read_table(text, is_header=columns.looks_like_header)
    assert [(r.line, r.cells) for r in table.rows] == [(line, cells) for line, cells, _p in read]
