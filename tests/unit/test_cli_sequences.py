"""``sfa sequences``, ``sfa enroll``, ``sfa enrollments``, ``sfa log-outcome``, ``sfa agenda [--ics]`` and
``sfa central sequences import``, in-process on real files; mistakes end in one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select, text

from sfa_desktop import cli
from sfa_desktop.core.demo.data import load
from sfa_desktop.core.records import services
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.server import central, schema
from sfa_desktop.store.database import LocalStore
from tests.unit.test_sequences import outreach


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    store = LocalStore.open(folder)
    with store.transaction() as s:
        for template in load().sequence_templates:
            enrollments.save_template(s, None, template)
        account = services.create(s, "accounts", {"name": "Acme Tools", "city": "Boston", "region": "MA"}).id
        services.create(s, "contacts", {"first_name": "Jane", "last_name": "Doe", "account_id": account})
        for name in ("Lee", "Moss", "Ito"):
            services.create(s, "leads", {"last_name": name, "company": f"{name} & Co"})
    store.close()
    return folder


def sql(data: Path, query: str) -> list[tuple[object, ...]]:
    store = LocalStore.open(data, create=False)
    try:
        with store.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        store.close()


def test_sequences_list_and_show(capsys, data):
    code, out, _err = run(capsys, data, "sequences", "list")
    assert code == 0
    assert "New lead outreach" in out
    assert "lead " in out
    code, out, _err = run(capsys, data, "sequences", "show", "new lead outreach", "--scripts")
    assert code == 0
    assert "1. Introduction call [intro_call] — call, at once" in out
    assert "no answer: again in 2 business days (up to 2 times), then go to Introduction email" in out
    assert "### Opening" in out
    code, _out, err = run(capsys, data, "sequences", "show", "Nope")
    assert (code, err.count("\n")) == (1, 1)
    assert err.startswith("sfa: error: There is no sequence 'Nope'")


def test_enroll_log_outcome_and_agenda(capsys, data, tmp_path):
    code, out, err = run(capsys, data, "enroll", "New lead outreach", "--lead", "Lee", "Moss")
    assert code == 0, err
    assert out.startswith("Enrolled 2 leads in 'New lead outreach'.")
    code, out, _err = run(capsys, data, "enroll", "New lead outreach", "--lead", "Lee")
    assert "Enrolled 0 leads" in out
    assert "already in 'New lead outreach'" in out
    code, out, _err = run(capsys, data, "agenda")
    assert code == 0
    assert "Today (2)" in out or "Upcoming (2)" in out  # on a weekend, business days start on Monday
    assert "Lee & Co" in out
    assert "[New lead outreach: Step 1 of 4]" in out
    [(activity,)] = sql(
        data, "SELECT a.id FROM activities a JOIN leads l ON l.id = a.lead_id WHERE l.last_name = 'Lee'"
    )
    code, out, err = run(
        capsys, data, "log-outcome", str(activity)[:8], "interested", "--notes", "Keen", "--minutes", "7"
    )
    assert code == 0, err
    assert "Logged 'interested'. Next: Book a demo, due" in out
    code, _out, err = run(capsys, data, "log-outcome", str(activity)[:8], "interested")
    assert code == 1
    assert "already logged" in err
    target = tmp_path / "agenda.ics"
    code, out, _err = run(capsys, data, "agenda", "--days", "14", "--ics", str(target))
    assert (code, out.strip()) == (0, f"Wrote 2 activities to {target}.")
    events = icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert sorted(str(e["summary"]).split(" — ")[0] for e in events) == [
        "Call: Introduction call",
        "Meeting: Book a demo",
    ]


def test_enrollments_pause_resume_skip_exit_show(capsys, data):
    assert run(capsys, data, "enroll", "Win-back", "--contact", "Jane Doe")[0] == 0
    [(enrollment,)] = sql(data, "SELECT id FROM sequence_enrollments")
    short = str(enrollment)[:8]
    code, out, _err = run(capsys, data, "enrollments", "list", "--everyone")
    assert code == 0
    assert "Jane Doe" in out
    assert "1/3 winback_call" in out
    for action in ("pause", "resume", "skip"):
        code, out, err = run(capsys, data, "enrollments", action, short)
        assert code == 0, err
    code, out, _err = run(capsys, data, "enrollments", "show", short)
    assert "Step 2 of 3: winback_email" in out
    assert "Win-back call — cancelled" in out
    assert run(capsys, data, "enrollments", "exit", short, "--reason", "Closed the site")[0] == 0
    assert sql(data, "SELECT status, reason FROM sequence_enrollments") == [("exited", "Closed the site")]
    code, _out, err = run(capsys, data, "enrollments", "pause", short)
    assert code == 1
    assert err == "sfa: error: Only an active sequence can be paused; this one is exited.\n"


def test_enrollments_list_shows_the_steps_of_the_template_as_it_is_now(capsys, data):
    # the steps are parsed once per template version: a changed template is read again in the same process
    assert run(capsys, data, "enroll", "New lead outreach", "--lead", "Lee")[0] == 0
    code, out, _err = run(capsys, data, "enrollments", "list", "--everyone")
    assert code == 0
    assert "1/4 intro_call" in out
    store = LocalStore.open(data, create=False)
    try:
        with store.transaction() as s:
            template = next(t for t in load().sequence_templates if t["name"] == "New lead outreach")
            [(template_id,)] = s.execute(
                text("SELECT id FROM sequence_templates WHERE name = 'New lead outreach'")
            ).all()
            *steps, last = template["steps"]
            done = {"completed": {"next": True}}
            wrap_up = {
                **last,
                "key": "wrap_up",
                "title": "Wrap up",
                "outcomes": {"completed": {"complete": "done"}},
            }
            steps = [*steps, {**last, "outcomes": {**last["outcomes"], **done}}, wrap_up]
            enrollments.save_template(s, template_id, {**template, "steps": steps})
    finally:
        store.close()
    code, out, _err = run(capsys, data, "enrollments", "list", "--everyone")
    assert code == 0
    assert "1/5 intro_call" in out


def test_enroll_mistakes_end_in_one_line(capsys, data):
    for args, words in (
        (("enroll", "Win-back"), "exactly one of --lead, --contact or --opportunity"),
        (("enroll", "Win-back", "--lead", "Lee"), "is for contacts, not leads"),
        (("enroll", "Win-back", "--contact", "Nobody"), "There is no contact 'Nobody'"),
        (("log-outcome", "ffff", "done"), "There is no activity 'ffff'"),
        (("agenda", "--days", "999"), "--days must be from 0 to 366"),
    ):
        code, _out, err = run(capsys, data, *args)
        assert code == 1, args
        assert err.count("\n") == 1, err
        assert words in err


# -- the central store -----------------------------------------------------------------------------------


def import_file(tmp_path: Path, templates: list[dict[str, object]]) -> Path:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps({"templates": templates}), encoding="utf-8")
    return path


def central_templates(url: str) -> dict[str, str]:
    engine = central.make_central_engine(url)
    try:
        with engine.connect() as cc:
            t = schema.SYNCED["sequence_templates"]
            return {r.name: r.steps for r in cc.execute(select(t.c.name, t.c.steps))}
    finally:
        engine.dispose()


def test_central_import_checks_everything_first_then_writes(capsys, tmp_path):
    url = str(tmp_path / "central.sqlite3")
    assert cli.main(["central", "init", url]) == 0
    bad = outreach()
    bad[0]["outcomes"]["interested"] = {"goto": "demo"}
    path = import_file(tmp_path, [{"name": "Good", "steps": outreach()}, {"name": "Bad", "steps": bad}])
    capsys.readouterr()
    code = cli.main(["central", "sequences", "import", str(path), "--url", url])
    _out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith(
        "sfa: error: Template 'Bad': Step 'intro_call' (Introduction call): outcome 'interested'"
    )
    assert central_templates(url) == {}  # nothing written
    path = import_file(tmp_path, [{"name": "Good", "target": "lead", "steps": outreach()}])
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 0
    assert "1 added, 0 updated" in capsys.readouterr().out
    changed = outreach()[:2]
    changed[1]["outcomes"] = {"completed": {"complete": "emailed"}}
    changed[0]["outcomes"] = {"completed": {"next": True}}
    path = import_file(tmp_path, [{"name": "good", "steps": changed}])
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 0
    assert "0 added, 1 updated" in capsys.readouterr().out
    assert '"emailed"' in central_templates(url)["good"]
    path.write_text("{not json", encoding="utf-8")
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 1
    assert "is not valid JSON" in capsys.readouterr().err


def test_central_import_checks_ids_and_never_makes_two_live_templates_with_one_name(capsys, tmp_path):
    """Issue 13, items 12 and 16."""
    url = str(tmp_path / "central.sqlite3")
    assert cli.main(["central", "init", url]) == 0
    path = import_file(
        tmp_path, [{"name": "Alpha", "steps": outreach()}, {"name": "Beta", "steps": outreach()}]
    )
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 0
    engine = central.make_central_engine(url)
    with engine.connect() as cc:
        t = schema.SYNCED["sequence_templates"]
        ids = {r.name: r.id for r in cc.execute(select(t.c.name, t.c.id))}
    engine.dispose()
    capsys.readouterr()
    for given, said in (
        (7, "Template 'Beta': the id 7 is not a template's id; give its UUID as text"),
        ([1, 2], "Template 'Beta': the id [1, 2] is not a template's id"),
        ("seven", "Template 'Beta': the id \"seven\" is not a template's id (a UUID such as"),
        (
            ids["Alpha"],
            f"Template 'Beta': its id {ids['Alpha']} (now 'Alpha') is not the id of the sequence "
            f"named 'Beta' ({ids['Beta']}); a second sequence with that name would be made.",
        ),
        (
            "0b6f3c2e-8d1a-4c5e-9f7b-2a6d4e8c1b3f",
            "Template 'Beta': its id 0b6f3c2e-8d1a-4c5e-9f7b-2a6d4e8c1b3f "
            "is not the id of the sequence named 'Beta'",
        ),
    ):
        path = import_file(tmp_path, [{"id": given, "name": "Beta", "steps": outreach()}])
        assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 1
        _out, err = capsys.readouterr()
        assert err.startswith(f"sfa: error: {said}"), err
        assert err.count("\n") == 1
    assert sorted(central_templates(url)) == ["Alpha", "Beta"]  # nothing written
    path = import_file(tmp_path, [{"id": ids["Alpha"], "name": "Alpha renamed", "steps": outreach()}])
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 0
    assert "0 added, 1 updated" in capsys.readouterr().out
    assert sorted(central_templates(url)) == ["Alpha renamed", "Beta"]
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert cli.main(["central", "sequences", "import", str(path), "--url", url]) == 1
    _out, err = capsys.readouterr()
    assert err.startswith("sfa: error: ")
    assert "is nested too deeply to be a templates file" in err
    assert err.count("\n") == 1
