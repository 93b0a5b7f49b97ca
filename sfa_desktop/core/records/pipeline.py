"""The sales pipeline: its configuration, moving opportunities through it, winning and losing them, and
what it is worth.

* The stages (``pipeline_stages``, reference data written by administrators): :func:`save_stages` applies a
  whole edited list in one go and keeps it usable: unique names, keys that never change (opportunities
  store them), at least one active open, won and lost stage, no stage retired while opportunities on this
  laptop are still in it.
* :func:`set_stage`, :func:`mark_won` and :func:`mark_lost` move an opportunity (won and lost ask for the
  reason).
* :func:`totals` sums amounts and weighted amounts (amount x the opportunity's probability) per stage;
  :func:`board` gives the open opportunities per stage for the board.

Every write goes through :mod:`core.services`, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import PIPELINE_STAGES as STAGE_FIELDS
from sfa_desktop.core.records.fields import STAGE_CATEGORIES, clean_value
from sfa_desktop.core.records.models import Opportunity
from sfa_desktop.core.records.stages import Stage, StageIndex, all_stages
from sfa_desktop.core.records.validation import FieldError, ValidationError

#: Suggestions offered when asking why a deal was won or lost (any text is accepted).
WON_REASONS = (
    "Best value for money",
    "Product fit",
    "Relationship and trust",
    "Service and support",
    "Delivery time",
    "Existing customer expanded",
)
LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision / went quiet",
    "Timing: project postponed",
    "Missing feature",
)
_KEY_CHARS = re.compile(r"[^a-z0-9 &/+-]+")


# -- configuring the stages ------------------------------------------------------------------------------


@dataclass
class StageEdit:
    """One row of an edited pipeline: an existing stage (``id``) or a new one (``id`` None)."""

    name: str
    probability: int
    category: str
    active: bool = True
    id: str | None = None
    key: str | None = None  # new stages: made from the name unless given


def key_for(name: str) -> str:
    """The key of a new stage: its name in lower case ('Closed Won' -> 'closed won'), at most 30 letters."""
    words = _KEY_CHARS.sub(" ", name.casefold()).split()
    return " ".join(words)[:30].strip()


def save_stages(session: Session, edited: Sequence[StageEdit]) -> list[Stage]:
    """Make the pipeline exactly ``edited``, in that order (positions 0, 1, 2...).  Stages left out are
    retired (made inactive; never deleted: old opportunities keep their key).  One ValidationError names
    every problem, and nothing is written."""
    existing = {s.id: s for s in all_stages(session, include_inactive=True)}
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    names: dict[str, int] = {}
    for number, edit in enumerate(edited, start=1):
        where = f"stage {number}"
        values = _clean_edit(edit, where, errors)
        if edit.id is not None and edit.id not in existing:
            errors[f"{where}: id"] = f"There is no pipeline stage with id {edit.id}."
            continue
        current = existing.get(edit.id or "")
        if current is not None and edit.key is not None and edit.key != current.key:
            errors[f"{where}: key"] = (
                f"The key of '{current.name}' stays '{current.key}': opportunities store it. Rename the "
                "stage instead."
            )
        values["key"] = current.key if current is not None else (edit.key or key_for(edit.name))
        values["position"] = number - 1
        folded = str(values.get("name", edit.name)).casefold()
        if folded in names:
            errors[f"{where}: name"] = (
                f"Two stages are called '{edit.name}' (stages {names[folded]} and {number})."
            )
        names[folded] = number
        rows.append({"id": edit.id, **values})
    kept = {edit.id for edit in edited if edit.id}
    for stage in existing.values():
        if stage.id not in kept:
            rows.append(
                {
                    "id": stage.id,
                    "key": stage.key,
                    "name": stage.name,
                    "position": len(rows),
                    "probability": stage.probability,
                    "category": stage.category,
                    "active": False,
                }
            )
    _check_keys(rows, existing, errors)
    if not errors:
        _check_pipeline(session, rows, existing, errors)
    if errors:
        raise ValidationError(errors)
    for row in rows:
        values = {k: v for k, v in row.items() if k != "id"}
        if row["id"] is None:
            services.create(session, "pipeline_stages", values)
            continue
        current = existing[row["id"]]
        changes = {k: v for k, v in values.items() if k != "key" and getattr(current, k) != v}
        if changes:
            services.update(session, "pipeline_stages", row["id"], changes)
    return all_stages(session, include_inactive=True)


def _clean_edit(edit: StageEdit, where: str, errors: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in (("name", edit.name), ("probability", edit.probability), ("category", edit.category)):
        spec = STAGE_FIELDS.by_name[name]
        try:
            values[name] = clean_value(spec, raw)
        except FieldError as exc:
            message = str(exc)
            errors[f"{where}: {name}"] = message if message[:1].isupper() else f"{spec.label} {message}"
    if values.get("category") is None and f"{where}: category" not in errors:
        errors[f"{where}: category"] = f"Category is required: one of {', '.join(STAGE_CATEGORIES)}."
    if values.get("probability") is None and f"{where}: probability" not in errors:
        errors[f"{where}: probability"] = "Probability % is required: a whole number from 0 to 100."
    values["active"] = bool(edit.active)
    return values


def _check_keys(rows: list[dict[str, Any]], existing: Mapping[str, Stage], errors: dict[str, str]) -> None:
    """Keys are unique (a new stage's key comes from its name) and no name is another stage's key, so that
    a stage named on the command line is never ambiguous.  The first problem found for a row is kept."""
    owner_of_key: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        key = row["key"]
        if not key:
            errors.setdefault(f"stage {number}: name", "A stage needs a name with letters or digits.")
        elif key in owner_of_key:
            errors.setdefault(
                f"stage {number}: name",
                f"A stage called '{row.get('name')}' would have the key '{key}', which another stage has "
                "(perhaps a retired one); choose another name.",
            )
        else:
            owner_of_key[key] = row
    for number, row in enumerate(rows, start=1):
        folded = str(row.get("name", "")).casefold()
        other = owner_of_key.get(folded)
        if other is not None and other is not row and str(other.get("name", "")).casefold() != folded:
            errors.setdefault(
                f"stage {number}: name",
                f"'{row.get('name')}' is the key of the stage '{other.get('name')}'; choose another name.",
            )


def _check_pipeline(
    session: Session, rows: list[dict[str, Any]], existing: Mapping[str, Stage], errors: dict[str, str]
) -> None:
    active = [r for r in rows if r["active"]]
    for category in STAGE_CATEGORIES:
        if not any(r["category"] == category for r in active):
            errors[f"pipeline: {category}"] = (
                f"The pipeline needs at least one active {category} stage "
                + {
                    "open": "(where deals are worked).",
                    "won": "(for deals won).",
                    "lost": "(for deals lost).",
                }[category]
            )
    for row in rows:
        current = existing.get(row["id"] or "")
        if current is None or not current.active or row["active"] or current.category != "open":
            continue  # closed deals keep a retired won or lost stage: its key and name still resolve
        in_use = _count_in_stage(session, current.key)
        if in_use:
            errors[f"stage {current.name}: active"] = (
                f"{in_use:,} {'opportunity is' if in_use == 1 else 'opportunities are'} still in "
                f"'{current.name}'; move {'it' if in_use == 1 else 'them'} to another stage before "
                "retiring it."
            )


def _count_in_stage(session: Session, key: str) -> int:
    sql = "SELECT count(*) FROM opportunities WHERE stage = :k AND deleted_at IS NULL"
    return int(session.execute(text(sql), {"k": key}).scalar_one())


# -- moving opportunities --------------------------------------------------------------------------------


def set_stage(
    session: Session, opportunity_id: str, stage: str, probability: int | None = None
) -> Opportunity:
    """Move an opportunity to a stage (key or name); its probability becomes the stage's default unless
    one is given.  Won and lost stages need their reason: use :func:`mark_won` / :func:`mark_lost`."""
    current = services.get(session, "opportunities", opportunity_id)
    target = StageIndex.load(session).resolve(stage, allow=getattr(current, "stage", None))
    if target.category != "open":
        verb = "won" if target.category == "won" else "lost"
        raise ValidationError(
            {
                "stage": f"Moving a deal to '{target.name}' means it was {verb}: use {verb.capitalize()}… "
                "(it asks why)."
            }
        )
    changes: dict[str, Any] = {"stage": target.key}
    if probability is not None:
        changes["probability"] = probability
    record = services.update(session, "opportunities", opportunity_id, changes)
    assert isinstance(record, Opportunity)
    return record


def mark_won(
    session: Session, opportunity_id: str, reason: str, *, today: dt.date | None = None
) -> Opportunity:
    return _close(session, opportunity_id, "won", reason, today or dt.date.today())


def mark_lost(
    session: Session, opportunity_id: str, reason: str, *, today: dt.date | None = None
) -> Opportunity:
    return _close(session, opportunity_id, "lost", reason, today or dt.date.today())


def _close(session: Session, opportunity_id: str, outcome: str, reason: str, today: dt.date) -> Opportunity:
    """Won or lost: the first active stage of that category, its probability, the reason; a close date in
    the future (a forecast) becomes today, the day the deal closed."""
    field_name = f"{outcome}_reason"
    if not (reason or "").strip():
        example = "'best value for money'" if outcome == "won" else "'price too high'"
        raise ValidationError(
            {field_name: f"Say why the deal was {outcome} (for example {example}); the reason is required."}
        )
    record = services.get(session, "opportunities", opportunity_id)
    assert isinstance(record, Opportunity)
    stage = StageIndex.load(session).first(outcome)
    changes: dict[str, Any] = {
        "stage": stage.key,
        field_name: reason,
        ("lost_reason" if outcome == "won" else "won_reason"): None,
    }
    if record.close_date is None or record.close_date > today:
        changes["close_date"] = today
    updated = services.update(session, "opportunities", opportunity_id, changes)
    assert isinstance(updated, Opportunity)
    return updated


# -- what the pipeline is worth --------------------------------------------------------------------------


@dataclass
class StageTotal:
    stage: Stage
    count: int = 0
    amount_cents: int = 0
    #: Sum of amount x probability, in cent-percent: divide by 100 (see ``weighted_cents``).
    weighted_raw: int = 0

    @property
    def weighted_cents(self) -> int:
        return _round_percent(self.weighted_raw)


@dataclass
class PipelineTotals:
    stages: list[StageTotal] = field(default_factory=list)

    @property
    def open(self) -> list[StageTotal]:
        return [t for t in self.stages if t.stage.category == "open"]

    def _sum(self, category: str) -> tuple[int, int, int]:
        chosen = [t for t in self.stages if t.stage.category == category]
        return (
            sum(t.count for t in chosen),
            sum(t.amount_cents for t in chosen),
            _round_percent(sum(t.weighted_raw for t in chosen)),
        )

    @property
    def open_count(self) -> int:
        return self._sum("open")[0]

    @property
    def open_amount_cents(self) -> int:
        return self._sum("open")[1]

    @property
    def weighted_cents(self) -> int:
        """The weighted open pipeline: what the open deals are worth at their probabilities."""
        return self._sum("open")[2]

    def closed(self, category: str) -> tuple[int, int]:
        count, amount, _ = self._sum(category)
        return count, amount

    def as_json(self) -> dict[str, Any]:
        won, lost = self.closed("won"), self.closed("lost")
        return {
            "stages": [
                {
                    "key": t.stage.key,
                    "name": t.stage.name,
                    "category": t.stage.category,
                    "probability": t.stage.probability,
                    "count": t.count,
                    "amount": _decimal(t.amount_cents),
                    "weighted": _decimal(t.weighted_cents),
                }
                for t in self.stages
            ],
            "open": {
                "count": self.open_count,
                "amount": _decimal(self.open_amount_cents),
                "weighted": _decimal(self.weighted_cents),
            },
            "won": {"count": won[0], "amount": _decimal(won[1])},
            "lost": {"count": lost[0], "amount": _decimal(lost[1])},
        }


def _round_percent(raw: int) -> int:
    """Cent-percent to cents, rounding halves up (amounts are never negative)."""
    return (raw + 50) // 100


def _decimal(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def totals(session: Session, *, owner_id: str | None = None) -> PipelineTotals:
    """Count, amount and weighted amount per stage (active stages in order, then any other stage that
    still holds opportunities); an opportunity's own probability weighs its amount."""
    where, params = _owner_filter(owner_id)
    sql = (
        "SELECT stage, count(*), coalesce(sum(amount_cents), 0), "
        "coalesce(sum(amount_cents * probability), 0) FROM opportunities "
        f"WHERE deleted_at IS NULL{where} GROUP BY stage"
    )
    found = {row[0]: row[1:] for row in session.execute(text(sql), params)}
    result = PipelineTotals()
    for stage in _stages_shown(session, found):
        count, amount, raw = found.get(stage.key, (0, 0, 0))
        result.stages.append(StageTotal(stage, int(count), int(amount), int(raw)))
    return result


def _owner_filter(owner_id: str | None, column: str = "owner_id") -> tuple[str, dict[str, Any]]:
    if owner_id is None:
        return "", {}
    return f" AND {column} = :owner", {"owner": owner_id}


def _stages_shown(session: Session, used: Mapping[str, Any]) -> list[Stage]:
    """The active stages, and after them retired or unknown stages that opportunities are still in."""
    every = all_stages(session, include_inactive=True)
    shown = [s for s in every if s.active]
    shown += [s for s in every if not s.active and s.key in used]
    known = {s.key for s in every}
    shown += [
        Stage("", key, key.capitalize(), 10_000, 0, "open", False) for key in sorted(used) if key not in known
    ]
    return shown


@dataclass(frozen=True)
class Card:
    """An open opportunity as the board shows it."""

    id: str
    name: str
    account: str
    amount_cents: int | None
    probability: int
    close_date: dt.date | None
    next_step: str | None
    owner: str
    stage: str


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Card]

    @property
    def amount_cents(self) -> int:
        return sum(c.amount_cents or 0 for c in self.cards)

    @property
    def weighted_cents(self) -> int:
        return _round_percent(sum((c.amount_cents or 0) * c.probability for c in self.cards))


