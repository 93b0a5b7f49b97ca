"""Issue 13, items 4, 7, 8 and 9: real exports import whole.  The samples are written from the vendors'
documented layouts: Salesforce's Contact, Account and Lead field API names (Data Loader / Data Export) and
report labels, HubSpot's contacts export, Google Contacts' CSV."""

from __future__ import annotations

import pytest

from sfa_desktop.core.records import columns
from sfa_desktop.core.records.validation import parse_int
from sfa_desktop.core.transfer import import_source, importer
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store.database import LocalStore

SF_CONTACTS = (
    "Id,AccountId,LastName,FirstName,Salutation,Title,Email,Phone,MobilePhone,MailingStreet,MailingCity,"
    "MailingState,MailingPostalCode,MailingCountry,OtherStreet,OtherCity,OtherState,OtherPostalCode,"
    "OtherCountry,LeadSource,Description\n"
    "0035g00000AbCdE,0015g00000XyZaB,Doe,Jane,Ms.,CFO,jane@acme.com,(617) 555-0100,(617) 555-0199,"
    "1 Main St,Boston,MA,02110,US,9 Elm St,Salem,NH,03079,US,Web,VIP\n"
)
SF_ACCOUNTS = (
    "Id,Name,Type,Industry,NumberOfEmployees,Website,Phone,BillingStreet,BillingCity,BillingState,"
    "BillingPostalCode,BillingCountry,ShippingStreet,ShippingCity,ShippingState,ShippingPostalCode,"
    "ShippingCountry\n"
    "0015g00000XyZaB,Acme,Customer - Direct,Technology,1200.0,acme.com,(617) 555-0100,1 Main St,Boston,MA,"
    "02110,US,2 Dock Rd,Quincy,MA,02169,US\n"
)
SF_LEADS = (
    "Id,LastName,FirstName,Salutation,Title,Company,Street,City,State,PostalCode,Country,Phone,Email,Website,"
    "LeadSource,Status,Industry,NumberOfEmployees,IsConverted\n"
    "00Q5g00000Aa1,Lee,Ann,Ms.,Buyer,Globex,10 Pine St,Salem,MA,01970,US,(978) 555-0123,ann@globex.com,"
    "globex.com,Partner Referral,Open - Not Contacted,Biotechnology,130.0,false\n"
    "00Q5g00000Aa2,Kim,Bo,,CTO,Initech,,Austin,TX,73301,US,,bo@initech.com,,Trade Show,Working - Contacted,"
    "Technology,45.0,false\n"
    "00Q5g00000Aa3,Ng,Al,,CEO,Umbrella,,Denver,CO,80201,US,,al@umbrella.com,,Seminar - Partner,"
    "Closed - Not Converted,Not For Profit,12,false\n"
)
SF_LEAD_REPORT = (
    "First Name,Last Name,Title,Company / Account,Email,Lead Source,Lead Status,Rating\n"
    "Cy,Park,Owner,Hooli,cy@hooli.com,Web,Open - Not Contacted,Hot\n"
)
HUBSPOT_CONTACTS = (
    "Record ID,First Name,Last Name,Email,Phone Number,Lead Status,Company Name,Contact owner,City,"
    "State/Region,Postal Code,Country/Region\n"
    "51,Dee,Cruz,dee@vandelay.com,+1 212 555 0177,IN_PROGRESS,Vandelay,Sam Sales,New York,NY,10001,"
    "United States\n"
)


def _plan(store: LocalStore, data: str, kind: str | None = None) -> importer.Plan:
    source = import_source.read_source(data.encode(), "export.csv", kind)
    with store.reading() as session:
        return importer.plan(session, source, Options(source.kind))


def test_salesforce_contact_and_account_addresses_keep_state_and_postcode(store: LocalStore) -> None:
    plan = _plan(store, SF_CONTACTS)
    assert (plan.source.kind, plan.source.detected) == ("contacts", "Salesforce")
    [row] = plan.rows
    assert row.action == "create"
    values = row.values
    assert (values["street"], values["city"], values["region"], values["postcode"], values["country"]) == (
        "1 Main St",
        "Boston",
        "MA",
        "02110",
        "US",
    )
    accounts = _plan(store, SF_ACCOUNTS)
    assert (accounts.source.kind, accounts.source.detected) == ("accounts", "Salesforce")
    [account] = accounts.rows
    assert account.action == "create"
    assert (account.values["region"], account.values["postcode"], account.values["employee_count"]) == (
        "MA",
        "02110",
        1200,
    )
    assert account.values["industry"] == "Software"


