"""Attachments: who reads (and uploads) the bytes of a photo or file, by the records that name it."""

from __future__ import annotations

from collections.abc import Iterable

from sfa_desktop.core.access.identity import Who
from sfa_desktop.core.access.records import sees


def may_use_blob(who: Who, references: Iterable[tuple[str | None, str | None]]) -> bool:
    """May the user read (and upload) the bytes of an attachment: does a live attachment naming that content
    sit in a territory (or, without one, with an owner) the user sees?  ``references``: (territory, owner)
    of each live attachment naming it.  Sharing a photo's content with another record shares nothing more:
    whoever sees either record sees the same bytes."""
    return any(sees(who, territory_id, owner_id, "attachments") for territory_id, owner_id in references)
