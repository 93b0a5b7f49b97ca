"""The Visit report dialog and the signature pad (issue 16): a widget per checklist item, photos with
thumbnails, the signature kept as a PNG with the signer's name, required items refused in the dialog, and a
check-in from a (fake) location source that never blocks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QPlainTextEdit
from pytestqt.qtbot import QtBot

from sfa_desktop.core.records import services
from sfa_desktop.core.visits.location import FixedLocation, NoLocation
from sfa_desktop.core.visits.reports import Place
from sfa_desktop.ops import visits
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.signature_pad import SignaturePad
from sfa_desktop.ui.visit_report import PhotoStrip, VisitReportDialog


def _visit(store: LocalStore) -> str:
    with store.transaction() as session:
        account = services.create(session, "accounts", {"name": "Acme Tools"})
        activity = services.create(
            session, "activities", {"kind": "visit", "subject": "Visit Acme", "account_id": account.id}
        )
        return str(activity.id)


def _sign(qtbot: QtBot, pad: SignaturePad) -> None:
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(30, 60))
    for x in range(30, 200, 10):
        QTest.mouseMove(pad, QPoint(x, 60 + (x % 40)))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(200, 70))


def test_the_signature_pad_draws_clears_and_saves_a_png(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 150)
    pad.show()
    assert pad.is_empty()
    assert pad.to_png() == b""
    _sign(qtbot, pad)
    assert not pad.is_empty()
    with Image.open(io.BytesIO(pad.to_png())) as picture:
        assert picture.format == "PNG"
        assert picture.size == (800, 300)
        extrema: tuple[int, int] = picture.convert("L").getextrema()  # type: ignore[assignment]
        assert extrema[0] < 100  # dark ink on white
    pad.clear()
    assert pad.is_empty()


def test_the_report_form_has_a_widget_per_item_and_refuses_missing_answers(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    activity_id = _visit(store)
    dialog = VisitReportDialog(
        store, activity_id, ("completed", "rescheduled"), FixedLocation(Place(42.3, -71.0))
    )
    qtbot.addWidget(dialog)
    inputs = dialog.inputs
    assert isinstance(inputs["met_customer"], QComboBox)
    assert isinstance(inputs["notes"], QPlainTextEdit)
    assert isinstance(inputs["photo"], PhotoStrip)
    dialog.check_in()
    assert "Checked in" in dialog.presence.text()
    assert "42.3000, -71.0000" in dialog.presence.text()
    assert not dialog.checkin_button.isEnabled()

    assert not dialog.save(submit=True)  # required items empty: said in the dialog, nothing logged
    assert "Met the customer: an answer is required" in dialog.problem.text()
    assert visits.show(store, activity_id).done_at is None

    photo = tmp_path / "shelf.jpg"
    Image.new("RGB", (800, 600), (10, 120, 60)).save(photo)
    dialog.attach_paths("photo", [photo])
    strip = inputs["photo"]
    assert isinstance(strip, PhotoStrip)
    assert strip.row.count() == 3  # the thumbnail, the button, the stretch
    inputs["met_customer"].setCurrentIndex(1)
    order_taken = inputs["order_taken"]
    assert isinstance(order_taken, QComboBox)
    order_taken.setCurrentIndex(2)
    inputs["notes"].setPlainText("New shelf layout agreed")
    _sign(qtbot, dialog.pad)
    dialog.signer.setText("Jane Buyer")
    assert dialog.save(submit=True)
    view = visits.show(store, activity_id)
    assert view.answers == {"met_customer": True, "notes": "New shelf layout agreed", "order_taken": False}
    assert view.signer_name == "Jane Buyer"
    assert view.outcome == "completed"
    assert view.done_at is not None
    assert view.checkout_at is not None


def test_check_in_without_a_position_carries_the_time_only(qtbot: QtBot, store: LocalStore) -> None:
    activity_id = _visit(store)
    dialog = VisitReportDialog(store, activity_id, ("completed",), NoLocation())
    qtbot.addWidget(dialog)
    dialog.check_in()
    assert "no position from this computer" in dialog.presence.text()
    assert visits.show(store, activity_id).checkin_place is None


def test_a_photo_opens_from_its_thumbnail(
    qtbot: QtBot, store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfa_desktop.ui import visit_report

    activity_id = _visit(store)
    photo = tmp_path / "shelf.png"
    Image.new("RGB", (50, 40), (200, 10, 10)).save(photo)
    dialog = VisitReportDialog(store, activity_id, ("completed",), NoLocation())
    qtbot.addWidget(dialog)
    dialog.attach_paths("photo", [photo])
    shown: list[tuple[str, bytes]] = []
    monkeypatch.setattr(
        visit_report, "show_picture", lambda _parent, title, data: shown.append((title, data))
    )
    dialog.open_attachment(dialog.view.photos("photo")[0])
    assert shown == [("shelf.png", photo.read_bytes())]
