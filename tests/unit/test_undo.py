"""Undo (issue 14, item 12): the last edit, stage move or merge made on this laptop comes undone through the
outbox, is refused when the record changed since, and the history is kept in the local database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.ops import data as data_ops
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.ops import records as record_ops
from sfa_desktop.ops import undo
from sfa_desktop.protocol.changes import Change
from sfa_desktop.store import capture, undo_log
from sfa_desktop.store.database import LocalStore


def _create(store: LocalStore, table: str, /, **values: Any) -> str:
    with store.transaction() as session:
        return services.create(session, table, values).id


def _row(store: LocalStore, table: str, record_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": record_id}).mappings().one()
    return dict(row)


def _outbox(store: LocalStore) -> list[Change]:
    with store.engine.connect() as conn:
        return capture.read_outbox(conn)


def _as_synced(store: LocalStore, sql: str, **params: Any) -> None:
    """A value that a sync brought (written with capture suspended, as sync applies remote changes)."""
    with store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(text(sql), params)


def test_undo_an_edit_restores_the_fields_and_goes_into_the_outbox(store: LocalStore) -> None:
    acme = _create(store, "accounts", name="Acme Corp", city="Lyon", phone="+33 4 72 00 00 00")
    with store.engine.connect() as conn:
        before = capture.last_change_no(conn)
    record_ops.save_record(store, "accounts", acme, {"city": "Paris", "website": "acme.fr"})
    assert undo.next_undo(store) == "edit of Acme Corp"
    done = undo.undo_last(store)
    assert done.what == "edit of Acme Corp"
    assert done.focus == ("accounts", acme)
    row = _row(store, "accounts", acme)
    assert (row["city"], row["website"], row["name"]) == ("Lyon", None, "Acme Corp")
    entries = [c for c in _outbox(store) if c.change_no > before]
    assert [c.op for c in entries] == ["update", "update"]  # the edit, then its undo
    assert entries[-1].record_id == acme
    assert entries[-1].changes["city"] == ["Paris", "Lyon"]
    assert entries[-1].changes["website"] == ["https://acme.fr", None]
    assert undo.next_undo(store) is None
    with pytest.raises(undo.NothingToUndo, match="Nothing to undo"):
        undo.undo_last(store)


def test_a_save_without_a_change_is_not_in_the_history(store: LocalStore) -> None:
    acme = record_ops.save_record(store, "accounts", None, {"name": "Acme Corp"})
    record_ops.save_record(store, "accounts", acme, {"name": "Acme Corp"})
    assert [e.describe() for e in undo.history(store)] == ["new account Acme Corp"]


def test_a_new_record_undone_is_deleted_again_and_a_delete_undone_restores_what_went_with_it(
    store: LocalStore,
) -> None:
    acme = record_ops.save_record(store, "accounts", None, {"name": "Acme Corp", "city": "Lyon"})
    ana = record_ops.save_record(store, "contacts", None, {"first_name": "Ana", "last_name": "Silva",
                                                         "account_id": acme})  # fmt: skip
    done = undo.undo_last(store)
    assert (done.what, done.gone) == ("new contact Ana Silva", True)
    assert _row(store, "contacts", ana)["deleted_at"] is not None
    bea = record_ops.save_record(store, "contacts", None, {"first_name": "Bea", "last_name": "Roy",
                                                         "account_id": acme})  # fmt: skip
    assert record_ops.delete_record(store, "accounts", acme) == 2
    assert undo.history(store)[0].describe() == "delete of Acme Corp and 1 related record"
    done = undo.undo_last(store)
    assert (done.focus, done.gone) == (("accounts", acme), False)
    assert _row(store, "accounts", acme)["deleted_at"] is None
    assert _row(store, "contacts", bea)["deleted_at"] is None  # what went with it comes back
    assert _row(store, "contacts", ana)["deleted_at"] is not None  # undone before: stays gone
    with store.engine.connect() as conn:  # synced as restores
        ops = (
            conn.exec_driver_sql(
                "SELECT op FROM outbox WHERE record_id IN (?, ?) ORDER BY change_no DESC LIMIT 2", (acme, bea)
            )
            .scalars()
            .all()
        )
    assert sorted(ops) == ["restore", "restore"]


def test_undo_pops_the_latest_action_and_then_the_one_before(store: LocalStore) -> None:
    acme = _create(store, "accounts", name="Acme Corp", city="Lyon")
    record_ops.save_record(store, "accounts", acme, {"city": "Paris"})
    record_ops.save_record(store, "accounts", acme, {"city": "Nice"})
    assert undo.undo_last(store).what == "edit of Acme Corp"
    assert _row(store, "accounts", acme)["city"] == "Paris"
    undo.undo_last(store)
    assert _row(store, "accounts", acme)["city"] == "Lyon"
    assert [e.describe() for e in undo.history(store)] == ["edit of Acme Corp, undone"] * 2


def test_the_history_keeps_the_last_fifty(store: LocalStore) -> None:
    acme = _create(store, "accounts", name="Acme Corp")
    for n in range(undo_log.KEEP + 5):
        record_ops.save_record(store, "accounts", acme, {"city": f"City {n}"})
    with store.engine.connect() as conn:
        kept = undo_log.entries(conn, 1000)
    assert len(kept) == undo_log.KEEP >= 20
    assert len(undo.history(store)) == undo.SHOWN == 20


def test_undo_a_stage_move_restores_stage_and_probability(store: LocalStore) -> None:
    acme = _create(store, "accounts", name="Acme Corp")
    deal = _create(store, "opportunities", name="Fleet", account_id=acme)
    before = _row(store, "opportunities", deal)
    assert pipeline_ops.move_card(store, deal, "proposal") == "Proposal"
    moved = _row(store, "opportunities", deal)
    assert (moved["stage"], moved["probability"]) == ("proposal", 60)
    assert undo.next_undo(store) == "move of Fleet to Proposal"
    undo.undo_last(store)
    row = _row(store, "opportunities", deal)
    assert (row["stage"], row["probability"]) == (before["stage"], before["probability"])
    assert _outbox(store)[-1].changes["stage"] == ["proposal", before["stage"]]


def test_undo_a_won_deal(store: LocalStore) -> None:
    deal = _create(store, "opportunities", name="Fleet", account_id=_create(store, "accounts", name="Acme"))
    before = _row(store, "opportunities", deal)
    pipeline_ops.close(store, deal, "won", "price")
    assert undo.next_undo(store) == "move of Fleet to Closed won"
    undo.undo_last(store)
    row = _row(store, "opportunities", deal)
    assert (row["stage"], row["won_reason"], row["close_date"]) == (
        before["stage"],
        None,
        before["close_date"],
    )


@pytest.fixture
def pair(store: LocalStore) -> dict[str, str]:
    """Two accounts in two territories, with related records on the one merged away."""
    ids: dict[str, str] = {}
    ids["ne"] = _create(store, "territories", code="NE", name="New England")
    ids["ma"] = _create(store, "territories", code="MA", name="Mid-Atlantic")
    ids["survivor"] = _create(store, "accounts", name="Acme Corporation", territory_id=ids["ne"])
    ids["loser"] = _create(store, "accounts", name="ACME Corp", city="Boston", territory_id=ids["ma"])
    ids["contact"] = _create(store, "contacts", last_name="Doe", account_id=ids["loser"])
    ids["opportunity"] = _create(store, "opportunities", name="Fleet", account_id=ids["loser"])
    ids["activity"] = _create(store, "activities", kind="call", subject="Intro", account_id=ids["loser"])
    template = _create(store, "sequence_templates", name="Onboarding")
    ids["enrollment"] = _create(store, "sequence_enrollments", template_id=template, account_id=ids["loser"])
    ids["lead"] = _create(store, "leads", last_name="Doe", company="Acme")
    with store.transaction() as session:
        services.update(session, "leads", ids["lead"], {"converted_account_id": ids["loser"]})
    ids["own"] = _create(store, "contacts", last_name="Roe", account_id=ids["survivor"])
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_history (seq, table_name, record_id, territory_id, op, changes, db_user,"
                " applied_at) VALUES (7, 'accounts', :i, :t, 'update', '{}', 'ann', '2026-01-01 00:00:00')"
            ),
            {"i": ids["loser"], "t": ids["ma"]},
        )
    return ids


def test_undo_a_merge_restores_the_merged_away_record_and_moves_its_records_back(
    store: LocalStore, pair: dict[str, str]
) -> None:
    survivor, loser = pair["survivor"], pair["loser"]
    with store.engine.connect() as conn:
        before = capture.last_change_no(conn)
    data_ops.merge_records(store, "accounts", survivor, [loser], {})
    assert _row(store, "accounts", survivor)["city"] == "Boston"  # an empty field took the other's
    assert _row(store, "contacts", pair["contact"])["account_id"] == survivor
    assert undo.next_undo(store) == "merge of ACME Corp into Acme Corporation"
    done = undo.undo_last(store)
    assert done.focus == ("accounts", loser)  # the window shows the record that came back
    back = _row(store, "accounts", loser)
    assert (back["deleted_at"], back["merged_into_id"], back["name"]) == (None, None, "ACME Corp")
    assert _row(store, "accounts", survivor)["city"] is None
    for table, key in (
        ("contacts", "contact"),
        ("opportunities", "opportunity"),
        ("activities", "activity"),
        ("sequence_enrollments", "enrollment"),
    ):
        row = _row(store, table, pair[key])
        assert (row["account_id"], row["territory_id"]) == (loser, pair["ma"]), table
    assert _row(store, "leads", pair["lead"])["converted_account_id"] == loser
    assert _row(store, "contacts", pair["own"])["account_id"] == survivor  # the survivor's own stay
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT record_id FROM change_history WHERE seq = 7")).scalar() == loser
    with store.reading() as session:
        services.get(session, "accounts", loser)  # live again
    undo_entries = [c for c in _outbox(store) if c.change_no > before][1 + 5 + 1 :]
    restored = [c for c in undo_entries if c.record_id == loser]
    assert [c.op for c in restored] == ["restore"]
    assert restored[0].changes["merged_into_id"] == [survivor, None]
    assert {c.table for c in undo_entries} == {
        "accounts",
        "contacts",
        "opportunities",
        "activities",
        "sequence_enrollments",
        "leads",
    }


def test_undo_a_contact_merge(store: LocalStore) -> None:
    keep = _create(store, "contacts", first_name="Ana", last_name="Silva", email="ana@acme.com")
    dupe = _create(store, "contacts", first_name="Ana", last_name="Silva", phone="+33 4 72 00 00 01")
    call = _create(store, "activities", kind="call", subject="Intro", contact_id=dupe)
    data_ops.merge_records(store, "contacts", keep, [dupe], {})
    assert _row(store, "activities", call)["contact_id"] == keep
    assert undo.undo_last(store).what == "merge of Ana Silva into Ana Silva"
    assert _row(store, "activities", call)["contact_id"] == dupe
    assert _row(store, "contacts", dupe)["deleted_at"] is None
    assert _row(store, "contacts", keep)["phone"] is None


def test_undo_is_refused_when_a_sync_brought_a_newer_value(store: LocalStore) -> None:
    acme = _create(store, "accounts", name="Acme Corp", city="Lyon")
    record_ops.save_record(store, "accounts", acme, {"city": "Paris"})
    _as_synced(store, "UPDATE accounts SET city = 'Marseille' WHERE id = :i", i=acme)
    waiting = len(_outbox(store))
    with pytest.raises(undo.CannotUndo) as refused:
        undo.undo_last(store)
    message = str(refused.value)
    assert "Cannot undo the edit of Acme Corp" in message
    assert "City is 'Marseille' now, not 'Paris'" in message
    assert "Nothing was undone" in message
    assert _row(store, "accounts", acme)["city"] == "Marseille"
    assert len(_outbox(store)) == waiting  # nothing written
    # the refused action leaves the offer: Undo moves on to nothing (here) rather than refusing forever
    assert undo.next_undo(store) is None
    assert undo.history(store)[0].describe() == "edit of Acme Corp, could not be undone"


def test_undo_of_a_merge_is_refused_when_a_moved_record_changed_since(
    store: LocalStore, pair: dict[str, str]
) -> None:
    data_ops.merge_records(store, "accounts", pair["survivor"], [pair["loser"]], {})
    other = _create(store, "accounts", name="Other")
    with store.transaction() as session:  # moved on by hand after the merge (not through the history)
        services.update(session, "contacts", pair["contact"], {"account_id": other})
    with pytest.raises(undo.CannotUndo, match=r"Doe: Account is '.+' now.*Nothing was undone"):
        undo.undo_last(store)
    assert _row(store, "accounts", pair["loser"])["deleted_at"] is not None
    assert _row(store, "opportunities", pair["opportunity"])["account_id"] == pair["survivor"]


def test_an_edit_made_again_is_undone_first(store: LocalStore) -> None:
    """Edited again on this laptop: the newer edit is the one Undo offers, and undoing both works."""
    acme = _create(store, "accounts", name="Acme Corp", city="Lyon")
    record_ops.save_record(store, "accounts", acme, {"city": "Paris"})
    record_ops.save_record(store, "accounts", acme, {"name": "Acme SA"})
    assert undo.next_undo(store) == "edit of Acme SA"
    undo.undo_last(store)
    undo.undo_last(store)
    assert (_row(store, "accounts", acme)["name"], _row(store, "accounts", acme)["city"]) == (
        "Acme Corp",
        "Lyon",
    )


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sfa_undo_and_its_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    LocalStore.open(data).close()
    code, _out, err = _run(capsys, data, "undo")
    assert code == 1
    assert "Nothing to undo" in err
    code, out, _ = _run(capsys, data, "accounts", "add", "--name", "Acme Corp", "--city", "Lyon")
    assert code == 0
    assert _run(capsys, data, "accounts", "edit", "Acme Corp", "--city", "Paris")[0] == 0
    assert _run(capsys, data, "accounts", "edit", "Acme Corp", "--city", "Nice")[0] == 0
    code, out, _ = _run(capsys, data, "undo", "--list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(line.endswith("edit of Acme Corp  (can be undone)") for line in lines[:2])
    assert lines[2].endswith("new account Acme Corp  (can be undone)")
    code, out, _ = _run(capsys, data, "undo")
    assert (code, out) == (0, "Undid the edit of Acme Corp. The undo is sent at the next sync.\n")
    code, out, _ = _run(capsys, data, "accounts", "show", "Acme Corp")
    assert "Paris" in out
    code, out, _ = _run(capsys, data, "undo", "--list")
    assert out.splitlines()[0].endswith("(undone)")
    store = LocalStore.open(data)
    try:
        _as_synced(store, "UPDATE accounts SET city = 'Lille'")
    finally:
        store.close()
    code, out, err = _run(capsys, data, "undo")
    assert code == 1
    assert err.startswith("sfa: error: Cannot undo the edit of Acme Corp")
    assert "Nothing was undone" in err
