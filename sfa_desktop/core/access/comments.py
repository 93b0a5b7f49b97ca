"""Comments on records: who changes or deletes one."""

from __future__ import annotations

from sfa_desktop.core.access.identity import Who


def may_edit_comment(who: Who, author_id: str | None) -> bool:
    """May the user change or delete this comment?  Its author (and anyone on a laptop never connected,
    which holds one person's data)."""
    return who is None or (author_id is not None and author_id == who.user_id)
