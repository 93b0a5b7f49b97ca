"""The sources of notifications, by name, and running them.

A registry is a plain immutable value: the default one (``sources.REGISTRY``) names this package's sources,
and a feature adds its own with :meth:`Registry.with_source` where it is wired (the window, ``sfa``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sfa_desktop.core.notifications.events import KINDS, NotificationEvent, Source


class SourceError(ValueError):
    """A source broke the contract (a bug in the source, not something a person fixes)."""


@dataclass(frozen=True)
class Registry:
    sources: tuple[tuple[str, Source], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.sources)

    def with_source(self, name: str, source: Source) -> Registry:
        """This registry and one more source (a name is registered once)."""
        if name in self.names:
            raise ValueError(f"a notification source named {name!r} is registered already")
        return Registry((*self.sources, (name, source)))

    def run(self, session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
        """Every source's events for the user, each key once (the first source's), oldest first."""
        found: dict[str, NotificationEvent] = {}
        for name, source in self.sources:
            for event in source(session, user_id, since):
                if event.kind not in KINDS:
                    raise SourceError(f"source {name!r} gave the unknown kind {event.kind!r}")
                if event.at.tzinfo is None:
                    raise SourceError(f"source {name!r} gave a naive time for {event.key!r}")
                found.setdefault(event.key, event)
        return sorted(found.values(), key=lambda e: (e.at, e.key))
