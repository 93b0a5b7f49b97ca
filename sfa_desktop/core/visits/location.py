"""Where the computer is, when its operating system says: the small interface check-in asks (issue 16).

A source answers at once from what it already knows and never waits: a visit is checked in without a
place rather than late.  The window's source is Qt Positioning when PySide6 ships it
(``ui.positioning``); the command line takes ``--lat``/``--lon``; tests hand in a fake.
"""

from __future__ import annotations

from typing import Protocol

from sfa_desktop.core.visits.reports import Place


class LocationSource(Protocol):
    def last_known(self) -> Place | None:
        """The latest position the system gave (None: none yet, or no positioning on this computer)."""
        ...

    @property
    def description(self) -> str:
        """What stands behind it, for a person ("Qt Positioning", "no positioning on this computer")."""
        ...


class NoLocation:
    """A computer without positioning: check-ins carry the time only."""

    description = "no positioning on this computer"

    def last_known(self) -> Place | None:
        return None


class FixedLocation:
    """A place known in advance (tests, a desk computer at the office)."""

    def __init__(self, place: Place | None) -> None:
        self.place = place
        self.description = "a fixed place"

    def last_known(self) -> Place | None:
        return self.place
