"""A lead's status moves by the rules of ``core.lead_status``, whoever writes it (form, command line,
import), and every refusal says what to do; quick capture makes a new lead owned by this laptop's user."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import lead_status, leads, services
from sfa_desktop.core.records.fields import LEAD_STATUSES
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.store.database import LocalStore

ALLOWED = {
    ("new", "working"),
    ("new", "qualified"),
    ("new", "disqualified"),
    ("working", "new"),
    ("working", "qualified"),
    ("working", "disqualified"),
    ("qualified", "working"),
    ("qualified", "disqualified"),
    ("disqualified", "working"),
}
OPEN_AND_CLOSED = ("new", "working", "qualified", "disqualified")


def make_lead(store: LocalStore, status: str = "new") -> str:
    values = {"last_name": "Moreau", "company": "Globex", "status": status}
    if status == "disqualified":
        values["status_reason"] = "No budget"
    with store.transaction() as s:
        return services.create(s, "leads", values).id


def status_of(store: LocalStore, lead_id: str) -> tuple[str, str | None]:
    with store.engine.connect() as conn:
        found = conn.execute(
            text("SELECT status, status_reason FROM leads WHERE id = :i"), {"i": lead_id}
        ).one()
    return found[0], found[1]


@pytest.mark.parametrize(("old", "new"), list(itertools.permutations(OPEN_AND_CLOSED, 2)))
def test_every_move_between_statuses(store: LocalStore, old: str, new: str) -> None:
    lead = make_lead(store, old)
    changes = {
        "status": new,
        **({"status_reason": "Went with a competitor"} if new == "disqualified" else {}),
    }
    if (old, new) in ALLOWED:
        with store.transaction() as s:
            leads.set_status(s, lead, new, changes.get("status_reason"))
        assert status_of(store, lead)[0] == new
        return
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        services.update(s, "leads", lead, changes)
    message = info.value.errors["status"]
    assert message.startswith(f"A {old} lead cannot become {new}")
    for allowed in lead_status.allowed_from(old):
        assert allowed in message  # says what it can become instead
    assert status_of(store, lead)[0] == old


def test_the_table_in_the_code_is_the_one_documented_here() -> None:
    table = {(old, new) for old, targets in lead_status.TRANSITIONS.items() for new in targets}
    assert table == ALLOWED
    assert set(lead_status.TRANSITIONS) == set(LEAD_STATUSES)


def test_disqualifying_needs_a_reason(store: LocalStore) -> None:
    lead = make_lead(store, "working")
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        services.update(s, "leads", lead, {"status": "disqualified"})
    assert set(info.value.errors) == {"status_reason"}
    assert "Say why the lead is disqualified" in info.value.errors["status_reason"]
    with store.transaction() as s:
        services.update(s, "leads", lead, {"status": "disqualified", "status_reason": "No budget"})
    with store.transaction() as s, pytest.raises(ValidationError, match="Say why"):
        services.update(s, "leads", lead, {"status_reason": ""})  # nor can the reason be taken away
    with store.transaction() as s:
        services.update(s, "leads", lead, {"phone": "+1 617 555 0100"})  # other fields: as usual
    assert status_of(store, lead) == ("disqualified", "No budget")
    with store.transaction() as s, pytest.raises(ValidationError, match="status_reason"):
        services.create(s, "leads", {"last_name": "X", "status": "disqualified"})


def test_converted_only_by_converting(store: LocalStore) -> None:
    lead = make_lead(store, "qualified")
    for action in (
        lambda s: services.update(s, "leads", lead, {"status": "converted"}),
        lambda s: services.create(s, "leads", {"last_name": "X", "status": "Converted"}),
        lambda s: services.create_many(
            s, "leads", [{"last_name": "X"}, {"last_name": "Y", "status": "converted"}]
        ),
    ):
        with store.transaction() as s, pytest.raises(ValidationError) as info:
            action(s)
        (key, message), *_ = info.value.errors.items()
        assert key in ("status", "row 2: status")
        assert "only by converting it" in message
        assert "sfa leads convert" in message


def test_a_converted_lead_keeps_its_status_but_may_be_corrected(store: LocalStore) -> None:
    lead = make_lead(store, "qualified")
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Globex"}).id
        contact = services.create(s, "contacts", {"last_name": "Moreau", "account_id": account}).id
        services.update(
            s,
            "leads",
            lead,
            {"status": "converted", "converted_account_id": account, "converted_contact_id": contact},
        )
    for changes in ({"status": "working"}, {"converted_account_id": None}):
        with store.transaction() as s, pytest.raises(ValidationError) as info:
            services.update(s, "leads", lead, changes)
        assert "a converted lead keeps its status" in info.value.errors["status"]
    with store.transaction() as s:
        services.update(s, "leads", lead, {"phone": "+1 617 555 0100", "status": "converted"})
    assert status_of(store, lead)[0] == "converted"


def test_quick_capture_is_owned_by_the_user_and_in_their_only_territory(store: LocalStore) -> None:
    with store.transaction() as s:
        ne = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        se = services.create(s, "territories", {"code": "SE", "name": "Southeast"}).id
        ann = services.create(s, "users", {"login": "ann", "full_name": "Ann"}).id
        bob = services.create(s, "users", {"login": "bob", "full_name": "Bob"}).id
        services.create(s, "territory_memberships", {"territory_id": ne, "user_id": ann})
        for territory in (ne, se):
            services.create(s, "territory_memberships", {"territory_id": territory, "user_id": bob})
        mine = leads.quick_capture(
            s,
            {"last_name": "Doe", "email": "jane@acme.com", "status": "qualified", "notes": "x"},
            owner_id=ann,
        )
        his = leads.quick_capture(s, {"last_name": "Roe"}, owner_id=bob)
        nobodys = leads.quick_capture(s, {"last_name": "Poe"})
        assert (mine.owner_id, mine.territory_id, mine.status, mine.notes) == (ann, ne, "new", None)
        assert (his.owner_id, his.territory_id) == (bob, None)  # two territories: not guessed
        assert (nobodys.owner_id, nobodys.territory_id) == (None, None)
        with pytest.raises(ValidationError) as info:
            leads.quick_capture(s, {"first_name": "Jane", "email": "not an email"})
        assert set(info.value.errors) == {"last_name", "email"}
