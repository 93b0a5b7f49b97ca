"""Importing contacts, leads or accounts: a preview of every row first, then one transaction.

:func:`plan` cleans each row with the same rules and messages as the forms (``fields.clean``), resolves a
contact's company to an account (an existing one, or a new one the import creates), and matches it against
the records already there and the rows above it (``matching``: email, phone, domain, similar names).  A row
is then *created*, *updated* (a match: its empty fields are filled from the row; values already there are
never overwritten), *unchanged* (a match with nothing new), *skipped* (a match when the person chose to
skip matches, or the same as an earlier row of the file) or *rejected* (with its line and reason).  So
importing the same file twice creates nothing the second time.

:func:`run` writes the plan in the caller's transaction with ``services.create_many``; cancelling through
the :class:`~sfa_desktop.core.progress.Progress` raises ``Cancelled`` and the transaction rolls back.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import csvfiles, settings
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records import columns, services
from sfa_desktop.core.records.duplicates import iter_profiles
from sfa_desktop.core.records.fields import ENTITIES, Entity, clean
from sfa_desktop.core.records.match_index import PackedIndex
from sfa_desktop.core.records.matching import Profile, company_key, fold, profile
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.transfer import vocabulary
from sfa_desktop.core.transfer.countries import country_code
from sfa_desktop.core.transfer.import_source import Source, SourceRow
from sfa_desktop.core.transfer.planned_rows import (
    _COMPARED,
    _NOTHING,
    _SAME_DETAILS,
    _SAME_ID,
    ACTIONS,
    PlannedRow,
    PlanRows,
)

BATCH = 5000


@dataclass
class Options:
    kind: str
    #: CSV: a target per column (None: not imported); None for vCards, or to use the suggested mapping.
    mapping: list[str | None] | None = None
    on_match: str = "update"  # "update" (fill empty fields) or "skip"
    #: Values for fields a row leaves empty: the importing user as owner, their territory.
    defaults: dict[str, str] = field(default_factory=dict)


class _Notes:
    """What cleaning a row notes besides its values: warnings, and a company that is a new account."""

    __slots__ = ("account_name", "warnings")

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.account_name: str | None = None


@dataclass
class Plan:
    source: Source
    options: Options
    rows: PlanRows = field(init=False)
    new_accounts: dict[str, str] = field(default_factory=dict)  # company key -> name as written
    region: str = "US"
    lookups: _Lookups | None = None
    #: The records already there, as matched (the rows' matches are numbers in it).
    existing: PackedIndex = field(default_factory=lambda: PackedIndex("contacts"))

    def cleaned(self, row: SourceRow, notes: _Notes | None = None) -> _Cleaned:
        """A source row's values as the import creates them, the company it names, and its problems when
        it is rejected (then the values are None).  The plan and the run clean each row alike."""
        return _clean_row(self, row, notes or _Notes())

    def __post_init__(self) -> None:
        self.rows = PlanRows(self)

    def profile_of(self, at: int) -> Profile | None:
        """What matching looked at in source row ``at`` (read and cleaned again); None when rejected."""
        row = self.source.rows[at]
        cleaned, company, _problems = self.cleaned(row)
        if cleaned is None:
            return None
        return profile(self.options.kind, f"line {row.line}", {**cleaned, "account_name": company})

    def counts(self) -> dict[str, int]:
        return {action: self.rows.count(action) for action in ACTIONS}

    def duplicates(self) -> int:
        """Rows skipped as the same as a row above them in the file."""
        return len(self.rows.duplicates)

    def merges(self) -> list[str]:
        """Every row taken as a record already there or as a row above it: its line, the record it was
        matched with, why, and what it adds."""
        found = []
        for row in self.rows:
            if row.action not in ("update", "unchanged", "skip"):
                continue
            why = ", ".join(r for r in row.reasons if not r.startswith("the same as "))
            if row.duplicate_of is not None:
                found.append(f"line {row.line}: the same as line {row.duplicate_of} ({why}); skipped")
                continue
            what = {
                "update": "adds " + ", ".join(_label(self.options.kind, n) for n in row.changes)
                if row.changes
                else "adds its account",
                "unchanged": "adds nothing",
                "skip": "skipped",
            }[row.action]
            found.append(
                f"line {row.line}: matches {row.match_label or '?'} ({row.match_id}) ({why}); {what}"
            )
        return found

    def outcome(self, result: Result | None = None) -> str:
        """What the import did (or, with no result, would do), in one sentence."""
        kind = self.options.kind
        c = self.counts()
        duplicates = self.duplicates()
        there = c["unchanged"] + c["skip"] - duplicates
        if result is None:
            accounts = f" and {len(self.new_accounts):,} new accounts" if self.new_accounts else ""
            head = f"{c['create']:,} new {kind}{accounts}, {c['update']:,} to complete"
            rejected = c["reject"]
        else:
            accounts = f" and {result.accounts_created:,} accounts" if result.accounts_created else ""
            head = f"Imported {result.created:,} new {kind}{accounts}, completed {result.updated:,}"
            rejected = result.rejected
        same = f", {duplicates:,} the same as a row above (skipped)" if duplicates else ""
        return f"{head}; {there:,} were there already{same}, {rejected:,} rejected"

    def wrote_nothing(self) -> bool:
        """True when rows were rejected and nothing else would be written: the import failed."""
        c = self.counts()
        return bool(c["reject"]) and not (c["create"] or c["update"])

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c['create']:,} new", f"{c['update']:,} to complete", f"{c['unchanged']:,} already there"]
        if c["skip"]:
            parts.append(f"{c['skip']:,} skipped")
        parts.append(f"{c['reject']:,} with problems")
        if self.new_accounts:
            parts.append(f"{len(self.new_accounts):,} new accounts")
        return ", ".join(parts)


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    accounts_created: int = 0
    rejected: int = 0


_Cleaned = tuple[dict[str, Any] | None, str | None, dict[str, str]]


class _Lookups:
    """Names a file uses for accounts, users and territories -> their ids on this laptop."""

    def __init__(self, session: Session) -> None:
        def pairs(sql: str) -> dict[str, str]:
            return {fold(str(k)): v for k, v in session.execute(text(sql)) if k}

        self.accounts = {
            company_key(str(name)): rid
            for rid, name in session.execute(text("SELECT id, name FROM accounts WHERE deleted_at IS NULL"))
        }
        self.users = pairs("SELECT full_name, id FROM users WHERE deleted_at IS NULL")
        self.users.update(pairs("SELECT login, id FROM users WHERE deleted_at IS NULL"))
        self.territories = pairs("SELECT name, id FROM territories WHERE deleted_at IS NULL")
        self.territories.update(pairs("SELECT code, id FROM territories WHERE deleted_at IS NULL"))


def _label(kind: str, name: str) -> str:
    spec = ENTITIES[kind].by_name.get(name)
    return spec.label.lower() if spec is not None else name


def _raw_values(source: Source, options: Options, row: SourceRow) -> dict[str, str]:
    if source.format == "vcard":
        return dict(row.card or {})
    mapping = (
        options.mapping if options.mapping is not None else columns.suggest(options.kind, source.headers)
    )
    return columns.row_values(options.kind, mapping, row.cells)


def _resolve(kind: str, raw: dict[str, str], lookups: _Lookups, planned: _Notes) -> dict[str, Any]:
    """Turn names into ids and countries into codes; what cannot be resolved is left out with a warning."""
    values: dict[str, Any] = dict(raw)
    owner = values.pop("owner_name", None)
    if owner:
        if fold(owner) in lookups.users:
            values["owner_id"] = lookups.users[fold(owner)]
        else:
            planned.warnings.append(f"Owner '{owner}' is not a user here; the default owner was used.")
    territory = values.pop("territory_name", None)
    if territory:
        if fold(territory) in lookups.territories:
            values["territory_id"] = lookups.territories[fold(territory)]
        else:
            planned.warnings.append(f"Territory '{territory}' is not known here; the default was used.")
    company = values.pop("account_name", None)
    if kind == "contacts" and company:
        key = company_key(company)
        if key in lookups.accounts:
            values["account_id"] = lookups.accounts[key]
        else:
            planned.account_name = company
    country = values.get("country")
    if country:
        code = country_code(country)
        if code is None:
            planned.warnings.append(f"Country '{country}' is not known; it was left empty.")
            del values["country"]
        else:
            values["country"] = code
    values.pop("id", None)
    return values


def _clean_row(plan_: Plan, row: SourceRow, notes: _Notes) -> _Cleaned:
    if row.problem is not None:
        return None, None, {"*": row.problem}
    options, kind = plan_.options, plan_.options.kind
    ent = ENTITIES[kind]
    raw = _raw_values(plan_.source, options, row)
    company = raw.get("account_name")
    vocabulary.fit(kind, raw, notes.warnings)
    assert plan_.lookups is not None
    values = _resolve(kind, raw, plan_.lookups, notes)
    for name, value in options.defaults.items():
        if name in ent.by_name and name not in values and not (kind == "contacts" and name == "territory_id"):
            values[name] = value
    try:
        cleaned = _clean(ent, values, plan_.region, plan_.source.format == "vcard", notes.warnings)
    except ValidationError as exc:
        problems = {
            name: message for name, message in exc.errors.items() if name in ent.by_name or name == "*"
        } or exc.errors
        return None, company, problems
    return cleaned, company, _NOTHING


def plan(session: Session, source: Source, options: Options, progress: Progress | None = None) -> Plan:
    """What importing ``source`` would do, row by row; nothing is written.

    Rows are read, cleaned and matched one at a time and only their fates kept; the records already
    there, and the rows above, are filed in compact indexes (hashes of their keys, see
    :mod:`~sfa_desktop.core.records.match_index`)."""
    kind = options.kind
    if kind not in columns.IMPORT_KINDS:
        raise ValueError(f"imports are of {', '.join(columns.IMPORT_KINDS)}, not {kind!r}")
    progress = progress or Progress()
    if source.format == "csv" and options.mapping is None:
        options.mapping = columns.suggest(kind, source.headers)
    mapping: list[str | None] = options.mapping or []
    id_at = mapping.index("id") if source.format == "csv" and "id" in mapping else None
    existing = _existing(session, kind, by_id=id_at is not None)
    result = Plan(
        source,
        options,
        region=settings.get(session, "phone_region"),
        lookups=_Lookups(session),
        existing=existing,
    )
    incoming = PackedIndex(kind)
    incoming_rows = array("i")  # the incoming index's numbers -> the rows' numbers in the source
    matched: list[tuple[PlannedRow, dict[str, Any]]] = []  # rows to complete, a chunk at a time
    total = len(source.rows)
    for number, row in enumerate(source.rows):
        if number % 1000 == 0:
            progress.step("Checking rows", number, total)
        planned = result.rows.add(row.line)
        notes = _Notes()
        cleaned, company, problems = _clean_row(result, row, notes)
        if notes.warnings:
            planned.warnings = notes.warnings
        if notes.account_name is not None:
            key = company_key(notes.account_name)
            planned.account_name = result.new_accounts.get(key, notes.account_name)
        if cleaned is None:
            planned.action, planned.problems = "reject", problems
            continue
        me = profile(kind, f"line {row.line}", {**cleaned, "account_name": company})
        match = _match(existing, me, row.cells[id_at].strip() if id_at is not None else "")
        if match is not None:
            planned._match, planned._why = match
            planned.action = "skip" if options.on_match == "skip" else "update"
            if planned.action == "update":
                matched.append((planned, cleaned))
                if len(matched) == 900:
                    _plan_updates(session, kind, result, matched)
                    matched.clear()
            continue
        earlier = incoming.best_number(me, automatic=True)
        same = _same(incoming, me) if earlier is None else None
        if earlier is not None or same is not None:
            above = earlier[0] if earlier is not None else same
            assert above is not None
            planned.action = "skip"
            planned._match, planned._why = incoming_rows[above], _COMPARED if earlier else _SAME_DETAILS
            planned.duplicate_of = int(incoming.ref(above).removeprefix("line "))
            continue
        incoming.file(("same", *_fingerprint(me)), incoming.add(me))
        incoming_rows.append(number)
        if planned.account_name is not None:
            planned.account_name = result.new_accounts.setdefault(
                company_key(planned.account_name), planned.account_name
            )
    _plan_updates(session, kind, result, matched)
    progress.step("Checking rows", total, total)
    return result


def _existing(session: Session, kind: str, *, by_id: bool) -> PackedIndex:
    """The live records of ``kind`` filed for matching, each also under its exact details, and with
    ``by_id`` (a file with an id column) under its id."""
    index = PackedIndex(kind)
    for p in iter_profiles(session, kind):
        number = index.add(p)
        index.file(("same", *_fingerprint(p)), number)
        if by_id:
            index.file(("id", p.ref), number)
    return index


def _clean(
    ent: Entity, values: dict[str, Any], region: str, lenient: bool, warnings: list[str]
) -> dict[str, Any]:
    """A row's values cleaned (``fields.clean``).  ``lenient`` (vCards, whose phones are free text): phones
    that cannot be read are kept in the notes with a warning instead of losing the whole card."""
    try:
        return clean(ent, values, phone_region=region)
    except ValidationError as exc:
        phones = [n for n in exc.errors if n in ent.by_name and ent.by_name[n].kind == "phone"]
        if not lenient or not phones or len(phones) != len(exc.errors) or "notes" not in ent.by_name:
            raise
    kept = []
    for name in phones:
        label, value = ent.by_name[name].label, values.pop(name)
        kept.append(f"{label}: {value}")
        warnings.append(
            f"{label} '{value}' is not a phone number that can be read; it was kept in the notes."
        )
    values["notes"] = "\n".join([values["notes"], *kept] if values.get("notes") else kept)
    return clean(ent, values, phone_region=region)


def _fingerprint(p: Profile) -> tuple[Any, ...]:
    return (p.name, p.company, p.emails, p.phones, p.city)


def _match(existing: PackedIndex, me: Profile, record_id: str) -> tuple[int, int] | None:
    """The record already there that a row is (its number in ``existing``) and why; ``record_id`` is the
    row's id column (a file exported from here), empty when it has none."""
    if record_id:
        for number in existing.find(("id", record_id)):
            if existing.ref(number) == record_id:
                return number, _SAME_ID
    found = existing.best_number(me, automatic=True)
    if found is not None:
        return found[0], _COMPARED
    same = _same(existing, me)
    if same is not None:
        return same, _SAME_DETAILS
    return None


