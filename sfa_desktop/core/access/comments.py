"""Comments on records: who changes or deletes one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sfa_desktop.core.access.identity import Who, changes

COMMENTS = "comments"
#: What only a comment's author changes (the central store refuses anyone else's push of it): its text,
#: the users it mentions, when it was edited, and who wrote it.  Deleting one is not among them: a comment
#: goes with its account when whoever may delete the account does (the laptop lets only the author delete
#: one by itself).
AUTHORS_OWN = ("body", "mentions", "edited_at", "author_id")


def may_edit_comment(who: Who, author_id: str | None) -> bool:
    """May the user change or delete this comment?  Its author (and anyone on a laptop never connected,
    which holds one person's data)."""
    return who is None or (author_id is not None and author_id == who.user_id)


def may_write_authored(
    who: Who, current: Mapping[str, Any] | None, new: Mapping[str, Any], authors_own: Iterable[str]
) -> bool:
    """A comment (on a record or a request) is written under its author's name only, and what is the
    author's own (``authors_own``) changes by that author only; an admin may write any."""
    if who is None or who.is_admin:
        return True
    if current is None:
        return new.get("author_id") == who.user_id
    touched = any(changes(current, new, name) for name in authors_own)
    return not touched or current.get("author_id") == who.user_id
