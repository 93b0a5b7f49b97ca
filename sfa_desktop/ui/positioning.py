"""The operating system's position for check-ins, through Qt Positioning where PySide6 has it.

:func:`system_source` starts the platform's position source once and keeps its latest fix; asking for it
(``last_known``) never waits.  Without Qt Positioning (a PySide6 build without it) or without a source on
this computer, check-ins carry the time only (``core.visits.location.NoLocation``).
"""

from __future__ import annotations

import importlib
from typing import Any

from sfa_desktop.core.visits.location import LocationSource, NoLocation
from sfa_desktop.core.visits.reports import Place, VisitError

#: The one source of this process (a list, so that it is kept without a global statement).
_SOURCE: list[LocationSource] = []


class QtLocation:
    """The latest fix of a running ``QGeoPositionInfoSource`` (updates every few minutes)."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._place: Place | None = None
        self.description = f"Qt Positioning ({source.sourceName()})"
        source.positionUpdated.connect(self._updated)
        source.setUpdateInterval(120_000)
        source.startUpdates()
        self._updated(source.lastKnownPosition())

    def _updated(self, info: Any) -> None:
        if info is None or not info.isValid():
            return
        coordinate = info.coordinate()
        try:
            self._place = Place(coordinate.latitude(), coordinate.longitude())
        except VisitError:
            return

    def last_known(self) -> Place | None:
        return self._place


def system_source() -> LocationSource:
    """The position source of this computer (made on first use, then shared)."""
    if not _SOURCE:
        try:
            positioning = importlib.import_module("PySide6.QtPositioning")
            source = positioning.QGeoPositionInfoSource.createDefaultSource(None)
        except (ImportError, RuntimeError):
            source = None
        _SOURCE.append(QtLocation(source) if source is not None else NoLocation())
    return _SOURCE[0]