def _same(index: PackedIndex, me: Profile) -> int | None:
    """The first profile filed with exactly ``me``'s details (name, company, emails, phones, city), checked
    (a hash names candidates only): its number."""
    for number in index.find(("same", *_fingerprint(me))):
        if _fingerprint(index.profile(number)) == _fingerprint(me):
            return number
    return None


def _plan_updates(
    session: Session, kind: str, result: Plan, matched: Sequence[tuple[PlannedRow, dict[str, Any]]]
) -> None:
    """For a chunk of matched rows (with their cleaned values): the fields they fill in (empty in the
    record); none means unchanged."""
    if not matched:
        return
    ent = ENTITIES[kind]
    names = [f.name for f in ent.fields]
    chunk = list({r.match_id for r, _v in matched if r.match_id})
    marks = ", ".join(f":i{n}" for n in range(len(chunk)))
    sql = f"SELECT id, {', '.join(names)} FROM {kind} WHERE id IN ({marks})"
    current = {
        row["id"]: dict(row)
        for row in session.execute(text(sql), {f"i{n}": v for n, v in enumerate(chunk)}).mappings()
    }
    for planned, values in matched:
        record = current.get(planned.match_id or "", {})
        changes = {
            name: value
            for name, value in values.items()
            if name in names and record.get(name) in (None, "", 0) and value not in (None, "", False)
        }
        planned.changes = changes or _NOTHING
        if kind == "contacts" and planned.account_name and not record.get("account_id"):
            planned.account_name = result.new_accounts.setdefault(
                company_key(planned.account_name), planned.account_name
            )
        elif planned.account_name:
            planned.account_name = None
        if not planned.changes and planned.account_name is None:
            planned.action = "unchanged"


