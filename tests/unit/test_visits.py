"""Visits on site (issue 16): checklist templates by segment, answers validated, check-in and out, the
visit report logging the visit; attachments stored once by content hash, encrypted, within limits, with
thumbnails, and gone after a wipe."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.visits import images, templates
from sfa_desktop.core.visits.reports import Place, VisitError
from sfa_desktop.ops import visits
from sfa_desktop.store.attachments import MB, AttachmentProblem, ContentStore, check_limits, sha256_of
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import replica

ITEMS: list[dict[str, object]] = [
    {"key": "shelf_ok", "label": "Shelf check", "type": "yesno", "required": True},
    {"key": "facings", "label": "Facings", "type": "number", "required": True, "min": 0, "max": 50},
    {"key": "remarks", "label": "Remarks", "type": "text"},
    {"key": "display", "label": "Photo of display", "type": "photo", "required": True},
]


def jpeg(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def visit(store: LocalStore, *, kind: str = "visit", segment: str | None = None) -> str:
    with store.transaction() as session:
        account = services.create(session, "accounts", {"name": "Acme Tools", "segment": segment})
        activity = services.create(
            session,
            "activities",
            {"kind": kind, "subject": "Visit Acme", "account_id": account.id, "due_at": "2026-12-07T10:00"},
        )
        return str(activity.id)


def template(store: LocalStore, name: str, segment: str | None, items: Sequence[Mapping[str, object]]) -> str:
    with store.transaction() as session:
        from sfa_desktop.core.records.models import ChecklistTemplate

        row = ChecklistTemplate(name=name, segment=segment, items=json.dumps(items), active=True)
        session.add(row)
        session.flush()
        return str(row.id)


# -- templates ------------------------------------------------------------------------------------------


def test_items_are_checked_as_a_whole() -> None:
    items = templates.parse_items(json.dumps(ITEMS))
    assert [i.type for i in items] == ["yesno", "number", "text", "photo"]
    assert items[1].describe() == "number, required, 0 to 50"
    for bad, words in (
        ([], "at least one item"),
        ([{"key": "a", "label": "A", "type": "yesno"}, {"key": "a", "label": "B", "type": "text"}], "twice"),
        ([{"key": "A b", "label": "A", "type": "yesno"}], "must start with a letter"),
        ([{"key": "a", "label": "A", "type": "colour"}], "type must be one of"),
        ([{"key": "a", "label": "A", "type": "text", "min": 1}], "only a number item has a range"),
        ([{"key": "a", "label": "A", "type": "number", "min": 5, "max": 1}], "above the maximum"),
    ):
        with pytest.raises(ValidationError, match=words):
            templates.parse_items(bad)


def test_answers_are_typed_ranged_and_required_on_submit() -> None:
    tpl = templates.Template("t", "Shop", "A", templates.parse_items(ITEMS))
    draft = templates.check_answers(tpl, {"shelf_ok": "yes", "facings": "12"}, {}, complete=False)
    assert draft == {"shelf_ok": True, "facings": 12.0}
    with pytest.raises(ValidationError) as raised:
        templates.check_answers(tpl, {"facings": 51, "shelf_ok": "perhaps"}, {}, complete=True)
    errors = raised.value.errors
    assert "above the maximum 50" in errors["facings"]
    assert "answer yes or no" in errors["shelf_ok"]
    assert "a photo is required" in errors["display"]
    with pytest.raises(ValidationError, match="has no item 'colour'"):
        templates.check_answers(tpl, {"colour": "red"}, {}, complete=False)
    done = templates.check_answers(tpl, {"shelf_ok": False, "facings": 0}, {"display": 1}, complete=True)
    assert done == {"shelf_ok": False, "facings": 0}


def test_the_template_follows_the_segment_then_the_default_then_the_built_in(store: LocalStore) -> None:
    with store.reading() as session:
        assert templates.for_segment(session, "A") is templates.BUILT_IN
    default = template(store, "Default", None, ITEMS[:1])
    a = template(store, "Key account", "A", ITEMS)
    with store.reading() as session:
        assert templates.for_segment(session, "A").template_id == a
        assert templates.for_segment(session, "B").template_id == default
        assert templates.for_segment(session, None).template_id == default


# -- check in, check out, report ------------------------------------------------------------------------


def test_check_in_out_and_report_log_the_visit(store: LocalStore, tmp_path: Path) -> None:
    a = template(store, "Key account", "A", ITEMS)
    activity_id = visit(store, segment="A")  # the checklist follows the account's segment (service levels)
    view = visits.check_in(store, activity_id[:8], Place(42.36, -71.06))
    assert view.template.template_id == a
    assert view.checkin_at is not None
    assert view.checkin_place == Place(42.36, -71.06)
    with pytest.raises(VisitError, match="already checked in"):
        visits.check_in(store, activity_id)
    photo = tmp_path / "display.jpg"
    photo.write_bytes(jpeg())
    with pytest.raises(ValidationError, match="Facings: an answer is required"):
        visits.save_report(store, activity_id, {"shelf_ok": True}, photos=[("display", photo)], submit=True)
    assert visits.show(store, activity_id).attachments == []  # nothing half-written
    answers = visits.parse_answers(store, activity_id, ["shelf_ok=yes", "facings=7"])
    view = visits.save_report(
        store, activity_id, answers, photos=[("display", photo)], submit=True, outcome="completed"
    )
    assert view.submitted_at is not None
    assert view.checkout_at is not None
    assert view.answers == {"facings": 7.0, "shelf_ok": True}
    assert [p.file_name for p in view.photos("display")] == ["display.jpg"]
    assert view.done_at is not None
    assert view.outcome == "completed"
    with store.engine.connect() as conn:
        queued = {r[0] for r in conn.execute(text("SELECT DISTINCT table_name FROM outbox"))}
    assert {"visit_reports", "attachments", "activities"} <= queued  # synced with the activity


def test_check_out_needs_a_check_in_and_only_visits_have_reports(store: LocalStore) -> None:
    activity_id = visit(store)
    with pytest.raises(VisitError, match="Check in"):
        visits.check_out(store, activity_id)
    call = visit(store, kind="call")
    with pytest.raises(VisitError, match="is a call, not a visit"):
        visits.check_in(store, call)
    with pytest.raises(VisitError, match="latitude"):
        Place(91, 0)


def test_a_signature_is_a_png_attachment_with_the_signers_name(store: LocalStore) -> None:
    activity_id = visit(store)
    png = io.BytesIO()
    Image.new("RGB", (300, 120), "white").save(png, "PNG")
    view = visits.sign(store, activity_id, "Jane Buyer", png.getvalue())
    assert view.signer_name == "Jane Buyer"
    assert view.signed_at is not None
    signature = next(a for a in view.attachments if a.id == view.signature_id)
    assert signature.kind == "signature"
    assert signature.media_type == "image/png"
    with pytest.raises(VisitError, match="name of the person"):
        visits.sign(store, activity_id, " ", png.getvalue())


# -- the content store ---------------------------------------------------------------------------------------


def test_content_is_stored_once_encrypted_and_checked(tmp_path: Path) -> None:
    content = ContentStore(tmp_path, b"k" * 32)
    data = jpeg()
    sha = content.put(data)
    assert sha == sha256_of(data)
    assert content.put(data) == sha
    assert list(content.hashes()) == [sha]
    sealed = content.path(sha).read_bytes()
    assert data[:200] not in sealed
    assert b"JFIF" not in sealed
    assert content.get(sha) == data
    assert ContentStore(tmp_path, b"other key".ljust(32)).has(sha)
    with pytest.raises(AttachmentProblem, match="cannot be opened with this laptop's key"):
        ContentStore(tmp_path, b"other key".ljust(32)).get(sha)
    with pytest.raises(AttachmentProblem, match="do not match their hash"):
        content.put(b"something else", sha)
    content.wipe()
    assert not (tmp_path / "attachments").exists()


def test_the_same_photo_twice_costs_nothing_more(store: LocalStore, tmp_path: Path) -> None:
    activity_id = visit(store)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg())
    first = visits.attach(store, activity_id, photo)
    second = visits.attach(store, activity_id, photo)
    assert first.sha256 == second.sha256
    assert first.id != second.id
    assert len(list(visits.content_store(store).hashes())) == 1


def test_limits_per_file_and_per_laptop(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(AttachmentProblem, match="at most 25 MB each"):
        check_limits(26 * MB, 0, 25, 2048)
    with pytest.raises(AttachmentProblem, match="already take 2040 MB of the 2048 MB"):
        check_limits(10 * MB, 2040 * MB, 25, 2048)
    check_limits(10 * MB, 2000 * MB, 25, 2048)
    activity_id = visit(store)
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (2 * MB))
    with store.transaction() as session:
        from sfa_desktop.core import settings

        settings.put(session, "attachment_max_file_mb", "1")
    with pytest.raises(AttachmentProblem, match=r"big\.bin is 2\.0 MB; attachments may be at most 1 MB"):
        visits.attach(store, activity_id, big)
    assert visits.list_attachments(store) == []


def test_thumbnails_of_photos_only() -> None:
    small = images.thumbnail(jpeg(size=(1600, 1200)))
    assert small is not None
    with Image.open(io.BytesIO(small)) as picture:
        assert picture.format == "PNG"
        assert max(picture.size) == images.THUMBNAIL_PX
    assert images.thumbnail(b"%PDF-1.7 not a picture") is None
    assert images.media_type("notes.pdf", b"%PDF-1.7") == "application/pdf"
    assert images.media_type("x.bin", jpeg()) == "image/jpeg"


def test_the_wipe_leaves_no_attachment_bytes(store: LocalStore, tmp_path: Path) -> None:
    activity_id = visit(store)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg())
    visits.attach(store, activity_id, photo)
    folder = store.path.parent / "attachments"
    assert any(p.is_file() for p in folder.rglob("*"))
    replica.wipe_store(store)
    assert not folder.exists()
    assert visits.list_attachments(store) == []


def test_report_answers_survive_a_later_draft(store: LocalStore) -> None:
    activity_id = visit(store)
    visits.save_report(store, activity_id, {"met_customer": True})
    view = visits.save_report(store, activity_id, {"notes": "Talked about the spring range"})
    assert view.answers == {"met_customer": True, "notes": "Talked about the spring range"}
    assert view.submitted_at is None
    assert isinstance(view.template, templates.Template)
    assert view.template.template_id is None


def test_checklists_are_written_by_managers_and_admins_only(store: LocalStore) -> None:
    from sfa_desktop.core import access
    from sfa_desktop.core.access import Identity, NotPermitted

    items = json.dumps(ITEMS[:2])
    with store.transaction() as session:
        saved = templates.save_template(session, "Shop", "b", items)
    assert saved.segment == "B"
    with store.transaction() as session:  # the same name: replaced
        templates.save_template(session, "Shop", None, json.dumps(ITEMS[:1]))
    assert [(t.name, t.segment, len(t.items)) for t in visits.list_templates(store)] == [("Shop", None, 1)]
    with store.transaction() as session:
        access.check_as(session, Identity("u1", "ann", "rep", frozenset()))
        with pytest.raises(NotPermitted, match="managers and administrators"):
            templates.save_template(session, "Rep's own", "A", items)


def test_a_changed_checklist_keeps_the_version_older_reports_were_made_with(store: LocalStore) -> None:
    first = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:3]))
    old_visit = visit(store)
    visits.save_report(store, old_visit, {"shelf_ok": True, "facings": 12, "remarks": "Tidy"})
    # the manager drops "Facings", makes "Remarks" required and adds an item
    changed = [
        dict(ITEMS[0]),
        {**ITEMS[2], "required": True},
        {"key": "promo", "label": "Promo", "type": "yesno"},
    ]
    second = visits.save_template(store, "Shop", None, json.dumps(changed))
    assert second.template_id != first.template_id
    assert [(t.name, len(t.items), t.active) for t in visits.list_templates(store)] == [("Shop", 3, True)]
    old = visits.show(store, old_visit)  # the old report: its own version, every answer with its item
    assert old.template.template_id == first.template_id
    assert [i.key for i in old.template.items] == ["shelf_ok", "facings", "remarks"]
    assert old.answers == {"facings": 12, "remarks": "Tidy", "shelf_ok": True}
    assert visits.save_report(store, old_visit, {"facings": 14}).answers["facings"] == 14  # still editable
    new = visits.show(store, visit(store))  # a new visit: the new version
    assert [i.key for i in new.template.items] == ["shelf_ok", "remarks", "promo"]
    # the same items again (or only the segment changed): no new version
    same = visits.save_template(store, "Shop", "A", json.dumps(changed), template_id=second.template_id)
    assert same.template_id == second.template_id
    assert same.segment == "A"


def test_a_checklist_is_renamed_with_its_older_versions_and_labels_are_unique(store: LocalStore) -> None:
    first = visits.save_template(store, "Shop", None, json.dumps(ITEMS[:2]))
    visits.save_template(store, "Shop", None, json.dumps(ITEMS[:1]), template_id=first.template_id)
    current = visits.list_templates(store)[0]
    renamed = visits.save_template(
        store, "Store check", "B", json.dumps(ITEMS[:1]), template_id=current.template_id
    )
    assert [(t.name, t.segment) for t in visits.list_templates(store)] == [("Store check", "B")]
    assert renamed.template_id == current.template_id
    other = visits.save_template(store, "Other", None, json.dumps(ITEMS[:1]))
    with pytest.raises(ValidationError, match="already a checklist named 'Store check'"):
        visits.save_template(store, "Store check", None, json.dumps(ITEMS[:1]), template_id=other.template_id)
    twice = [ITEMS[0], {"key": "again", "label": " shelf  CHECK", "type": "text"}]
    with pytest.raises(ValidationError, match="the label 'shelf  CHECK' is also item 1's"):
        visits.save_template(store, "Other", None, json.dumps(twice))
    assert [len(t.items) for t in visits.list_templates(store)] == [1, 1]  # nothing half-written
    assert templates.new_key("Shelf share %", {"shelf_share"}) == "shelf_share_2"
    assert templates.new_key("3 facings", set()) == "item_3_facings"
    assert visits.may_edit_templates(store)
