"""Defections (issue 15, item 5): the rules of recording one (type, status, reason, date, the account's rep,
who recorded it), kept as the account's history and following the account; refused outside the user's
territories; ``sfa accounts defect`` and ``sfa accounts defections``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from sfa_desktop.cli import main
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Defection
from sfa_desktop.core.retention import defections
from sfa_desktop.core.retention.defections import DefectionError, Given
from sfa_desktop.ops import retention as retention_ops
from sfa_desktop.store.capture import read_outbox
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def company(store: LocalStore) -> tuple[LocalStore, dict[str, Any]]:
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        for code in ("NE", "SE"):
            ids[code] = services.create(s, "territories", {"code": code, "name": code}).id
        for login, home in (("rena", "NE"), ("sam", "SE")):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": login.title(), "role": "rep"}
            ).id
            services.create(s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]})
        ids["acme"] = services.create(
            s, "accounts", {"name": "Acme", "territory_id": ids["NE"], "owner_id": ids["rena"]}
        ).id
        ids["south"] = services.create(
            s, "accounts", {"name": "Southco", "territory_id": ids["SE"], "owner_id": ids["sam"]}
        ).id
    return store, ids


def sign_in(store: LocalStore, user_id: str, login: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=login, user_id=user_id))


def record(store: LocalStore, **given: Any) -> retention_ops.Recorded:
    values = {"status": "lost", "defection_type": "price", "reason": "Cheaper elsewhere", **given}
    return retention_ops.record_defection(store, Given(**values), TODAY)


def test_a_defection_takes_the_accounts_territory_and_rep_and_who_recorded_it(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    sign_in(store, ids["rena"], "rena")
    with store.engine.connect() as conn:
        before = len(read_outbox(conn))
    made = record(store, account_id=ids["acme"], defection_type=" Organizational ", defected_on=TODAY)
    assert (made.account, made.status, made.defection_type, made.defected_on) == (
        "Acme",
        "lost",
        "organisational",
        TODAY,
    )
    with store.reading() as s:
        row = s.get(Defection, made.defection_id)
        assert row is not None
        assert (row.territory_id, row.owner_id, row.recorded_by_id) == (ids["NE"], ids["rena"], ids["rena"])
    with store.engine.connect() as conn:
        sent = read_outbox(conn)[before:]
    assert [(c.table, c.op) for c in sent] == [("defections", "insert")]  # one change, for the sync


def test_the_rules_say_what_to_change(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    acme = ids["acme"]
    cases: dict[str, dict[str, Any]] = {
        "'pricing' is not a defection type: choose one of price, product, service, market, technological, "
        "organisational.": {"defection_type": "pricing"},
        "Choose the defection type: price, product": {"defection_type": "  "},
        "Say why the customer is leaving in a few words": {"reason": " ok "},
        "keep it under 2,000": {"reason": "x" * 2001},
        "The date 2026-07-01 is in the future": {"defected_on": dt.date(2026, 7, 1)},
        "'gone' is not a defection status: the account is either lost or declining.": {"status": "gone"},
    }
    for message, bad in cases.items():
        with pytest.raises(DefectionError, match=message.replace("(", r"\(").replace(")", r"\)")[:60]):
            record(store, account_id=acme, **bad)
    with store.transaction() as s:
        services.delete(s, "accounts", ids["south"])
    with pytest.raises(DefectionError, match="not on this laptop any more"):
        record(store, account_id=ids["south"])
    assert retention_ops.list_defections(store) == []  # nothing half-written


def test_the_account_keeps_its_history_and_its_defections_follow_it(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    record(
        store,
        account_id=ids["acme"],
        status="declining",
        defection_type="service",
        defected_on=dt.date(2026, 3, 2),
    )
    record(store, account_id=ids["acme"], defection_type="price", defected_on=dt.date(2026, 6, 1))
    history = retention_ops.account_defections(store, ids["acme"])
    assert [(h.status, h.defection_type, h.rep) for h in history] == [
        ("lost", "price", "Rena"),
        ("declining", "service", "Rena"),
    ]
    with store.transaction() as s:
        services.update(s, "accounts", ids["acme"], {"territory_id": ids["SE"]})
    with store.reading() as s:
        assert {d.territory_id for d in s.query(Defection)} == {ids["SE"]}
    with store.transaction() as s:
        services.delete(s, "accounts", ids["acme"])
    assert retention_ops.list_defections(store) == []


def test_a_rep_cannot_record_a_defection_in_another_territory(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    sign_in(store, ids["rena"], "rena")
    with pytest.raises(NotPermitted):
        record(store, account_id=ids["south"])
    assert retention_ops.list_defections(store) == []


def test_the_type_hints_cover_every_type() -> None:
    assert list(defections.TYPE_HINTS) == [
        "price",
        "product",
        "service",
        "market",
        "technological",
        "organisational",
    ]


def test_the_command_line_records_and_lists(
    company: tuple[LocalStore, dict[str, Any]], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(data_dir)]
    assert company[1]["acme"]
    assert (
        main(
            [
                *data,
                "accounts",
                "defect",
                "Acme",
                "--type",
                "service",
                "--reason",
                "Late deliveries",
                "--declining",
                "--on",
                "2026-05-04",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == (
        "Acme recorded as declining (service) on 2026-05-04: Late deliveries\n"
    )
    assert main([*data, "accounts", "defect", "Acme", "--type", "prices", "--reason", "Too dear"]) == 1
    assert "'prices' is not a defection type" in capsys.readouterr().err
    assert main([*data, "accounts", "defections", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["account"], d["status"], d["type"], d["date"], d["rep"]) for d in listed] == [
        ("Acme", "declining", "service", "2026-05-04", "Rena")
    ]
    assert main([*data, "accounts", "defections", "Southco"]) == 0
    assert capsys.readouterr().out == "No defection recorded for Southco.\n"
    assert main([*data, "accounts", "defections", "--type", "price"]) == 0
    assert capsys.readouterr().out == "No defections recorded.\n"
