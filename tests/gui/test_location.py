"""Issue 14, item 5: latitude and longitude stay in the account form but behind the address, as one
"Map position" line that opens the two fields (and opens by itself when one of them is wrong)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sfa_desktop.core.records import services
from tests.gui.test_forms import open_form, type_into


def test_map_position_is_a_line_under_the_address(qtbot, store, seeded, runner) -> None:
    account = seeded.accounts[0]
    with store.transaction() as s:
        services.update(s, "accounts", account, {"latitude": 42.36, "longitude": -71.06})
    form = open_form(qtbot, store, runner, "accounts", account)
    form.setMinimumSize(520, 1400)  # explicit: the offscreen platform warns about size hints otherwise
    form.show()
    qtbot.waitExposed(form)
    group = form.location
    assert group is not None
    latitude = form.editors["latitude"].widget
    assert not latitude.isVisible()  # out of the way
    assert form.editors["country"].widget.isVisible()
    assert group.toggle.text() == "Map position  42.36, -71.06"
    # under the address: below the country field
    assert (
        group.mapTo(form, group.rect().topLeft()).y()
        > form.editors["country"].widget.mapTo(form, form.editors["country"].widget.rect().topLeft()).y()
    )
    qtbot.mouseClick(group.toggle, Qt.MouseButton.LeftButton)
    assert latitude.isVisible()
    assert form.editors["longitude"].widget.isVisible()
    qtbot.mouseClick(group.toggle, Qt.MouseButton.LeftButton)
    assert not latitude.isVisible()

    # a wrong value is never hidden: the fields open with the message
    type_into(qtbot, form.editors["latitude"], "95")
    form.validate_field("latitude")
    assert "latitude" in form.errors
    assert group.expanded
    assert latitude.isVisible()


def test_contacts_have_no_map_position(qtbot, store, seeded, runner) -> None:
    form = open_form(qtbot, store, runner, "contacts", seeded.contacts[0])
    assert form.location is None
