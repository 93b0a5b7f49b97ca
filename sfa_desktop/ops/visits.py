"""Visits on site (issue 16): check in and out, the visit report from its checklist, photos, files and the
customer's signature: the window's Visit report dialog and ``sfa visit`` / ``sfa attachments`` share these.

Everything works offline: the report and the attachments' records are written locally (and go with the next
sync); the attachments' bytes are kept encrypted by content hash (``store.attachments``) and uploaded after
the records (``sync.blobs``).  Bytes of an attachment made on another laptop are fetched on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from sfa_desktop.core import service_levels, settings
from sfa_desktop.core.records.models import Activity, Attachment
from sfa_desktop.core.visits import images, reports, templates
from sfa_desktop.core.visits.reports import Place, VisitError
from sfa_desktop.core.visits.templates import SegmentOf, Template
from sfa_desktop.ops.agenda import activity_id as find_activity
from sfa_desktop.store import attachment_purge
from sfa_desktop.store.attachments import AttachmentProblem, ContentStore, check_limits, sha256_of
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import blobs
from sfa_desktop.sync.blobs import BlobLink

__all__ = ["AttachmentProblem", "Place", "VisitError"]

#: The account's segment (see ``core.visits.templates``); wired to the service levels after the merge.
#: The segment a visit's checklist is chosen by: the one the account is served as.
segment_of: SegmentOf = service_levels.segment_of


@dataclass(frozen=True)
class AttachmentView:
    id: str
    record_id: str
    item_key: str | None
    kind: str
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str
    created_at: dt.datetime
    #: the bytes are on this laptop
    here: bool
    #: the central store holds them (uploaded from here, or fetched from there)
    uploaded: bool
    sent_bytes: int = 0
    problem: str | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class VisitView:
    activity_id: str
    subject: str
    account_id: str | None
    done_at: dt.datetime | None
    outcome: str | None
    template: Template
    report_id: str | None
    checkin_at: dt.datetime | None
    checkin_place: Place | None
    checkout_at: dt.datetime | None
    checkout_place: Place | None
    submitted_at: dt.datetime | None
    answers: dict[str, Any]
    signer_name: str | None
    signed_at: dt.datetime | None
    signature_id: str | None
    attachments: list[AttachmentView] = field(default_factory=list)

    def photos(self, item_key: str) -> list[AttachmentView]:
        return [a for a in self.attachments if a.item_key == item_key]


def content_store(store: LocalStore) -> ContentStore:
    return ContentStore.of(store.path, store.key)


def _place(lat: Any, lon: Any) -> Place | None:
    return None if lat is None or lon is None else Place(float(lat), float(lon))


def _views(store: LocalStore, rows: Sequence[Attachment]) -> list[AttachmentView]:
    content = content_store(store)
    hashes = sorted({a.sha256 for a in rows})
    transfers: dict[str, tuple[int, bool, str | None]] = {}
    if hashes:
        with store.engine.connect() as conn:
            for sha, sent, done, problem in conn.execute(
                text(
                    "SELECT sha256, sent_bytes, uploaded_at IS NOT NULL, problem FROM blob_transfers "
                    "WHERE sha256 IN (SELECT value FROM json_each(:h))"
                ),
                {"h": _json(hashes)},
            ):
                transfers[sha] = (int(sent), bool(done), problem)
    return [
        AttachmentView(
            a.id,
            a.record_id,
            a.item_key,
            a.kind,
            a.file_name,
            a.media_type,
            int(a.size_bytes),
            a.sha256,
            a.created_at,
            content.has(a.sha256),
            transfers.get(a.sha256, (0, False, None))[1],
            transfers.get(a.sha256, (0, False, None))[0],
            transfers.get(a.sha256, (0, False, None))[2],
        )
        for a in rows
    ]


def _json(values: Sequence[str]) -> str:
    import json

    return json.dumps(list(values))


def show(store: LocalStore, given: str) -> VisitView:
    """The visit activity (its id or the start of it) with its report, checklist and attachments."""
    activity_id = find_activity(store, given)
    with store.reading() as session:
        activity: Activity = reports.visit_activity(session, activity_id)
        report = reports.report_of(session, activity_id)
        template = reports.template_of(session, report, activity, segment_of)
        attached = reports.attachments_of(session, report.id) if report is not None else []
        view = VisitView(
            activity.id,
            activity.subject,
            activity.account_id,
            activity.done_at,
            activity.outcome,
            template,
            report.id if report else None,
            report.checkin_at if report else None,
            _place(report.checkin_latitude, report.checkin_longitude) if report else None,
            report.checkout_at if report else None,
            _place(report.checkout_latitude, report.checkout_longitude) if report else None,
            report.submitted_at if report else None,
            reports.answers_of(report),
            report.signer_name if report else None,
            report.signed_at if report else None,
            report.signature_id if report else None,
        )
    view.attachments.extend(_views(store, attached))
    return view


def check_in(store: LocalStore, given: str, place: Place | None = None) -> VisitView:
    activity_id = find_activity(store, given)
    with store.transaction() as session:
        reports.check_in(session, activity_id, place=place, segment_of=segment_of)
    return show(store, activity_id)


def check_out(store: LocalStore, given: str, place: Place | None = None) -> VisitView:
    activity_id = find_activity(store, given)
    with store.transaction() as session:
        reports.check_out(session, activity_id, place=place)
    return show(store, activity_id)


def parse_answers(store: LocalStore, given: str, pairs: Sequence[str]) -> dict[str, Any]:
    """``ITEM=VALUE`` pairs typed on the command line as typed answers of the visit's checklist."""
    template = show(store, given).template
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise VisitError(f"Give each answer as ITEM=VALUE, not '{pair}'.")
        item = template.item(key.strip())
        answers[item.key] = templates.parse_answer(item, value)
    return answers


