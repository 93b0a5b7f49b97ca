"""The pipeline: the board, moving and closing opportunities, won and lost reasons, the stages (the
board, the stages dialog, won and lost; ``sfa pipeline``).

Each function opens its own session from the store and returns plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.records import pipeline
from sfa_desktop.core.records.pipeline import BoardColumn, PipelineTotals, StageEdit
from sfa_desktop.core.records.stages import Stage, StageIndex, all_stages
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store.database import LocalStore


@dataclass(frozen=True)
class Board:
    columns: list[BoardColumn]
    totals: PipelineTotals
    owners: list[tuple[str, str]]  # (user id, name) of everyone who owns opportunities
    me: str | None  # this laptop's user


def load_board(store: LocalStore, owner_id: str | None) -> Board:
    with store.reading() as session:
        owners = [
            (row[0], row[1])
            for row in session.execute(
                text(
                    "SELECT DISTINCT u.id, u.full_name FROM users u JOIN opportunities o "
                    "ON o.owner_id = u.id WHERE o.deleted_at IS NULL ORDER BY u.full_name COLLATE NOCASE"
                )
            )
        ]
        user = access.this_user(session.connection())
        return Board(
            pipeline.board(session, owner_id=owner_id),
            pipeline.totals(session, owner_id=owner_id),
            owners,
            user.user_id if user else None,
        )


def load_totals(store: LocalStore, owner_id: str | None) -> PipelineTotals:
    """The board's totals alone: count, amount and weighted amount per stage (of one owner when given)."""
    with store.reading() as session:
        return pipeline.totals(session, owner_id=owner_id)


def move_card(store: LocalStore, opportunity_id: str, stage_key: str) -> str:
    """Move an opportunity to an open stage (undoable, ``ops.undo``); returns the stage's name."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        record = pipeline.set_stage(session, opportunity_id, stage_key)
        name = str(
            session.execute(
                text("SELECT name FROM pipeline_stages WHERE key = :k"), {"k": record.stage}
            ).scalar()
            or record.stage
        )
        undo_ops.note(
            session, since, "stage", f"move of {record.name} to {name}", ("opportunities", record.id)
        )
        return name


@dataclass(frozen=True)
class Closed:
    name: str
    #: The won or lost stage it moved to: its name (its key when the stage is gone).
    stage: str
    close_date: dt.date | None


def close(store: LocalStore, opportunity_id: str, outcome: str, reason: str) -> Closed:
    """Won or lost with the reason: the opportunity's name, its stage and its close date."""
    with store.transaction() as session:
        since = undo_ops.begin(session)
        mark = pipeline.mark_won if outcome == "won" else pipeline.mark_lost
        record = mark(session, opportunity_id, reason)
        stage = StageIndex.load(session).find(record.stage)
        closed = Closed(record.name, stage.name if stage else record.stage, record.close_date)
        undo_ops.note(
            session, since, "stage", f"move of {record.name} to {closed.stage}", ("opportunities", record.id)
        )
        return closed


def close_opportunity(store: LocalStore, opportunity_id: str, outcome: str, reason: str) -> str:
    """Won or lost with the reason; returns the opportunity's name."""
    return close(store, opportunity_id, outcome, reason).name


def opportunity_name(store: LocalStore, opportunity_id: str) -> str:
    with store.engine.connect() as conn:
        name = conn.execute(
            text("SELECT name FROM opportunities WHERE id = :i"), {"i": opportunity_id}
        ).scalar()
    return str(name or "")


def reason_suggestions(store: LocalStore, outcome: str) -> list[str]:
    """The usual reasons, then the ones people have given most often."""
    column = "won_reason" if outcome == "won" else "lost_reason"
    usual = list(pipeline.WON_REASONS if outcome == "won" else pipeline.LOST_REASONS)
    with store.engine.connect() as conn:
        given = conn.execute(
            text(
                f"SELECT {column}, count(*) AS n FROM opportunities WHERE {column} IS NOT NULL "
                f"AND deleted_at IS NULL GROUP BY {column} COLLATE NOCASE ORDER BY n DESC LIMIT 12"
            )
        ).scalars()
        folded = {u.casefold() for u in usual}
        return usual + [g for g in given if g.casefold() not in folded]


@dataclass(frozen=True)
class StagesState:
    stages: list[Stage]
    editable: bool
    user: access.Identity | None


def load_stages(store: LocalStore) -> StagesState:
    with store.reading() as session:
        user = access.this_user(session.connection())
        stages = all_stages(session, include_inactive=True)
    return StagesState(stages, access.may_write_reference(user, "pipeline_stages"), user)


def save_stages(store: LocalStore, edits: list[StageEdit]) -> list[Stage]:
    with store.transaction() as session:
        access.require_reference_writer(session.connection(), "pipeline_stages", "the pipeline stages")
        return pipeline.save_stages(session, edits)
