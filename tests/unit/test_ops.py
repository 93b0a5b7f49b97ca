"""The operations layer (sfa_desktop.ops): Qt-free, and the one place the window and the command line
read enrollments from (the enrollments of a record, of everyone, and one enrollment agree)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sfa_desktop import ops
from sfa_desktop.core.records import services
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.ops import sequences as sequence_ops
from sfa_desktop.store.database import LocalStore
from tests.unit.test_enrollments import enroll, people, template
from tests.unit.test_sequences import outreach

OPS = Path(ops.__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_ops_module_imports_qt() -> None:
    modules = sorted(OPS.rglob("*.py"))
    assert len(modules) > 5
    qt = {
        f"{path.relative_to(OPS)}: {name}"
        for path in modules
        for name in _imported(path)
        if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6")
    }
    assert not qt, f"ops must stay Qt-free: {sorted(qt)}"


def test_the_qt_check_sees_a_qt_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from PySide6.QtCore import QObject\n", encoding="utf-8")
    assert "PySide6.QtCore" in _imported(module)


def test_the_enrollments_of_a_record_of_everyone_and_one_agree(store: LocalStore) -> None:
    who = people(store)
    template_id = template(store)
    (lead_enrollment,) = enroll(store, template_id, "leads", who["lead"])
    (contact_enrollment,) = enroll(store, template_id, "contacts", who["contact"])

    (of_lead,) = sequence_ops.record_enrollments(store, "leads", who["lead"])
    everyone = {v.enrollment_id: v for v in sequence_ops.list_enrollments(store)}
    one = sequence_ops.enrollment(store, lead_enrollment)

    assert set(everyone) == {lead_enrollment, contact_enrollment}
    listed = everyone[lead_enrollment]
    for view in (of_lead, listed, one):
        assert (view.enrollment_id, view.template, view.status) == (
            lead_enrollment,
            "New lead outreach",
            "active",
        )
        assert (view.step_key, view.step_position, view.step_count) == ("intro_call", 1, len(outreach()))
        assert view.record_label == "Lee"
    assert everyone[contact_enrollment].record_label == "Doe"
    assert [h.step_key for h in of_lead.history] == ["intro_call"] == [h.step_key for h in one.history]
    assert listed.history == []  # the list of everyone's enrollments leaves the history out


def test_the_list_filters_by_status_and_owner(store: LocalStore) -> None:
    who = people(store)
    template_id = template(store)
    first, second = enroll(store, template_id, "leads", who["lead"], who["lead2"])
    sequence_ops.enrollment_action(store, "pause", second)

    assert [v.enrollment_id for v in sequence_ops.list_enrollments(store, status="paused")] == [second]
    assert [v.enrollment_id for v in sequence_ops.list_enrollments(store, status="active")] == [first]
    assert sequence_ops.list_enrollments(store, owner_id="somebody else") == []


def test_the_steps_shown_follow_an_edited_template(store: LocalStore) -> None:
    """The parsed steps are cached per template version (id and updated_at), never per enrollment: after a
    manager adds a step, every list shows the new count."""
    who = people(store)
    template_id = template(store)
    (enrollment_id,) = enroll(store, template_id, "leads", who["lead"])
    assert sequence_ops.list_enrollments(store)[0].step_count == len(outreach())

    extra = {
        "key": "thank_you",
        "kind": "email",
        "title": "Thank you",
        "wait_days": 1,
        "outcomes": {"completed": {"complete": "thanked"}},
    }
    with store.transaction() as session:
        enrollments.save_template(session, template_id, {"steps": [*outreach(), extra]})

    assert sequence_ops.list_enrollments(store)[0].step_count == len(outreach()) + 1
    assert sequence_ops.enrollment(store, enrollment_id).step_count == len(outreach()) + 1


def test_an_unknown_enrollment_is_not_found(store: LocalStore) -> None:
    with pytest.raises(services.NotFound):
        sequence_ops.enrollment(store, "no-such-enrollment")


def test_the_sync_standing_counts_the_changes_waiting(store: LocalStore) -> None:
    from sfa_desktop.ops import sync as sync_ops

    before = sync_ops.standing(store)
    assert not before.state.connected
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "Acme"})
    after = sync_ops.standing(store)
    assert after.pending == sync_ops.pending_changes(store) > before.pending