def run(session: Session, plan_: Plan, progress: Progress | None = None) -> Result:
    """Write the plan in the caller's transaction: new accounts, new records (create_many, in batches), then
    the fields matched records gain."""
    progress = progress or Progress()
    kind = plan_.options.kind
    result = Result(rejected=plan_.counts()["reject"])
    account_ids: dict[str, str] = {}
    if plan_.new_accounts:
        defaults = {k: v for k, v in plan_.options.defaults.items() if k in ("owner_id", "territory_id")}
        names = list(plan_.new_accounts.items())
        created = services.create_many(session, "accounts", [{"name": n, **defaults} for _k, n in names])
        account_ids = {key: rid for (key, _n), rid in zip(names, created, strict=True)}
        result.accounts_created = len(created)
    counts = plan_.counts()
    total = counts["create"] + counts["update"]
    done = 0
    batch: list[PlannedRow] = []
    rows: list[dict[str, Any]] = []
    for planned, row in zip(plan_.rows, plan_.source.rows, strict=True):
        if planned.action != "create":
            continue
        values = plan_.cleaned(row)[0]  # read and cleaned again: the plan kept only the row's fate
        if values is None:
            raise AssertionError(f"line {planned.line} was planned to be created but is not valid now")
        batch.append(planned)
        rows.append(_with_account(values, planned, account_ids))
        if len(batch) == BATCH:
            progress.step("Importing", done, total)
            _create(session, kind, batch, rows, result)
            done += len(batch)
            batch, rows = [], []
    if batch:
        progress.step("Importing", done, total)
        _create(session, kind, batch, rows, result)
        done += len(batch)
    updates = [r for r in plan_.rows if r.action == "update"]
    creates = range(done)
    for number, planned in enumerate(updates, start=len(creates)):
        if number % 500 == 0:
            progress.step("Importing", number, total)
        changes = _with_account(planned.changes, planned, account_ids)
        if changes and planned.match_id:
            services.update(session, kind, planned.match_id, changes)
            result.updated += 1
    progress.step("Importing", total, total)
    return result


