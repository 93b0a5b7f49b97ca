"""Run assignment: which accounts and leads the rules would move (a preview that explains every decision),
and then moving them, in one transaction, through the services (so the moves sync).

The preview looks at every live account and open lead this laptop holds.  A record moves when the rule
that wins for it (see :mod:`sfa_desktop.core.territories.rules`) belongs to another territory than the
record's; a
record that no rule matches stays where it is.  Whether the local user may make a move is the caller's
question (``may_move``: ``core.access.may_move``); moves they may not make are listed, marked,
and never applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.territories.rules import Rule, Target, decide
from sfa_desktop.core.territories.tree import descendants

#: may_move(from territory, to territory, owner) -> allowed?
MayMove = Callable[[str | None, str | None, str | None], bool]
KIND_LABEL = {"accounts": "Account", "leads": "Lead"}
NO_TERRITORY = "(no territory)"

_TARGETS = {
    "accounts": (
        "SELECT id, name, territory_id, owner_id, country, region, postcode, city, industry, employee_count "
        "FROM accounts WHERE deleted_at IS NULL AND merged_into_id IS NULL"
    ),
    "leads": (
        "SELECT id, coalesce(company, trim(coalesce(first_name, '') || ' ' || last_name)), territory_id, "
        "owner_id, country, region, postcode, city, industry, employee_count FROM leads "
        "WHERE deleted_at IS NULL AND merged_into_id IS NULL AND status != 'converted'"
    ),
}


class StalePreview(UserError):
    """Records changed between the preview and applying it; the message says to preview again."""


@dataclass(frozen=True)
class Move:
    kind: str
    record_id: str
    name: str
    from_id: str | None
    from_label: str
    to_id: str
    to_label: str
    rule_name: str
    why: str
    overlap: bool
    permitted: bool = True
    decided_by: str = ""


@dataclass
class Preview:
    moves: list[Move] = field(default_factory=list)
    considered: int = 0
    in_place: int = 0
    unmatched: int = 0
    overlaps: int = 0
    rules: int = 0
    scope: str = "in all territories"

    @property
    def permitted(self) -> list[Move]:
        return [m for m in self.moves if m.permitted]

    @property
    def blocked(self) -> list[Move]:
        return [m for m in self.moves if not m.permitted]

    def summary(self) -> str:
        if not self.rules:
            return "There are no active assignment rules: add rules to a territory first."
        counts = {kind: sum(1 for m in self.moves if m.kind == kind) for kind in _TARGETS}
        parts = [f"{n:,} {kind if n != 1 else kind[:-1]}" for kind, n in counts.items() if n]
        head = f"{' and '.join(parts)} would move." if parts else "Nothing would move."
        text_ = f"{head} Checked {self.considered:,} records {self.scope} against {self.rules} rules"
        details = []
        if self.in_place:
            details.append(f"{self.in_place:,} are already in the right territory")
        if self.unmatched:
            details.append(f"{self.unmatched:,} match no rule and stay where they are")
        if self.overlaps:
            details.append(
                f"for {self.overlaps:,} several rules match (the explanation says which won and why)"
            )
        text_ += (": " + "; ".join(details) + ".") if details else "."
        if self.blocked:
            text_ += f" {len(self.blocked):,} moves are outside what you may change and will be skipped."
        return text_


def territory_labels(session: Session) -> dict[str, str]:
    rows = session.execute(text("SELECT id, name, code FROM territories WHERE deleted_at IS NULL"))
    return {row[0]: f"{row[1]} ({row[2]})" for row in rows}


def load_rules(session: Session, labels: dict[str, str] | None = None) -> list[Rule]:
    """Active rules of live territories, best first (see ``Rule.rank``)."""
    labels = labels if labels is not None else territory_labels(session)
    rows = session.execute(
        text("SELECT * FROM territory_rules WHERE deleted_at IS NULL AND active")
    ).mappings()
    rules = [
        Rule.from_row(dict(row), labels[row["territory_id"]]) for row in rows if row["territory_id"] in labels
    ]
    return sorted(rules, key=lambda r: r.rank)


def preview(session: Session, *, territory_id: str | None = None, may_move: MayMove | None = None) -> Preview:
    """What assignment would change.  With ``territory_id``: only moves into or out of that territory and
    the territories below it."""
    labels = territory_labels(session)
    rules = load_rules(session, labels)
    scope = set(descendants(session, territory_id)) if territory_id else None
    where = f"in {labels[territory_id]} and below" if territory_id else "in all territories"
    result = Preview(rules=len(rules), scope=where)
    if not rules:
        return result
    for kind, sql in _TARGETS.items():
        for row in session.execute(text(sql)):
            target = Target(kind, *row)
            decision = decide(rules, target)
            destination = decision.rule.territory_id if decision else None
            if scope is not None and target.territory_id not in scope and destination not in scope:
                continue
            result.considered += 1
            if decision is None:
                result.unmatched += 1
                continue
            if decision.others:
                result.overlaps += 1
            if destination == target.territory_id:
                result.in_place += 1
                continue
            assert destination is not None
            result.moves.append(
                Move(
                    kind,
                    target.id,
                    target.name or "(no name)",
                    target.territory_id,
                    labels.get(target.territory_id or "", NO_TERRITORY),
                    destination,
                    labels[destination],
                    decision.rule.name,
                    decision.why,
                    bool(decision.others),
                    may_move(target.territory_id, destination, target.owner_id) if may_move else True,
                    decision.decided_by,
                )
            )
    result.moves.sort(key=lambda m: (m.kind, m.from_label, m.to_label, m.name.casefold()))
    return result


def apply_moves(session: Session, moves: Sequence[Move]) -> int:
    """Move the records (and what belongs to them) in the caller's transaction, through the services.
    Refuses (StalePreview, nothing written) when any record is gone or in another territory than the
    preview saw.  Returns the number of records moved."""
    todo = [m for m in moves if m.permitted]
    changed = _moved_meanwhile(session, [(m, m.from_id) for m in todo])
    if changed:
        raise StalePreview(
            f"{_records(changed)} changed since the preview ({_listed(changed)}); nothing was moved. "
            "Preview again."
        )
    for move in todo:
        services.update(session, move.kind, move.record_id, {"territory_id": move.to_id})
    return len(todo)


class CannotUndo(UserError):
    """A run cannot be undone (records changed since, or moves the user may not make); says why."""


def undo_moves(session: Session, moves: Sequence[Move], may_move: MayMove | None = None) -> int:
    """Move the records of a run back where they were, in the caller's transaction, through the services
    (so the undo syncs like any move).  Refuses (CannotUndo, nothing written) when a record is gone or
    was moved again since, or when the user may not move it back.  Returns the number moved back."""
    changed = _moved_meanwhile(session, [(m, m.to_id) for m in moves])
    if changed:
        raise CannotUndo(
            f"{_records(changed)} changed since the run ({_listed(changed)}); nothing was moved back. "
            "Move the others by hand if they should go back."
        )
    if may_move is not None:
        refused = [m.name for m in moves if not may_move(m.to_id, m.from_id, _owner(session, m))]
        if refused:
            raise CannotUndo(
                f"You may not move {_listed(refused)} back: ask your manager or an administrator; "
                "nothing was moved back."
            )
    for move in moves:
        services.update(session, move.kind, move.record_id, {"territory_id": move.from_id})
    return len(moves)


def _moved_meanwhile(session: Session, expected: Sequence[tuple[Move, str | None]]) -> list[str]:
    """The names of the records no longer live in the territory expected."""
    changed = []
    for move, territory_id in expected:
        row = session.execute(
            text(f"SELECT territory_id, deleted_at FROM {move.kind} WHERE id = :id"), {"id": move.record_id}
        ).first()
        if row is None or row.deleted_at is not None or row.territory_id != territory_id:
            changed.append(move.name)
    return changed


def _records(names: Sequence[str]) -> str:
    return f"{len(names)} record{'s' if len(names) != 1 else ''}"


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _owner(session: Session, move: Move) -> str | None:
    owner = session.execute(
        text(f"SELECT owner_id FROM {move.kind} WHERE id = :id"), {"id": move.record_id}
    ).scalar()
    return None if owner is None else str(owner)
