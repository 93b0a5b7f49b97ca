"""Service levels of requests: hours to the first answer and to the resolution, against targets.

The targets come from a function ``targets(session, account_ids) -> {account_id: (answer_hours,
resolve_hours)}``, asked once for every account a list or a report names (one query, not one per row): the
service levels per customer segment live with the planner (``core.service_levels.request_targets``);
:func:`default_targets` gives segment B's 8 hours to answer and 72 hours to resolve.  Time counts in hours
since the request was raised (its ``created_at``), the clock running on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

#: account ids -> {account id: (hours to the first answer, hours to the resolution)} for each of them.
Targets = Callable[[Session, Collection[str]], Mapping[str, tuple[float, float]]]
#: Segment B's service level (contract 2): 8 hours to answer, 72 to resolve.
DEFAULT_ANSWER_HOURS = 8.0
DEFAULT_RESOLVE_HOURS = 72.0
#: Statuses in which a request is done with.
DONE = ("resolved", "closed")


def default_targets(session: Session, account_ids: Collection[str]) -> dict[str, tuple[float, float]]:
    """Segment B's targets for every account."""
    return dict.fromkeys(account_ids, (DEFAULT_ANSWER_HOURS, DEFAULT_RESOLVE_HOURS))


def hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600.0


def span(value: float) -> str:
    """Hours for people: '5 h' up to two days, then '13 d'."""
    return f"{value:.0f} h" if value < 48 else f"{value / 24:.0f} d"


@dataclass(frozen=True)
class Sla:
    """Where one request stands against its targets at ``now``."""

    answer_hours: float
    resolve_hours: float
    #: Hours from raised to the first answer (so far, while unanswered).
    to_answer: float
    #: Hours from raised to the resolution (so far, while open).
    to_resolve: float
    answered: bool
    done: bool

    @property
    def answer_overdue(self) -> bool:
        """Still unanswered past the target (an open request)."""
        return not self.answered and not self.done and self.to_answer > self.answer_hours

    @property
    def resolve_overdue(self) -> bool:
        """Still open past the target."""
        return not self.done and self.to_resolve > self.resolve_hours

    @property
    def overdue(self) -> bool:
        return self.answer_overdue or self.resolve_overdue

    @property
    def answered_in_time(self) -> bool | None:
        """Was the first answer within the target (None while unanswered)?"""
        return self.to_answer <= self.answer_hours if self.answered else None

    @property
    def resolved_in_time(self) -> bool | None:
        return self.to_resolve <= self.resolve_hours if self.done else None

    def describe(self) -> str:
        """One line for people: 'answer overdue by 3 h', 'resolve due in 40 h', 'resolved in 20 h'..."""
        if self.done:
            within = "within" if self.resolved_in_time else "over"
            return f"resolved in {span(self.to_resolve)} ({within} the {span(self.resolve_hours)} target)"
        if self.answer_overdue:
            return f"answer overdue by {span(self.to_answer - self.answer_hours)}"
        if self.resolve_overdue:
            return f"resolution overdue by {span(self.to_resolve - self.resolve_hours)}"
        if not self.answered:
            return f"answer due in {span(self.answer_hours - self.to_answer)}"
        return f"resolution due in {span(self.resolve_hours - self.to_resolve)}"


def measure(
    raised: dt.datetime,
    first_answered: dt.datetime | None,
    resolved: dt.datetime | None,
    status: str,
    target: tuple[float, float],
    now: dt.datetime,
) -> Sla:
    """The service level of one request: ``target`` is (answer hours, resolve hours)."""
    done = status in DONE
    end = resolved if resolved is not None else now
    answered_at = first_answered if first_answered is not None else (resolved if done else None)
    return Sla(
        answer_hours=float(target[0]),
        resolve_hours=float(target[1]),
        to_answer=max(0.0, hours(raised, answered_at if answered_at is not None else now)),
        to_resolve=max(0.0, hours(raised, end)),
        answered=answered_at is not None,
        done=done,
    )