def _create(
    session: Session, kind: str, batch: list[PlannedRow], rows: list[dict[str, Any]], result: Result
) -> None:
    try:
        result.created += len(services.create_many(session, kind, rows))
    except ValidationError as exc:
        raise ValidationError(_by_line(exc, batch)) from None


def _with_account(values: dict[str, Any], planned: PlannedRow, account_ids: dict[str, str]) -> dict[str, Any]:
    if planned.account_name is None:
        return values
    return {**values, "account_id": account_ids[company_key(planned.account_name)]}


def _by_line(exc: ValidationError, batch: Sequence[PlannedRow]) -> dict[str, str]:
    errors = {}
    for key, message in exc.errors.items():
        where, _, name = key.partition(": ")
        if where.startswith("row ") and where[4:].isdigit():
            errors[f"line {batch[int(where[4:]) - 1].line}: {name}"] = message
        else:
            errors[key] = message
    return errors


def rejects_csv(plan_: Plan) -> str:
    """The rejected rows as CSV (line, problem, then the row as it was), to fix and import again."""
    out = io.StringIO()
    writer = csvfiles.writer(out)
    source = plan_.source
    if source.format == "csv":
        writer.writerow(csvfiles.row(["Line", "Problem", *source.headers]))
    else:
        writer.writerow(["Line", "Problem", "vCard"])
    for row in plan_.rows:
        if row.action != "reject" or row.source is None:
            continue
        cells = row.source.cells if source.format == "csv" else [row.source.text]
        writer.writerow([row.line, *csvfiles.row([row.problem_text, *cells])])
    return out.getvalue()


__all__ = ["ACTIONS", "Options", "Plan", "PlanRows", "PlannedRow", "Result", "plan", "rejects_csv", "run"]
