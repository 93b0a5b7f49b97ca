"""Importing into the database: the preview, good and bad rows, rejects, re-importing, cancelling, and
exports that import again (CSV and vCards)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.progress import Cancelled, Progress
from sfa_desktop.core.records import services
from sfa_desktop.core.transfer import exporter, import_source, importer
from sfa_desktop.core.transfer.importer import Options
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

CONTACTS = (
    "First Name,Last Name,Email,Phone,Company,City,Country\n"
    "Jane,Doe,jane@acme.com,(617) 555-0100,Acme Inc,Boston,United States\n"
    "John,Roe,john@globex.com,,Globex,Salem,US\n"
    "Bad,,not-an-email,12,Acme Inc,Boston,US\n"
    "Jane,Doe,JANE@acme.com,,Acme,Boston,US\n"
    "Nora,Park,,,,Lowell,Narnia\n"
)


def _plan(store: LocalStore, data: str | bytes, kind: str = "contacts", **options: Any) -> importer.Plan:
    raw = data.encode() if isinstance(data, str) else data
    source = import_source.read_source(raw, "contacts.csv")
    with store.reading() as session:
        return importer.plan(session, source, Options(kind, **options))


def _run(store: LocalStore, plan: importer.Plan, progress: Progress | None = None) -> importer.Result:
    with store.transaction() as session:
        return importer.run(session, plan, progress)


def _count(store: LocalStore, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL")).scalar_one())


def test_the_preview_shows_every_rows_fate_before_anything_is_written(store: LocalStore) -> None:
    plan = _plan(store, CONTACTS)
    assert [(r.line, r.action) for r in plan.rows] == [
        (2, "create"),
        (3, "create"),
        (4, "reject"),
        (5, "skip"),
        (6, "create"),
    ]
    bad = plan.rows[2]
    assert bad.problems == {
        "last_name": "Last name is required.",
        "email": "Email 'not-an-email' is not a valid address: An email address must have an @-sign. Check "
        "the address, for example name@company.com.",
        "phone": "Phone '12' is not a valid phone number for its country. Check the digits and the country "
        "code.",
    }
    assert plan.rows[3].reasons == ("the same as line 2", "same email jane@acme.com")
    assert plan.rows[4].warnings == ["Country 'Narnia' is not known; it was left empty."]
    assert plan.rows[0].values["country"] == "US"
    assert plan.rows[0].values["phone"] == "+16175550100"
    assert plan.new_accounts == {"acme": "Acme Inc", "globex": "Globex"}
    assert (
        plan.summary() == "3 new, 0 to complete, 0 already there, 1 skipped, 1 with problems, 2 new accounts"
    )
    assert _count(store, "contacts") == 0
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == 0


def test_good_rows_import_bad_rows_go_to_the_rejects_file_and_a_second_import_adds_nothing(
    store: LocalStore, tmp_path: Path
) -> None:
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "ACME Corporation"})
    plan = _plan(store, CONTACTS)
    assert plan.new_accounts == {"globex": "Globex"}  # Acme Inc is the account already there
    result = _run(store, plan)
    assert (result.created, result.updated, result.accounts_created, result.rejected) == (3, 0, 1, 1)
    assert _count(store, "contacts") == 3
    assert _count(store, "accounts") == 2
    with store.engine.connect() as conn:
        jane = conn.execute(
            text(
                "SELECT c.email, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id "
                "WHERE last_name = 'Doe'"
            )
        ).one()
    assert tuple(jane) == ("jane@acme.com", "ACME Corporation")
    rejects = tmp_path / "rejects.csv"
    rejects.write_text(importer.rejects_csv(plan), encoding="utf-8")
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "Line",
        "Problem",
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Company",
        "City",
        "Country",
    ]
    assert rows[1][0] == "4"
    assert rows[1][1].startswith("Email 'not-an-email' is not a valid address: An email address must have")
    assert rows[1][1].endswith("Last name is required.")
    assert rows[1][2:] == ["Bad", "", "not-an-email", "12", "Acme Inc", "Boston", "US"]

    again = _plan(store, CONTACTS)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 4, "skip": 0, "reject": 1}
    assert again.new_accounts == {}
    second = _run(store, again)
    assert (second.created, second.updated, second.accounts_created) == (0, 0, 0)
    assert _count(store, "contacts") == 3


def test_a_match_is_completed_never_overwritten_or_skipped_when_asked(store: LocalStore) -> None:
    _run(store, _plan(store, "Last Name,First Name,Email\nDoe,Jane,jane@acme.com\n"))
    richer = "Last Name,First Name,Email,Phone,City\nDoe,Janet,jane@acme.com,617 555 0100,Boston\n"
    plan = _plan(store, richer)
    assert plan.rows[0].action == "update"
    assert plan.rows[0].changes == {"phone": "+16175550100", "city": "Boston"}  # not the first name
    assert _plan(store, richer, on_match="skip").rows[0].action == "skip"
    result = _run(store, plan)
    assert result.updated == 1
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT first_name, phone, city FROM contacts")).one()
    assert tuple(row) == ("Jane", "+16175550100", "Boston")


def test_cancel_leaves_nothing_half_imported(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 2)
    rows = "".join(f"Person{n},Last{n},p{n}@x{n}.com,Co {n % 3}\n" for n in range(10))
    plan = _plan(store, "First Name,Last Name,Email,Company\n" + rows)
    assert plan.counts()["create"] == 10
    seen: list[tuple[str, int, int]] = []
    progress = Progress(lambda *args: seen.append(args), interval=0)

    real = services.create_many

    def create_then_cancel(*args: Any, **kwargs: Any) -> list[str]:
        ids = real(*args, **kwargs)
        if args[1] == "contacts" and len(seen) >= 3:
            progress.cancel()
        return ids

    monkeypatch.setattr(services, "create_many", create_then_cancel)
    with pytest.raises(Cancelled):
        _run(store, plan, progress)
    assert seen[:3] == [("Importing", 0, 10), ("Importing", 2, 10), ("Importing", 4, 10)]
    assert _count(store, "contacts") == 0
    assert _count(store, "accounts") == 0
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == 0


def test_defaults_owner_and_territory_by_name(store: LocalStore) -> None:
    with store.transaction() as session:
        me = services.create(session, "users", {"login": "ann", "full_name": "Ann Lee"}).id
        other = services.create(session, "users", {"login": "bob", "full_name": "Bob Roe"}).id
        ne = services.create(session, "territories", {"code": "NE", "name": "New England"}).id
    data = "Last Name,Company,Owner,Territory\nDoe,Acme,Bob Roe,NE\nRoe,Globex,Zed,Nowhere\n"
    plan = _plan(store, data, kind="leads", defaults={"owner_id": me, "territory_id": ne})
    first, second = plan.rows
    assert (first.values["owner_id"], first.values["territory_id"]) == (other, ne)
    assert (second.values["owner_id"], second.values["territory_id"]) == (me, ne)
    assert second.warnings == [
        "Owner 'Zed' is not a user here; the default owner was used.",
        "Territory 'Nowhere' is not known here; the default was used.",
    ]


@pytest.mark.parametrize("kind", ["contacts", "leads", "accounts"])
def test_a_csv_export_imports_again_as_the_same_records(store: LocalStore, kind: str, tmp_path: Path) -> None:
    with store.transaction() as session:
        account = services.create(
            session, "accounts", {"name": "Acme", "phone": "+1 617 555 0100", "city": "Boston"}
        ).id
        services.create(
            session,
            "contacts",
            {
                "first_name": "Zoë",
                "last_name": "Müller",
                "account_id": account,
                "consent_email": True,
                "notes": "a\nb",
            },
        )
        services.create(session, "leads", {"last_name": "Lee", "company": "Globex", "status": "working"})
    out = io.StringIO(newline="")
    with store.reading() as session:
        assert exporter.write_csv(session, kind, out) == 1
    data = out.getvalue().encode("utf-8-sig")
    plan = _plan(store, data, kind=kind)
    assert plan.source.detected == ("SFA Desktop" if kind == "contacts" else None)
    assert [(r.action, r.reasons) for r in plan.rows] == [("unchanged", ("same id",))]
    with store.transaction() as session:
        services.delete(session, kind, plan.rows[0].match_id or "")
    fresh = _plan(store, data, kind=kind)
    assert [r.action for r in fresh.rows] == ["create"]
    values = fresh.rows[0].values
    if kind == "contacts":
        assert (values["first_name"], values["consent_email"], values["notes"], values["account_id"]) == (
            "Zoë",
            True,
            "a\nb",
            account,
        )


@pytest.mark.parametrize("version", ["2.1", "3.0", "4.0"])
def test_a_vcard_export_imports_again(store: LocalStore, tmp_path: Path, version: str) -> None:
    with store.transaction() as session:
        account = services.create(session, "accounts", {"name": "Acme, Inc."}).id
        services.create(
            session,
            "contacts",
            {
                "first_name": "Zoë",
                "last_name": "Müller",
                "title": "CFO",
                "account_id": account,
                "email": "zoe@acme.de",
                "phone": "+49 30 1234567",
                "mobile": "+49 170 1234567",
                "street": "Hauptstr. 1",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE",
                "notes": "Met at the fair;\nlikes tea",
            },
        )
    out = io.StringIO(newline="")
    with store.reading() as session:
        exporter.write_vcards(session, "contacts", out, version)
    other = LocalStore.open(tmp_path / "other")
    try:
        source = import_source.read_source(out.getvalue().encode(), "contacts.vcf")
        with other.transaction() as session:
            plan = importer.plan(session, source, Options("contacts"))
            importer.run(session, plan)
        with other.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT c.first_name, c.last_name, c.title, a.name, c.email, c.phone, c.mobile, c.street,"
                    " c.city, c.postcode, c.country, c.notes FROM contacts c JOIN accounts a"
                    " ON a.id = c.account_id"
                )
            ).one()
        assert tuple(row) == (
            "Zoë",
            "Müller",
            "CFO",
            "Acme, Inc.",
            "zoe@acme.de",
            "+49301234567",
            "+491701234567",
            "Hauptstr. 1",
            "Berlin",
            "10115",
            "DE",
            "Met at the fair;\nlikes tea",
        )
    finally:
        other.close()


def test_vcards_for_leads_and_accounts_and_unknown_kinds(store: LocalStore) -> None:
    with store.transaction() as session:
        services.create(session, "leads", {"last_name": "Lee", "company": "Globex", "website": "globex.com"})
    out = io.StringIO()
    with store.reading() as session:
        assert exporter.write_vcards(session, "leads", out, "4.0") == 1
        with pytest.raises(ValueError, match="exports are of"):
            exporter.write_csv(session, "opportunities", io.StringIO())
        with pytest.raises(ValueError, match=r"vCard version '5\.0'"):
            exporter.write_vcards(session, "leads", io.StringIO(), "5.0")
    assert "ORG:Globex" in out.getvalue()
    assert "URL:https://globex.com" in out.getvalue()


def test_a_plan_keeps_no_object_a_row(store: LocalStore) -> None:
    """Issue 13 (memory): a plan of 200,000 rows keeps their fates in columns, not an object a row (nor
    the matched record's id, label and reasons as strings: they are worked out when asked for)."""
    import gc

    rows = "".join(f"Person{n},Family{n},p{n}@firm{n % 50}.com,Firm {n % 50},Boston\n" for n in range(3000))
    data = "First Name,Last Name,Email,Company,City\n" + rows
    first = _plan(store, data)  # loads what a first plan loads once (phone metadata, caches)
    _run(store, first)
    _plan(store, data)  # ... and what matching rows loads once (SQLAlchemy's compiled statements)
    gc.collect()
    before = len(gc.get_objects())
    again = _plan(store, data)  # every row matches a record now
    gc.collect()
    assert len(gc.get_objects()) - before < 300
    assert again.counts()["unchanged"] == 3000
    assert again.rows[2999].match_label == "Person2999 Family2999 (Firm 49)"
    assert again.rows[2999].reasons == ("same email p2999@firm49.com",)
