"""The notification centre and comments, as the window and ``sfa`` use them: run the sources (after each
sync and at start), list, count, mark read, what the tray shows; comments on a record and the people a
mention reaches.  One session each, returning plain values."""

from __future__ import annotations

import datetime as dt

from sfa_desktop.core import access, comments
from sfa_desktop.core.notifications import inbox
from sfa_desktop.core.notifications.inbox import Item
from sfa_desktop.core.notifications.registry import Registry
from sfa_desktop.core.notifications.sources import REGISTRY
from sfa_desktop.store.database import LocalStore

#: The user of a laptop never connected to a central store (it holds one person's data).
LOCAL_USER = ""


def _user(db: object) -> str:
    user_id, _login = access.signed_in(db)  # type: ignore[arg-type]
    return user_id or LOCAL_USER


def refresh(store: LocalStore, registry: Registry = REGISTRY) -> list[str]:
    """Run the sources for this laptop's user since they last ran; returns the keys of new notifications."""
    started = dt.datetime.now(dt.UTC)
    with store.transaction() as session:
        user = _user(session)
        events = registry.run(session, user, inbox.last_run(session))
        fresh = inbox.record(session, user, events)
        inbox.note_run(session, started)
    return fresh


def listing(
    store: LocalStore,
    *,
    unread: bool = False,
    kind: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Item]:
    with store.reading() as session:
        return inbox.listing(session, _user(session), unread=unread, kind=kind, limit=limit, offset=offset)


def first_page(store: LocalStore, kind: str | None, size: int) -> tuple[int, list[Item]]:
    """How many notifications there are (of a kind) and the newest ``size`` of them: what the centre
    opens with (it reads further pages as the list scrolls)."""
    with store.reading() as session:
        user = _user(session)
        return inbox.count(session, user, kind=kind), inbox.listing(session, user, kind=kind, limit=size)


def unread_count(store: LocalStore) -> int:
    with store.reading() as session:
        return inbox.unread_count(session, _user(session))


def mark_read(store: LocalStore, keys: list[str]) -> int:
    with store.transaction() as session:
        return inbox.mark_read(session, _user(session), keys)


def mark_all_read(store: LocalStore, kind: str | None = None) -> int:
    with store.transaction() as session:
        return inbox.mark_all_read(session, _user(session), kind)


def to_show_in_tray(store: LocalStore) -> list[Item]:
    """Urgent notifications not shown by the tray yet (each is shown once)."""
    with store.transaction() as session:
        return inbox.to_show_in_tray(session, _user(session))


# -- comments ---------------------------------------------------------------------------------------------


def comments_on(store: LocalStore, table: str, record_id: str) -> list[comments.CommentView]:
    with store.reading() as session:
        return comments.listing(session, table, record_id)


def add_comment(store: LocalStore, table: str, record_id: str, body: str) -> str:
    """Comment on a record; returns the comment's id."""
    with store.transaction() as session:
        return comments.add(session, table, record_id, body).id


def edit_comment(store: LocalStore, comment_id: str, body: str) -> None:
    with store.transaction() as session:
        comments.edit(session, comment_id, body)


def delete_comment(store: LocalStore, comment_id: str) -> None:
    with store.transaction() as session:
        comments.delete(session, comment_id)


def mentionable(store: LocalStore, table: str, record_id: str) -> list[comments.Person]:
    with store.reading() as session:
        return comments.mentionable(session, table, record_id)
