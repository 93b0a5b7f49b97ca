"""Announcements for the window and ``sfa announcements``: the list, one announcement (opening it marks it
read), posting, withdrawing, pinning, and who has read one.  One session or connection each, returning
plain values (``core.announcements``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sfa_desktop.core import access
from sfa_desktop.core import audience as rules
from sfa_desktop.core.announcements import board
from sfa_desktop.core.announcements.board import Detail, Draft, ReadReport, Summary
from sfa_desktop.core.kb import articles as kb
from sfa_desktop.store.database import LocalStore

__all__ = ["Detail", "Draft", "ReadReport", "Summary"]


def listing(store: LocalStore, *, include_expired: bool = False, unread_only: bool = False) -> list[Summary]:
    with store.engine.connect() as conn:
        return board.listing(conn, include_expired=include_expired, unread_only=unread_only)


def pinned_unread(store: LocalStore, limit: int = 3) -> list[Summary]:
    """The pinned announcements this user has not opened (Today shows them)."""
    return [item for item in listing(store, unread_only=True) if item.pinned][:limit]


def resolve(store: LocalStore, given: str) -> str:
    with store.engine.connect() as conn:
        return board.resolve(conn, given)


def load(store: LocalStore, announcement_id: str) -> Detail:
    with store.engine.connect() as conn:
        return board.get(conn, announcement_id)


def open_announcement(store: LocalStore, announcement_id: str) -> Detail:
    """The announcement, marked read by this laptop's user (a receipt that syncs up) the first time."""
    with store.transaction() as session:
        board.mark_read(session, announcement_id)
    return load(store, announcement_id)


@dataclass(frozen=True)
class WriterChoices:
    """What the editor offers this user: whether they may post at all, to everyone and roles (the office),
    and which territories."""

    may_post: bool
    office: bool
    territories: list[tuple[str, str]]


def writer_choices(store: LocalStore) -> WriterChoices:
    with store.engine.connect() as conn:
        who = access.this_user(conn)
        office = rules.may_post_announcement(who, "everyone")
        return WriterChoices(board.may_post(conn), office, board.territories_to_address(conn))


def post(store: LocalStore, draft: Draft) -> str:
    with store.transaction() as session:
        new_id = board.post(session, draft)
    return new_id


def set_pinned(store: LocalStore, announcement_id: str, pinned: bool) -> None:
    with store.transaction() as session:
        board.set_pinned(session, announcement_id, pinned)


def withdraw(store: LocalStore, announcement_id: str) -> None:
    with store.transaction() as session:
        board.withdraw(session, announcement_id)


def read_report(store: LocalStore, announcement_id: str, days: int | None = None) -> ReadReport:
    with store.engine.connect() as conn:
        return board.read_report(conn, announcement_id, days=days)


def find_territory(store: LocalStore, code: str) -> str:
    with store.engine.connect() as conn:
        return board.find_territory(conn, code)


def article_title(store: LocalStore, article_id: str) -> str | None:
    """The title of a linked article on this laptop (None: not here)."""
    with store.engine.connect() as conn:
        found = kb.articles_by_ids(conn, [article_id])
    return found[0].title if found else None


def today() -> dt.date:
    return dt.date.today()


def articles(store: LocalStore) -> list[tuple[str, str]]:
    """(id, title) of the published articles, by title: what an announcement may link to."""
    with store.engine.connect() as conn:
        return [(a.id, a.title) for a in kb.list_articles(conn)]
