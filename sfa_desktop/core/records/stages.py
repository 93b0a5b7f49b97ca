"""The pipeline in use: the stages of the ``pipeline_stages`` table, read for validation and choices.

Opportunities store a stage's ``key``.  A stage is named by its key or its name, in any case ("Closed won",
"closed won"); new values must name an *active* stage.  Editing the pipeline is in :mod:`core.pipeline`;
this module only reads, so that the services can use it without importing anything that writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import PipelineStage
from sfa_desktop.core.records.validation import ValidationError

CATEGORY_LABELS = {"open": "Open", "won": "Won", "lost": "Lost"}


@dataclass(frozen=True)
class Stage:
    id: str
    key: str
    name: str
    position: int
    probability: int
    category: str  # open | won | lost
    active: bool

    @property
    def is_open(self) -> bool:
        return self.category == "open"


def _stage(row: PipelineStage) -> Stage:
    return Stage(row.id, row.key, row.name, row.position, row.probability, row.category, bool(row.active))


def all_stages(session: Session, *, include_inactive: bool = False) -> list[Stage]:
    """The live stages in pipeline order (position, then name); only active ones unless asked."""
    query = select(PipelineStage).where(PipelineStage.deleted_at.is_(None))
    if not include_inactive:
        query = query.where(PipelineStage.active.is_(True))
    rows = session.execute(query.order_by(PipelineStage.position, PipelineStage.name)).scalars()
    return [_stage(row) for row in rows]


class StageIndex:
    """Stages looked up by key or name, case-insensitively (one query for many rows: imports, demo data)."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)
        self.active = [s for s in self.stages if s.active]
        self._by_word: dict[str, Stage] = {}
        for stage in self.stages:  # keys win over names (a name never equals another stage's key)
            self._by_word.setdefault(stage.name.casefold(), stage)
        for stage in self.stages:
            self._by_word[stage.key.casefold()] = stage

    @classmethod
    def load(cls, session: Session) -> StageIndex:
        return cls(all_stages(session, include_inactive=True))

    def find(self, given: str) -> Stage | None:
        return self._by_word.get(" ".join(given.split()).casefold())

    def resolve(self, given: str, *, allow: str | None = None) -> Stage:
        """The active stage ``given`` names (its key or name).  ``allow``: a stage key accepted even when
        inactive (an opportunity's current stage).  Raises ValidationError on ``stage`` otherwise."""
        stage = self.find(given)
        if stage is not None and (stage.active or stage.key == allow):
            return stage
        names = ", ".join(s.name for s in self.active) or "none"
        if stage is not None:
            message = f"The stage '{stage.name}' is no longer used in the pipeline; choose one of: {names}."
        else:
            message = f"'{given.strip()}' is not a stage of the pipeline; choose one of: {names}."
        raise ValidationError({"stage": message})

    def first(self, category: str) -> Stage:
        """The first active stage of a category (open: where new opportunities start)."""
        for stage in self.active:
            if stage.category == category:
                return stage
        label = CATEGORY_LABELS.get(category, category).lower()
        raise ValidationError(
            {"stage": f"The pipeline has no active {label} stage; an administrator must add or activate one."}
        )


def resolve(session: Session, given: str, *, allow: str | None = None) -> Stage:
    return StageIndex.load(session).resolve(given, allow=allow)


def first(session: Session, category: str) -> Stage:
    return StageIndex.load(session).first(category)


def choices(session: Session) -> list[tuple[str, str]]:
    """(key, name) of the active stages in pipeline order: the record form's stage combo."""
    return [(s.key, s.name) for s in all_stages(session)]
