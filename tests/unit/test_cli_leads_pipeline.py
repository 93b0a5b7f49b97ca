"""``sfa stages``, ``sfa pipeline``, ``sfa opportunities won|lost`` and ``sfa leads score|convert|rules``:
what they print, what they change, and one-line errors for what a person gets wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sfa: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def data(store: LocalStore, data_dir: Path) -> Path:
    with store.transaction() as s:
        ne = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        ann = services.create(s, "users", {"login": "ann", "full_name": "Ann Lee", "role": "rep"}).id
        services.create(s, "users", {"login": "root", "full_name": "Admin", "role": "admin"})
        services.create(s, "territory_memberships", {"territory_id": ne, "user_id": ann})
        acme = services.create(
            s, "accounts", {"name": "Acme Tools", "website": "acme.com", "territory_id": ne}
        ).id
        for name, stage, amount, owner in (
            ("Fleet renewal", "proposal", 1_000_000, ann),  # 60%: 6,000.00
            ("Pilot", "prospecting", 250_050, None),  # 10%: 250.05
            ("Expansion", "negotiation", 333_333, ann),  # 80%: 2,666.6640 -> 2,666.66
            ("Old deal", "closed won", 900_000, ann),
        ):
            values = {
                "name": name,
                "account_id": acme,
                "stage": stage,
                "amount_cents": amount,
                "owner_id": owner,
            }
            services.create(s, "opportunities", values)
        services.create(
            s,
            "leads",
            {
                "first_name": "Jane",
                "last_name": "Moreau",
                "company": "Acme Tools Inc.",
                "email": "jane@acme.com",
                "industry": "Logistics",
                "employee_count": 2500,
                "territory_id": ne,
                "owner_id": ann,
                "status": "working",
            },
        )
        services.create(s, "leads", {"last_name": "Nobody", "company": "Initrode", "status": "new"})
    return data_dir


def sign_in(store: LocalStore, login: str) -> None:
    with store.engine.begin() as conn:
        user = conn.execute(text("SELECT id FROM users WHERE login = :l"), {"l": login}).scalar()
        state.save(conn, state.SyncState(user_id=user, login=login), "user_id", "login")


def query(store: LocalStore, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


# -- stages --------------------------------------------------------------------------------------------


def test_stages_list_add_and_edit(capsys: pytest.CaptureFixture[str], data: Path, store: LocalStore) -> None:
    code, out, _ = run(capsys, data, "stages", "list")
    assert code == 0
    assert out.splitlines()[2].split() == ["1", "prospecting", "Prospecting", "10%", "open", "yes"]
    code, out, err = run(
        capsys, data, "stages", "add", "Demo scheduled", "--probability", "35", "--after", "Qualification"
    )
    assert code == 0, err
    assert "Added the stage Demo scheduled" in out
    code, out, err = run(
        capsys, data, "stages", "edit", "demo scheduled", "--name", "Demo booked", "--position", "2"
    )
    assert code == 0, err
    code, out, _ = run(capsys, data, "stages", "list", "--format", "json")
    stages = json.loads(out)
    assert [(s["key"], s["name"], s["probability"]) for s in stages[:3]] == [
        ("prospecting", "Prospecting", 10),
        ("demo scheduled", "Demo booked", 35),
        ("qualification", "Qualification", 20),
    ]
    code, _, err = run(
        capsys,
        data,
        "opportunities",
        "add",
        "--name",
        "X",
        "--account",
        "Acme Tools",
        "--stage",
        "Demo Booked",
    )
    assert code == 0, err
    code, out, _ = run(capsys, data, "opportunities", "list", "--stage", "demo booked", "--format", "csv")
    assert out.count("\n") == 2  # header and the one deal


def test_stage_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(capsys, data, "stages", "edit", "Proposal", "--active", "no")
    assert code == 1
    one_line_error(err, "1 opportunity is still in 'Proposal'")
    code, _, err = run(capsys, data, "stages", "edit", "Nowhere", "--probability", "5")
    one_line_error(err, "There is no stage 'Nowhere'", "Prospecting")
    code, _, err = run(capsys, data, "stages", "edit", "Proposal")
    one_line_error(err, "Nothing to change")
    code, _, err = run(capsys, data, "stages", "add", "Proposal", "--probability", "5")
    one_line_error(err, "Two stages are called 'Proposal'")
    code, _, err = run(capsys, data, "opportunities", "list", "--stage", "signed")
    one_line_error(err, "--stage: 'signed' is not a stage")
    assert code == 1


def test_only_administrators_change_stages(
    capsys: pytest.CaptureFixture[str], data: Path, store: LocalStore
) -> None:
    sign_in(store, "ann")
    code, _, err = run(capsys, data, "stages", "add", "Demo", "--probability", "30")
    assert code == 1
    one_line_error(err, "Only administrators change the pipeline stages", "ann (rep)")
    code, out, _ = run(capsys, data, "stages", "list")  # reading is for everyone
    assert code == 0
    assert "Demo" not in out
    sign_in(store, "root")
    code, _, err = run(capsys, data, "stages", "add", "Demo", "--probability", "30")
    assert code == 0, err


# -- won, lost, totals ------------------------------------------------------------------------------------


def test_won_and_lost_with_reasons(capsys: pytest.CaptureFixture[str], data: Path, store: LocalStore) -> None:
    code, out, err = run(capsys, data, "opportunities", "won", "Fleet renewal", "--reason", "Best value")
    assert code == 0, err
    assert out.startswith("Fleet renewal is won (Closed won, closed ")
    code, out, err = run(capsys, data, "opportunities", "lost", "Pilot", "--reason", "No budget")
    assert code == 0, err
    closed = (
        "SELECT stage, won_reason, lost_reason FROM opportunities WHERE name IN ('Fleet renewal', 'Pilot')"
    )
    assert query(store, closed + " ORDER BY name") == [
        ("closed won", "Best value", None),
        ("closed lost", None, "No budget"),
    ]
    code, _, err = run(capsys, data, "opportunities", "lost", "Expansion", "--reason", " ")
    one_line_error(err, "lost_reason", "Say why the deal was lost")
    code, _, err = run(capsys, data, "opportunities", "won", "Expansion")
    assert code == 2  # argparse: --reason is required
    assert "--reason" in err


def test_pipeline_totals_table_and_json(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = run(capsys, data, "pipeline")
    assert code == 0, err
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "$10,000.00" in lines["Proposal"]
    assert "$6,000.00" in lines["Proposal"]
    assert "$2,666.66" in lines["Negotiation"]
    assert "$8,916.71" in lines["Open pipeline"]  # 6,000.00 + 250.05 + 2,666.664 = 8,916.714
    assert "$15,833.83" in lines["Open pipeline"]
    assert "$9,000.00" in lines["Closed won"]
    code, out, _ = run(capsys, data, "pipeline", "--owner", "ann", "--format", "json")
    document = json.loads(out)
    assert document["owner"] == "Ann Lee"
    assert document["open"] == {"count": 2, "amount": "13333.33", "weighted": "8666.66"}
    assert document["won"] == {"count": 1, "amount": "9000.00"}
    code, _, err = run(capsys, data, "pipeline", "--owner", "me")
    one_line_error(err, "not connected")
    code, _, err = run(capsys, data, "pipeline", "--owner", "zed")
    one_line_error(err, "There is no user 'zed'")


# -- leads ------------------------------------------------------------------------------------------------


def test_leads_score_list_one_and_json(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = run(capsys, data, "leads", "score")
    assert code == 0, err
    rows = out.splitlines()[2:]
    assert rows[0].split()[1:3] == ["Jane", "Moreau"]  # best first
    assert "Enterprise: 2,500 employees" in rows[0]
    code, out, _ = run(capsys, data, "leads", "score", "Jane Moreau")
    assert out.splitlines()[0] == "Jane Moreau: score 45 (fit +45, engagement 0)"
    assert "+15  fit         Industry Logistics is a target industry" in out
    code, out, _ = run(capsys, data, "leads", "score", "Nobody", "--format", "json")
    assert json.loads(out) == {"lead": "Nobody", "score": 0, "fit": 0, "engagement": 0, "reasons": []}


def test_status_rules_from_the_command_line(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(capsys, data, "leads", "edit", "Nobody", "--status", "converted")
    assert code == 1
    one_line_error(err, "status:", "only by converting it")
    code, _, err = run(capsys, data, "leads", "edit", "Nobody", "--status", "disqualified")
    one_line_error(err, "status_reason:", "Say why")
    code, _, err = run(
        capsys, data, "leads", "edit", "Nobody", "--status", "disqualified", "--status-reason", "Spam"
    )
    assert code == 0, err


def test_convert_offers_the_matching_account_first(
    capsys: pytest.CaptureFixture[str], data: Path, store: LocalStore
) -> None:
    code, _, err = run(capsys, data, "leads", "convert", "Jane Moreau")
    assert code == 1
    one_line_error(
        err, "matches existing accounts: Acme Tools", "same company name", "--account REF, or --new-account"
    )
    code, _, err = run(capsys, data, "leads", "convert", "Jane Moreau", "--amount", "5")
    one_line_error(err, "give --opportunity NAME too")
    code, out, err = run(
        capsys,
        data,
        "leads",
        "convert",
        "Jane Moreau",
        "--account",
        "Acme Tools",
        "--opportunity",
        "Acme pilot",
        "--amount",
        "12,500",
        "--close-date",
        "2027-02-01",
        "--stage",
        "Needs analysis",
    )
    assert code == 0, err
    assert (
        "Converted to the existing account Acme Tools, the new contact Jane Moreau and a new opportunity"
        in out
    )
    assert query(store, "SELECT count(*) FROM accounts") == [(1,)]
    assert query(
        store,
        "SELECT o.stage, o.amount_cents, c.email FROM opportunities o JOIN contacts c ON c.id = o.contact_id",
    ) == [("needs analysis", 1_250_000, "jane@acme.com")]
    code, _, err = run(capsys, data, "leads", "convert", "Jane Moreau", "--new-account")
    one_line_error(err, "already converted")
    code, out, err = run(
        capsys, data, "leads", "convert", "Nobody", "--opportunity", "X", "--close-date", "someday"
    )
    one_line_error(err, "Opportunity:")
    code, out, err = run(capsys, data, "leads", "convert", "Nobody")
    assert code == 0, err
    assert "the new account Initrode" in out


def test_rules_show_set_from_a_file_and_reset(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, data, "leads", "rules")
    assert json.loads(out)["rules"][0]["kind"] == "industry"
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": [{"kind": "recency", "points": 5}]}', encoding="utf-8")
    code, _, err = run(capsys, data, "leads", "rules", "--file", str(bad))
    assert code == 1
    one_line_error(err, "The rules were not saved", "Rule 1 (recency): 'days' is required")
    good = tmp_path / "good.json"
    good.write_text('[{"kind": "source", "sources": ["web"], "points": 7}]', encoding="utf-8")
    code, out, err = run(capsys, data, "leads", "rules", "--file", str(good))
    assert code == 0, err
    code, out, _ = run(capsys, data, "settings", "get", "lead_scoring_rules")
    assert json.loads(out) == {"rules": [{"kind": "source", "sources": ["web"], "points": 7}]}
    code, _, err = run(capsys, data, "settings", "set", "lead_scoring_rules", '{"rules": 5}')
    one_line_error(err, "lead_scoring_rules was not changed")
    code, out, _ = run(capsys, data, "settings", "list")
    (line,) = [x for x in out.splitlines() if x.startswith("lead_scoring_rules")]
    assert len(line) < 110
    assert "sfa settings get lead_scoring_rules" in line
    code, _, _ = run(capsys, data, "leads", "rules", "--reset")
    code, out, _ = run(capsys, data, "leads", "rules", "--defaults")
    _, out2, _ = run(capsys, data, "leads", "rules")
    assert out == out2


def test_every_new_command_has_help(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    for command in (
        ("stages", "--help"),
        ("stages", "add", "--help"),
        ("stages", "edit", "--help"),
        ("pipeline", "--help"),
        ("opportunities", "won", "--help"),
        ("opportunities", "lost", "--help"),
        ("leads", "score", "--help"),
        ("leads", "convert", "--help"),
        ("leads", "rules", "--help"),
    ):
        code, out, _ = run(capsys, data, *command)
        assert code == 0
        assert "usage: sfa" in out
