"""The account form (issue 16 follow-up): a rep sees the account's segment and own visit frequency as text,
not as editors, with a tooltip saying only a manager of the territory sets them (the laptop, sfa-server and
PostgreSQL would refuse the change anyway); a manager edits them and saves."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui.forms import RecordForm

TERMS = ("segment", "visit_min_days", "visit_max_days")


def company(store: LocalStore) -> dict[str, str]:
    with store.transaction() as s:
        ne = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        ids = {"NE": ne}
        for login, role in (("mara", "manager"), ("rena", "rep")):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": login.title(), "role": role}
            ).id
            services.create(s, "territory_memberships", {"territory_id": ne, "user_id": ids[login]})
        values = {"name": "Acme Foods", "territory_id": ne, "segment": "A", "visit_min_days": 10}
        ids["acme"] = services.create(s, "accounts", values).id
    return ids


def sign_in(store: LocalStore, user_id: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=user_id))


def open_form(qtbot: Any, store: LocalStore, runner: Any, record_id: str | None) -> RecordForm:
    form = RecordForm(store, runner, "accounts")
    qtbot.addWidget(form)
    runner.wait_idle()  # the form's settings, who may change what included
    with qtbot.waitSignal(form.loaded):
        if record_id is None:
            form.new_record()
        else:
            form.show_record(record_id)
    return form


def shown(form: RecordForm, name: str) -> QLabel:
    return form._read_only[name]


def test_a_rep_sees_the_managers_choices_read_only(qtbot: Any, store: LocalStore, runner: Any) -> None:
    ids = company(store)
    sign_in(store, ids["rena"])
    form = open_form(qtbot, store, runner, ids["acme"])
    for name in TERMS:
        assert not form.editors[name].widget.isVisibleTo(form)  # no editor to change it with
        assert shown(form, name).isVisibleTo(form)
        assert "Only a manager of the territory" in shown(form, name).toolTip()
    assert [shown(form, n).text() for n in TERMS] == ["A", "10", "Not set"]
    # what she may change stays an editor, visiting hours included
    for name in ("name", "visiting_hours", "phone"):
        assert form.editors[name].widget.isVisibleTo(form)
        assert not shown(form, name).isVisibleTo(form)
    form.editors["visiting_hours"].widget.setText("Mon-Fri 08:00-12:00")  # type: ignore[attr-defined]
    form._on_edited("visiting_hours")
    assert form.validate_all()
    with qtbot.waitSignal(form.saved):
        form.save()
    with store.engine.connect() as conn:
        row = conn.execute(
            text("SELECT segment, visit_min_days, visiting_hours FROM accounts WHERE id = :i"),
            {"i": ids["acme"]},
        ).one()
    assert tuple(row) == ("A", 10, "Mon-Fri 08:00-12:00")
    # a new account: the same (once the form knows who is signed in)
    form = open_form(qtbot, store, runner, None)
    qtbot.waitUntil(lambda: shown(form, "segment").isVisibleTo(form))
    assert all(
        shown(form, n).isVisibleTo(form) and not form.editors[n].widget.isVisibleTo(form) for n in TERMS
    )


def test_a_manager_edits_them(qtbot: Any, store: LocalStore, runner: Any) -> None:
    ids = company(store)
    sign_in(store, ids["mara"])
    form = open_form(qtbot, store, runner, ids["acme"])
    for name in TERMS:
        assert form.editors[name].widget.isVisibleTo(form)
        assert not shown(form, name).isVisibleTo(form)
    combo = form.editors["segment"].widget
    combo.setCurrentIndex(combo.findData("B"))  # type: ignore[attr-defined]
    form._on_edited("segment")
    with qtbot.waitSignal(form.saved):
        form.save()
    with store.engine.connect() as conn:
        segment = conn.execute(
            text("SELECT segment FROM accounts WHERE id = :i"), {"i": ids["acme"]}
        ).scalar()
    assert segment == "B"
    form = open_form(qtbot, store, runner, None)
    assert all(form.editors[n].widget.isVisibleTo(form) for n in TERMS)
