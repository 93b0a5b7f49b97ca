"""Deleting a visit checklist template: one no visit report used is deleted (every version, soft-deleted and
queued as a delete for the central store like any record); one reports used is retired (inactive, kept so
those reports still show their items); the confirmation says which and why; managers and admins only; and
``sfa visit template-delete NAME|ID`` from the command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core import access
from sfa_desktop.core.access import Identity, NotPermitted
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.visits import templates
from sfa_desktop.ops import visits
from sfa_desktop.store.database import LocalStore
from tests.unit.test_visits import ITEMS, visit


def _outbox(store: LocalStore, record_id: str) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT op FROM outbox WHERE table_name = 'checklist_templates' AND record_id = :i"),
            {"i": record_id},
        )
        return [str(r[0]) for r in rows]


def test_an_unused_template_is_deleted_with_its_versions_and_synced_as_a_delete(store: LocalStore) -> None:
    first = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:2]))
    second = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]))  # a new version
    other = visits.save_template(store, "Other", "A", json.dumps(ITEMS[:1]))
    assert second.template_id is not None
    asked = visits.template_removal(store, second.template_id)
    assert not asked.retires
    assert asked.question() == (
        "No visit report used the checklist “Shop”: it will be deleted for everyone at the next sync."
    )
    done = visits.remove_template(store, second.template_id)
    assert done.done() == "Deleted the checklist “Shop”."
    assert [t.name for t in visits.list_templates(store)] == ["Other"]
    for version in (first, second):
        assert version.template_id is not None
        assert _outbox(store, version.template_id)[-1] == "delete"
    assert other.template_id is not None
    assert _outbox(store, other.template_id) == ["insert"]
    with pytest.raises(ValidationError, match="no longer there"):
        visits.remove_template(store, second.template_id)
    # a visit now gets the built-in checklist
    assert visits.show(store, visit(store)).template.template_id is None


def test_a_template_reports_used_is_retired_and_old_reports_still_show_it(store: LocalStore) -> None:
    first = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:3]))
    old_visit = visit(store)
    visits.save_report(store, old_visit, {"shelf_ok": True, "facings": 12})
    second = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]))  # unused newest version
    assert second.template_id is not None
    asked = visits.template_removal(store, second.template_id)
    assert asked.retires
    assert asked.question() == (
        "1 visit report was made with the checklist “Shop”, so it cannot be deleted: it will be retired "
        "instead (made inactive: no new visit uses it, and those reports still show its items)."
    )
    done = visits.remove_template(store, second.template_id)
    assert done.done() == "Retired the checklist “Shop” (kept for the visit reports made with it)."
    assert [(t.name, t.active) for t in visits.list_templates(store)] == [("Shop", False)]
    assert _outbox(store, second.template_id)[-1] == "update"
    old = visits.show(store, old_visit)
    assert old.template.template_id == first.template_id
    assert [i.key for i in old.template.items] == ["shelf_ok", "facings", "remarks"]
    assert visits.show(store, visit(store)).template.template_id is None  # new visits: not this one
    two = visits.save_template(store, "Two", None, json.dumps(ITEMS[:1]))
    assert two.template_id is not None
    for _ in range(2):
        visits.save_report(store, visit(store), {"shelf_ok": True})
    assert (
        visits.template_removal(store, two.template_id)
        .question()
        .startswith("2 visit reports were made with the checklist “Two”")
    )


def test_only_managers_and_admins_remove_templates(store: LocalStore) -> None:
    saved = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]))
    assert saved.template_id is not None
    with store.transaction() as session:
        access.check_as(session, Identity("u1", "ann", "rep", frozenset()))
        with pytest.raises(NotPermitted, match="managers and administrators"):
            templates.remove_template(session, saved.template_id)
    assert [t.name for t in visits.list_templates(store)] == ["Shop"]


def test_a_managers_removal_retires_a_template_reports_elsewhere_may_use(store: LocalStore) -> None:
    """A manager's laptop holds only their territories' visit reports: one made elsewhere with the checklist
    would lose its items, so a manager retires; an administrator, who sees them all, deletes."""
    saved = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]))
    assert saved.template_id is not None
    with store.transaction() as session:
        access.check_as(session, Identity("u2", "mgr", "manager", frozenset()))
        asked = templates.removal_of(session, saved.template_id)
        assert asked.retires
        assert asked.question().startswith("Only an administrator, who sees every territory's visit reports")
        templates.remove_template(session, saved.template_id)
    assert [(t.name, t.active) for t in visits.list_templates(store)] == [("Shop", False)]
    with store.transaction() as session:
        access.check_as(session, Identity("u3", "adam", "admin", frozenset()))
        assert not templates.remove_template(session, saved.template_id).retires
    assert visits.list_templates(store) == []


def test_sfa_visit_template_delete(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    used = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]))
    visits.save_report(store, visit(store), {"shelf_ok": True})
    unused = visits.save_template(store, "Spare", "B", json.dumps(ITEMS[:1]))
    assert unused.template_id is not None
    store.close()
    data = ["--data-dir", str(store.path.parent)]
    assert main([*data, "visit", "templates"]) == 0
    listed = capsys.readouterr().out
    assert f"Spare  (segment B; id {unused.template_id})" in listed
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: no question possible
    assert main([*data, "visit", "template-delete", "Spare"]) == 1
    captured = capsys.readouterr()
    assert "No visit report used the checklist “Spare”: it will be deleted" in captured.out
    assert "add --yes" in captured.err
    assert main([*data, "visit", "template-delete", unused.template_id[:8], "--yes"]) == 0
    assert "Deleted the checklist “Spare”. It goes out with the next sync." in capsys.readouterr().out
    assert main([*data, "visit", "template-delete", "shop", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "1 visit report was made with the checklist “Shop”, so it cannot be deleted" in out
    assert "Retired the checklist “Shop”" in out
    assert main([*data, "visit", "templates"]) == 0
    assert f"Shop  (segment default, inactive; id {used.template_id})" in capsys.readouterr().out
    assert main([*data, "visit", "template-delete", "Nope", "--yes"]) == 1
    assert "There is no checklist 'Nope'" in capsys.readouterr().err