def board(session: Session, *, owner_id: str | None = None) -> list[BoardColumn]:
    """One column per open stage (in pipeline order; a retired stage only while deals are in it), each with
    its opportunities by close date (soonest first, undated last) then name."""
    where, params = _owner_filter(owner_id, "o.owner_id")
    sql = (
        "SELECT o.id, o.name, a.name, o.amount_cents, o.probability, o.close_date, o.next_step, "
        "u.full_name, o.stage FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id "
        f"LEFT JOIN users u ON u.id = o.owner_id WHERE o.deleted_at IS NULL{where} "
        "ORDER BY o.close_date IS NULL, o.close_date, o.name COLLATE NOCASE, o.id"
    )
    by_stage: dict[str, list[Card]] = {}
    for row in session.execute(text(sql), params):
        close = dt.date.fromisoformat(row[5]) if isinstance(row[5], str) else row[5]
        card = Card(
            row[0], row[1], row[2] or "", row[3], int(row[4] or 0), close, row[6], row[7] or "", row[8]
        )
        by_stage.setdefault(card.stage, []).append(card)
    return [
        BoardColumn(stage, by_stage.get(stage.key, []))
        for stage in _stages_shown(session, by_stage)
        if stage.category == "open" and (stage.active or by_stage.get(stage.key))
    ]
