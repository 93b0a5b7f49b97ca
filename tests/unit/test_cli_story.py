"""``sfa timeline``, ``sfa sales`` and ``sfa log``, driven in-process through ``main([...])``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state

NEXT_YEAR = dt.date.today().year + 1


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(store: LocalStore, data_dir: Path) -> Path:
    with store.transaction() as s:
        ann = services.create(s, "users", {"login": "ann", "full_name": "Ann Lee"}).id
        product = services.create(s, "products", {"sku": "TEL-1", "name": "Fleet tracker"}).id
        account = services.create(s, "accounts", {"name": "Acme Tools", "owner_id": ann}).id
        jane = services.create(
            s, "contacts", {"first_name": "Jane", "last_name": "Doe", "account_id": account}
        ).id
        for kind, subject, days in (
            ("call", "Intro call", 30),
            ("visit", "Depot visit", 20),
            ("email", "Brochure", 10),
        ):
            services.create(
                s,
                "activities",
                {
                    "kind": kind,
                    "subject": subject,
                    "account_id": account,
                    "contact_id": jane if kind == "call" else None,
                    "done_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=days),
                    "owner_id": ann,
                },
            )
        for number, day, quantity in (
            ("SO-1", "2026-01-10", 10),
            ("SO-2", "2026-03-15", 2),
            ("SO-3", "2025-03-01", 5),
        ):
            order = services.create(
                s,
                "orders",
                {
                    "account_id": account,
                    "number": number,
                    "order_date": day,
                    "total_cents": quantity * 100_000,
                },
            ).id
            services.create(
                s,
                "order_lines",
                {
                    "order_id": order,
                    "account_id": account,
                    "product_id": product,
                    "quantity": quantity,
                    "unit_price_cents": 100_000,
                    "line_total_cents": quantity * 100_000,
                },
            )
    return data_dir


def test_timeline_table_json_filters_and_limits(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = run(capsys, data, "timeline", "accounts", "Acme Tools")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["When", "Kind", "Title", "Detail", "Who"]
    body = "\n".join(lines[2:])
    for expected in ("Intro call", "Depot visit", "Brochure", "Order SO-1", "Order SO-3", "Account created"):
        assert expected in body
    assert "(not synced yet)" in body  # nothing of it was ever synced
    code, out, _ = run(
        capsys, data, "timeline", "accounts", "acme tools", "--kind", "calls,visit", "--format", "json"
    )
    assert code == 0
    items = json.loads(out)
    assert [(i["event"], i["title"]) for i in items] == [("visit", "Depot visit"), ("call", "Intro call")]
    assert items[1]["who"] == "Ann Lee"
    assert items[1]["detail"] == "with Jane Doe"
    code, out, err = run(
        capsys, data, "timeline", "accounts", "Acme Tools", "--kind", "orders", "--limit", "2"
    )
    assert code == 0
    assert [line.split()[2:4] for line in out.splitlines()[2:]] == [["Order", "SO-2"], ["Order", "SO-1"]]
    assert err == "2 of 3 items shown; use --limit N (0 for all).\n"
    code, out, _ = run(capsys, data, "timeline", "contacts", "Jane Doe", "--format", "json")
    assert {i["title"] for i in json.loads(out)} == {"Intro call", "Contact created"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("timeline", "accounts", "Acme Tools", "--kind", "parcel"),
            "--kind: 'parcel' is not a kind of timeline item",
        ),
        (("timeline", "accounts", "Nope Inc"), "There is no account 'Nope Inc'"),
        (("sales", "Nope Inc"), "There is no account 'Nope Inc'"),
        (
            ("log", "call", "--contact", "Jane Doe", "--duration", "abc"),
            "duration_minutes: Duration (min) 'abc' is not a whole number.",
        ),
        (("log", "call", "--contact", "Jane Doe", "--due", "2030-01-01"), "--due needs --follow-up SUBJECT"),
        (
            ("log", "call", "--account", "Acme Tools", "--follow-up", "Quote"),
            "follow_up_due: Follow-up due date: give the day",
        ),
        (
            ("log", "note", "--account", "Acme Tools", "--outcome", "thrilled"),
            "outcome: Outcome 'thrilled' is not one of",
        ),
    ],
)
def test_mistakes_end_in_one_line(
    capsys: pytest.CaptureFixture[str], data: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, data, *args)
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("sfa: error: ")
    assert message in err


@pytest.mark.parametrize(
    "args",
    [
        ("log", "task", "--account", "Acme Tools"),
        ("log", "call"),
        ("log", "call", "--account", "A", "--lead", "B"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], data: Path, args: tuple[str, ...]) -> None:
    code, _out, err = run(capsys, data, *args)
    assert code == 2
    assert "usage: sfa log" in err


def test_log_then_the_timeline_shows_it(
    capsys: pytest.CaptureFixture[str], data: Path, store: LocalStore
) -> None:
    with store.engine.begin() as conn:
        me = conn.execute(text("SELECT id FROM users WHERE login = 'ann'")).scalar()
        state.save(conn, state.SyncState(client_id="c1", url="sqlite:///x", login="ann", user_id=me))
    code, out, err = run(
        capsys,
        data,
        "log",
        "visit",
        "--contact",
        "Jane Doe",
        "--outcome",
        "Meeting booked",
        "--duration",
        "45 min",
        "--notes",
        "Walked the depot",
        "--follow-up",
        "Send the quote",
        "--due",
        f"{NEXT_YEAR}-01-15",
    )
    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert first.startswith("Logged visit “Visit to Jane Doe” on contact Jane Doe (")
    assert second.startswith(f"Follow-up task “Send the quote” due {NEXT_YEAR}-01-15 (")
    code, out, _ = run(
        capsys, data, "timeline", "contacts", "Jane Doe", "--format", "json", "--kind", "visit,task"
    )
    items = json.loads(out)
    assert [(i["event"], i["title"], i["planned"], i["pending"]) for i in items] == [
        ("task", "Send the quote", True, True),
        ("visit", "Visit to Jane Doe", False, True),
    ]
    assert items[1]["detail"] == "Meeting booked · 45 min · Walked the depot"
    assert items[1]["who"] == "Ann Lee"  # the laptop's user


def test_sales_text_and_json(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = run(capsys, data, "sales", "Acme Tools", "--today", "2026-03-15")
    assert (code, err) == (0, "")
    assert out.startswith("Sales of Acme Tools, as of 15 Mar 2026 (USD)\n")
    assert "This year to date   $12,000.00   +140.0% on the same period last year ($5,000.00)" in out
    assert "Last year           $5,000.00" in out
    assert "Last order          15 Mar 2026 (SO-2)" in out
    assert "TEL-1  Fleet tracker   17  $17,000.00   100%" in out
    assert "SO-2         2026-03-15  Invoiced       $2,000.00" in out
    code, out, _ = run(
        capsys, data, "sales", "Acme Tools", "--today", "2026-03-15", "--format", "json", "--orders", "1"
    )
    document = json.loads(out)
    assert document["account"]["name"] == "Acme Tools"
    assert (document["this_year_cents"], document["last_year_to_date_cents"], document["change"]) == (
        1_200_000,
        500_000,
        1.4,
    )
    assert [o["number"] for o in document["orders"]] == ["SO-2"]
    assert document["orders"][0]["lines"][0]["quantity"] == 2


def test_help_documents_the_csv_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["central", "import-orders", "--help"]) == 0
    out = capsys.readouterr().out
    for column in ("order_number", "order_date", "account", "sku", "quantity", "unit_price", "order_total"):
        assert column in out
    assert "nothing is imported" in out
    assert main(["central", "import-products", "--help"]) == 0
    assert "empty cells leave its current values" in capsys.readouterr().out