def test_a_salesforce_lead_export_imports_with_its_picklists_mapped(store: LocalStore) -> None:
    plan = _plan(store, SF_LEADS)
    assert (plan.source.kind, plan.source.detected) == ("leads", "Salesforce")
    assert [r.action for r in plan.rows] == ["create", "create", "create"]
    ann, bo, al = (r.values for r in plan.rows)
    assert (ann["status"], ann["source"], ann["industry"], ann["employee_count"]) == (
        "new",
        "referral",
        "Pharmaceuticals",
        130,
    )
    assert (ann["region"], ann["postcode"]) == ("MA", "01970")
    assert (bo["status"], bo["source"], bo["industry"], bo["employee_count"]) == (
        "working",
        "trade show",
        "Software",
        45,
    )
    assert (al["status"], al["status_reason"], al["source"]) == (
        "disqualified",
        "Closed - Not Converted",
        "event",
    )
    assert "industry" not in al
    assert al["notes"] == "Industry: Not For Profit"
    assert plan.rows[2].warnings == [
        "Industry 'Not For Profit' is not one of ours; it was kept in the notes."
    ]
    with store.transaction() as session:
        assert importer.run(session, plan).created == 3
    report = _plan(store, SF_LEAD_REPORT)
    assert (report.source.kind, report.source.detected) == ("leads", "Salesforce")
    assert report.rows[0].values["company"] == "Hooli"


def test_contacts_exports_with_lead_columns_are_contacts(store: LocalStore) -> None:
    assert columns.guess_kind(SF_CONTACTS.splitlines()[0].split(",")) == "contacts"  # has LeadSource
    plan = _plan(store, HUBSPOT_CONTACTS)  # has Lead Status
    assert (plan.source.kind, plan.source.detected) == ("contacts", "HubSpot")
    assert plan.rows[0].action == "create"
    report = "Contact ID,First Name,Last Name,Account Name,Lead Source\n003A,Jo,Fox,Acme,Web\n"
    assert _plan(store, report).source.kind == "contacts"
    assert columns.guess_kind(["First Name", "Last Name", "Company", "Lead Status"]) == "leads"


def test_google_contacts_multi_values_are_split_for_emails_too(store: LocalStore) -> None:
    data = (
        "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,"
        "Phone 2 - Label,Phone 2 - Value\n"
        "Ana,Silva,* Work ::: Home,ana@vandelay.com ::: ana.silva@gmail.com,Mobile,+1 212 555 0177 ::: "
        "+1 212 555 0178,Work,+1 212 555 0100\n"
        "Bea,Roth,,bea@vandelay.com,Work,+1 212 555 0101,Work,+1 212 555 0102\n"
    )
    plan = _plan(store, data)
    assert plan.source.detected == "Google Contacts"
    assert [r.action for r in plan.rows] == ["create", "create"]
    ana, bea = (r.values for r in plan.rows)
    assert (ana["email"], ana["mobile"], ana["phone"]) == ("ana@vandelay.com", "+12125550177", "+12125550100")
    assert ana["notes"] == "Other email: ana.silva@gmail.com\nOther phone: +1 212 555 0178"
    # a second work number is not a mobile
    assert (bea["phone"], bea.get("mobile"), bea["notes"]) == (
        "+12125550101",
        None,
        "Other phone (Work): +1 212 555 0102",
    )


@pytest.mark.parametrize(("typed", "number"), [("130.0", 130), ("1,200.00", 1200), ("45", 45)])
def test_whole_numbers_written_with_a_decimal_point(typed: str, number: int) -> None:
    assert parse_int(typed) == number
    with pytest.raises(ValueError, match="is not a whole number"):
        parse_int("130.5")
