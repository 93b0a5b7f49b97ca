"""Records leaving the user's territories, and territories gained or lost, noted as a sync sees them: a
departed record is gone from the laptop after the pull, so it is named while it is still here.  The sync
engine calls these in the transaction that applies the change (``sync.replica``, ``sync.engine``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core.notifications import inbox
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.notifications.sources import territory_name, title_of

#: The records whose moves a user is told of (what follows them moves with them).
TOLD = ("accounts", "leads")


def note_departures(
    conn: Connection, user_id: str | None, table: str, departures: Iterable[Mapping[str, Any]]
) -> int:
    """Tell the user that these records (about to be dropped) left their territories; returns how many."""
    if user_id is None or table not in TOLD:
        return 0
    now = dt.datetime.now(dt.UTC)
    events = []
    for d in departures:
        record_id = str(d["record_id"])
        held = conn.execute(
            text(f"SELECT territory_id FROM {table} WHERE id = :id AND deleted_at IS NULL"), {"id": record_id}
        ).first()
        if held is None:
            continue
        record = title_of(conn, table, record_id)
        events.append(
            NotificationEvent(
                f"territory-out:{table}:{record_id}:{d['seq']}", "territory",
                f"{record} left your territory {territory_name(conn, d['territory_id'])}",
                "It was moved to a territory you do not see, and is no longer on this laptop.",
                None, None, now, False,
            )
        )  # fmt: skip
    return len(inbox.record(conn, user_id, events))


def note_territories(
    conn: Connection, user_id: str | None, gained: Iterable[str], lost: Iterable[str]
) -> int:
    """Tell the user about territories they now see, or no longer see (before the lost ones' records go)."""
    if user_id is None:
        return 0
    now = dt.datetime.now(dt.UTC)
    day = now.date().isoformat()
    events = []
    for territory in sorted(gained):
        name = territory_name(conn, territory)
        events.append(
            NotificationEvent(
                f"territory-added:{territory}:{day}", "territory", f"Territory {name} is now yours",
                f"The records of {name} come to this laptop with this sync.", None, None, now, False,
            )
        )  # fmt: skip
    for territory in sorted(lost):
        name = territory_name(conn, territory)
        count = conn.execute(
            text("SELECT count(*) FROM accounts WHERE territory_id = :t AND deleted_at IS NULL"),
            {"t": territory},
        ).scalar_one()
        events.append(
            NotificationEvent(
                f"territory-removed:{territory}:{day}", "territory", f"Territory {name} is no longer yours",
                f"Its {count} account{'' if count == 1 else 's'} and their records left this laptop (your "
                "changes were sent first).",
                None, None, now, True,
            )
        )  # fmt: skip
    return len(inbox.record(conn, user_id, events))
