"""Import, export, duplicates, merging and saved filters (the import and export windows, the duplicates
view, the merge dialog, the list filters; ``sfa import``, ``sfa export``, ``sfa duplicates``, ``sfa
merge``).  One session each, plain values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sfa_desktop.core import access
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records import duplicates, merge, services, undo
from sfa_desktop.core.transfer import exporter, import_source, importer
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store import saved_filters
from sfa_desktop.store.database import LocalStore


def read_file(path: Path, kind: str | None) -> import_source.Source:
    return import_source.read_path(path, kind)


def plan_import(
    store: LocalStore,
    source: import_source.Source,
    kind: str,
    mapping: list[str | None] | None,
    on_match: str,
    progress: Progress,
) -> importer.Plan:
    source = import_source.reread_cards(source, kind)
    with store.reading() as session:
        options = importer.Options(kind, mapping, on_match, access.record_defaults(session.connection()))
        return importer.plan(session, source, options, progress)


def run_import(store: LocalStore, plan: importer.Plan, progress: Progress) -> importer.Result:
    """One transaction: cancelling (``Cancelled``) leaves nothing written."""
    with store.transaction() as session:
        return importer.run(session, plan, progress)


def plan_and_import(
    store: LocalStore,
    source: import_source.Source,
    kind: str,
    mapping: list[str | None] | None,
    on_match: str,
    progress: Progress,
    go_on: Callable[[importer.Plan], bool],
) -> tuple[importer.Plan, importer.Result | None]:
    """Plan the import and run it in ONE transaction, so that nothing changes between the plan and the
    writing (``sfa import``; ``source`` as read for ``kind``, see ``import_source.reread_cards``).
    ``go_on`` sees the plan first (to report it); when it says no (a dry run), nothing is written and the
    result is None."""
    with store.transaction() as session:
        options = importer.Options(kind, mapping, on_match, access.record_defaults(session.connection()))
        plan = importer.plan(session, source, options, progress)
        if not go_on(plan):
            session.rollback()
            return plan, None
        return plan, importer.run(session, plan, progress)


def export_to(
    store: LocalStore, kind: str, fmt: str, version: str, out: TextIO, progress: Progress | None = None
) -> int:
    """Write every record of ``kind`` as CSV or vCards to an open text stream (``sfa export -o -``)."""
    with store.reading() as session:
        if fmt == "csv":
            return exporter.write_csv(session, kind, out, progress)
        return exporter.write_vcards(session, kind, out, version, progress)


def export(store: LocalStore, kind: str, fmt: str, version: str, path: Path, progress: Progress) -> int:
    """Write to a temporary file beside the target and move it in place when done (a cancelled or failed
    export leaves no half-written file)."""
    partial = path.with_name(path.name + ".part")
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        with store.reading() as session, partial.open("w", encoding=encoding, newline="") as out:
            if fmt == "csv":
                count = exporter.write_csv(session, kind, out, progress)
            else:
                count = exporter.write_vcards(session, kind, out, version, progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def find_groups(store: LocalStore, kind: str) -> list[duplicates.Group]:
    with store.reading() as session:
        return duplicates.find_duplicates(session, kind)


def likely_duplicates(
    store: LocalStore, kind: str, values: Mapping[str, Any], exclude_id: str | None = None
) -> list[duplicates.Candidate]:
    with store.reading() as session:
        return duplicates.likely_duplicates(session, kind, values, exclude_id=exclude_id)


@dataclass
class MergeRecords:
    kind: str
    ids: list[str]
    values: dict[str, dict[str, Any]]  # id -> field values
    labels: dict[str, dict[str, str]]  # id -> ref field -> label
    related: dict[str, int]  # id -> related records


def load_for_merge(store: LocalStore, kind: str, ids: Sequence[str]) -> MergeRecords:
    from sfa_desktop.ops import records

    values: dict[str, dict[str, Any]] = {}
    labels: dict[str, dict[str, str]] = {}
    related: dict[str, int] = {}
    for record_id in ids:
        loaded = records.load_record(store, kind, record_id)
        values[record_id] = loaded.values
        labels[record_id] = loaded.ref_labels
    with store.engine.connect() as conn:
        from sqlalchemy import text

        for record_id in ids:
            related[record_id] = sum(
                int(
                    conn.execute(
                        text(f"SELECT count(*) FROM {t} WHERE {c} = :i AND deleted_at IS NULL"),
                        {"i": record_id},
                    ).scalar_one()
                )
                for t, c, _f in merge.REFERENCES[kind]
            )
    return MergeRecords(kind, list(ids), values, labels, related)


def merge_records(
    store: LocalStore, kind: str, survivor: str, others: Sequence[str], take: Mapping[str, str]
) -> merge.MergeResult:
    """Merge ``others`` into ``survivor`` in one transaction; the merge goes into the undo history
    (``ops.undo``), with the change history it gives the survivor."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        names = [undo.name_of(session, kind, rid) for rid in (survivor, *others)]
        moved_history = merge.history_of(session, kind, others)
        result = merge.merge(session, kind, survivor, others, take=take)
        what = f"merge of {', '.join(names[1:])} into {names[0]}"
        undo_ops.note(session, since, "merge", what, (kind, result.merged_ids[0]), moved_history)
        return result


def record_exists(store: LocalStore, kind: str, record_id: str) -> bool:
    with store.reading() as session:
        try:
            services.get(session, kind, record_id)
        except services.NotFound:
            return False
    return True


def find_for_record(store: LocalStore, kind: str, record_id: str) -> list[duplicates.Candidate]:
    """Likely duplicates of a saved record (itself left out)."""
    with store.reading() as session:
        values = services.as_dict(services.get(session, kind, record_id))
        if kind == "contacts":
            values["account_name"] = duplicates.account_name(session, values.get("account_id"))
        return duplicates.likely_duplicates(session, kind, values, exclude_id=record_id)


def saved_filters_of(store: LocalStore, kind: str) -> list[saved_filters.SavedFilter]:
    with store.engine.connect() as conn:
        return saved_filters.saved(conn, kind)


def save_filter(store: LocalStore, item: saved_filters.SavedFilter) -> saved_filters.SavedFilter:
    with store.engine.begin() as conn:
        return saved_filters.save(conn, item)


def delete_filter(store: LocalStore, kind: str, name: str) -> None:
    with store.engine.begin() as conn:
        saved_filters.delete(conn, kind, name)