def save_report(
    store: LocalStore,
    given: str,
    answers: Mapping[str, Any],
    *,
    photos: Sequence[tuple[str | None, Path]] = (),
    submit: bool = False,
    outcome: str | None = None,
    notes: str | None = None,
) -> VisitView:
    """Attach the photos (item key or None, file), then keep the answers; ``submit``: check every required
    item and log ``outcome`` on the agenda.  The photos' bytes are kept first (a failure leaves no record)."""
    activity_id = find_activity(store, given)
    loaded = [(item, path, _read(path)) for item, path in photos]
    kept = [(item, path.name, data, _store_bytes(store, data, path.name)) for item, path, data in loaded]
    with store.transaction() as session:
        activity = reports.visit_activity(session, activity_id)
        report = reports.ensure_report(session, activity, segment_of)
        for item, name, data, sha in kept:
            kind = "photo" if images.image_format(data) else "file"
            reports.add_attachment(
                session,
                report,
                sha256=sha,
                size_bytes=len(data),
                file_name=name,
                media_type=images.media_type(name, data),
                kind=kind,
                item_key=item,
            )
        reports.save_report(
            session, activity_id, answers, submit=submit, outcome=outcome, notes=notes, segment_of=segment_of
        )
    return show(store, activity_id)


def _read(path: Path) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise AttachmentProblem(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _limits(store: LocalStore) -> tuple[int, int]:
    with store.reading() as session:
        return (
            int(settings.get(session, "attachment_max_file_mb")),
            int(settings.get(session, "attachment_max_device_mb")),
        )


def _store_bytes(store: LocalStore, data: bytes, name: str) -> str:
    content = content_store(store)
    sha = sha256_of(data)
    if content.has(sha):
        return sha  # the same content is kept once: it costs nothing more
    max_file, max_device = _limits(store)
    check_limits(len(data), content.used_bytes(), max_file, max_device, name=name)
    return content.put(data)


def attach(
    store: LocalStore, given: str, path: Path, *, item_key: str | None = None, caption: str | None = None
) -> AttachmentView:
    """Attach a photo or file from disk to the visit's report (to a photo item when ``item_key``)."""
    data = _read(path)
    return attach_bytes(store, given, data, Path(path).name, item_key=item_key, caption=caption)


def attach_bytes(
    store: LocalStore,
    given: str,
    data: bytes,
    name: str,
    *,
    item_key: str | None = None,
    caption: str | None = None,
    kind: str | None = None,
) -> AttachmentView:
    activity_id = find_activity(store, given)
    known = content_store(store).has(sha256_of(data))
    sha = _store_bytes(store, data, name)
    with store.transaction() as session:
        if known:  # uploaded long ago: the central store may have let it go since, ask it again
            attachment_purge.forget_upload(session.connection(), sha)
        activity = reports.visit_activity(session, activity_id)
        report = reports.ensure_report(session, activity, segment_of)
        attachment = reports.add_attachment(
            session,
            report,
            sha256=sha,
            size_bytes=len(data),
            file_name=name,
            media_type=images.media_type(name, data),
            kind=kind or ("photo" if images.image_format(data) else "file"),
            item_key=item_key,
            caption=caption,
        )
        attachment_id = attachment.id
    if not content_store(store).has(sha):  # let go by a purge between the check and the save: kept again
        content_store(store).put(data)
    return attachment_view(store, attachment_id)


def sign(store: LocalStore, given: str, signer_name: str, png: bytes) -> VisitView:
    """Keep the customer's signature (a PNG drawn on screen) with the signer's name and the time."""
    if not signer_name.strip():
        raise VisitError("Give the name of the person who signs.")
    if not png:
        raise VisitError("The signature is empty: have the customer sign first.")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    view = attach_bytes(store, given, png, f"signature-{stamp}.png", kind="signature", caption=signer_name)
    activity_id = find_activity(store, given)
    with store.transaction() as session:
        report = reports.report_of(session, activity_id)
        assert report is not None
        reports.sign(session, report, signer_name, view.id)
    return show(store, activity_id)


def remove_attachment(store: LocalStore, attachment_id: str) -> None:
    with store.transaction() as session:
        reports.remove_attachment(session, attachment_id)


def purge_attachments(store: LocalStore, days: int = attachment_purge.GRACE_DAYS) -> attachment_purge.Removed:
    """Let go of the bytes of attachments deleted more than ``days`` days ago (``store.attachment_purge``;
    also after each sync)."""
    if days < 0:
        raise AttachmentProblem(
            "--older-than cannot be negative: give the days a deletion may still be undone."
        )
    removed = attachment_purge.purge(store, days=days)
    if removed.count:
        _CACHE.clear()
    return removed


# -- reading attachments -------------------------------------------------------------------------------------


def attachment_view(store: LocalStore, given: str) -> AttachmentView:
    wanted = given.strip().lower()
    with store.reading() as session:
        rows = list(
            session.query(Attachment)
            .filter(Attachment.id.like(wanted + "%"), Attachment.deleted_at.is_(None))
            .limit(2)
        )
    if len(rows) != 1 or not wanted:
        raise AttachmentProblem(
            f"There is no attachment '{given}'." if not rows else f"'{given}' matches several attachments."
        )
    return _views(store, rows)[0]


def list_attachments(store: LocalStore, record_id: str | None = None) -> list[AttachmentView]:
    with store.reading() as session:
        query = session.query(Attachment).filter(Attachment.deleted_at.is_(None))
        if record_id is not None:
            query = query.filter(Attachment.record_id == record_id)
        rows = list(query.order_by(Attachment.created_at, Attachment.id))
    return _views(store, rows)


def attachment_bytes(
    store: LocalStore,
    given: str,
    *,
    fetch: Callable[[LocalStore], AbstractContextManager[BlobLink]] | None = None,
) -> tuple[AttachmentView, bytes]:
    """The attachment's bytes: from this laptop, else fetched from the central store (``fetch`` opens the
    link; None: only what is here)."""
    view = attachment_view(store, given)
    content = content_store(store)
    if content.has(view.sha256):
        return view, content.get(view.sha256)
    if fetch is None:
        raise AttachmentProblem("This attachment's bytes are not on this laptop yet; sync to fetch them.")
    _max_file, max_device = _limits(store)  # made elsewhere: only the room left here counts
    check_limits(view.size_bytes, content.used_bytes(), None, max_device, name=view.file_name)
    with fetch(store) as link:
        data = blobs.fetch(store, link, view.sha256)
    return attachment_view(store, view.id), data


def thumbnail(store: LocalStore, view: AttachmentView, size: int = images.THUMBNAIL_PX) -> bytes | None:
    """A small PNG of a photo kept here (None: not a picture, or its bytes are not here yet)."""
    content = content_store(store)
    if not view.is_image or not content.has(view.sha256):
        return None
    return _thumbnails(content, view.sha256, size)


_CACHE: dict[tuple[str, int], bytes | None] = {}


def _thumbnails(content: ContentStore, sha: str, size: int) -> bytes | None:
    key = (sha, size)
    if key not in _CACHE:
        if len(_CACHE) > 512:
            _CACHE.clear()
        _CACHE[key] = images.thumbnail(content.get(sha), size)
    return _CACHE[key]


# -- checklist templates -----------------------------------------------------------------------------------


def list_templates(store: LocalStore) -> list[Template]:
    with store.reading() as session:
        return templates.all_templates(session)


def save_template(
    store: LocalStore,
    name: str,
    segment: str | None,
    items: str,
    *,
    active: bool = True,
    template_id: str | None = None,
) -> Template:
    """Add or replace (by name, or ``template_id``: that one, renamed when the name differs) a checklist
    template, whole; managers and admins only (reference data, synced to every laptop).  Reports made with
    an older version keep it (``core.visits.templates.save_template``)."""
    with store.transaction() as session:
        return templates.save_template(session, name, segment, items, active=active, template_id=template_id)


def template_removal(store: LocalStore, template_id: str) -> templates.Removal:
    """What removing the template would do (deleted, or retired because visit reports used it): for the
    confirmation."""
    with store.reading() as session:
        return templates.removal_of(session, template_id)


def remove_template(store: LocalStore, template_id: str) -> templates.Removal:
    """Delete the checklist template when no visit report used it, else retire it (managers and admins;
    ``core.visits.templates.remove_template``); the change goes out with the next sync."""
    with store.transaction() as session:
        return templates.remove_template(session, template_id)


def find_template(store: LocalStore, given: str) -> Template:
    """A checklist template by name or id (``sfa visit template-delete NAME|ID``)."""
    with store.reading() as session:
        return templates.find_template(session, given)


def may_edit_templates(store: LocalStore) -> bool:
    """May this laptop's user change the checklist templates (managers and admins)?"""
    with store.reading() as session:
        return templates.may_edit(session)
