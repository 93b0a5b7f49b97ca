"""Demo comment threads with @mentions on accounts and opportunities (``resources/demo/comments.json``,
read with the other demo files by ``core.demo.data``): the demo's manager and reps talking about their
customers, so the notification centre has mentions to show.  Each thread goes on a record of its territory
picked in a fixed order; ids and times follow from the seed and the day, so the same demo gives the same
comments."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sfa_desktop.core.comments import resolve_mentions
from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, Comment, Opportunity, Territory, User


def seed(session: Session, *, seed: int, today: dt.date) -> int:
    """Write the demo threads; returns how many comments."""
    logins = {str(login): str(uid) for uid, login in session.execute(select(User.id, User.login))}
    territories = {str(code): str(tid) for tid, code in session.execute(select(Territory.id, Territory.code))}
    used: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    times: dict[str, dt.datetime] = {}
    for number, thread in enumerate(data.load().comment_threads):
        territory = territories.get(thread.territory)
        if territory is None:
            continue
        which = used.get(thread.territory + thread.on, 0)
        used[thread.territory + thread.on] = which + 1
        if thread.on == "account":
            query = select(Account.id, Account.name, Account.id).where(Account.territory_id == territory)
            table = "accounts"
        else:
            query = select(Opportunity.id, Opportunity.name, Opportunity.account_id).where(
                Opportunity.territory_id == territory, Opportunity.stage.not_in(("closed won", "closed lost"))
            )
            table = "opportunities"
        found = session.execute(query.order_by(Opportunity.id if table != "accounts" else Account.id)).all()
        if len(found) <= which:
            continue
        record_id, name, account_id = found[(seed + which * 7) % len(found)]
        for index, comment in enumerate(thread.comments):
            text = comment.text.replace("{account}", name).replace("{opportunity}", name)
            at = dt.datetime.combine(
                today - dt.timedelta(days=comment.days_ago), dt.time(comment.hour, 5 * index), dt.UTC
            )
            mentions = resolve_mentions(session, text)
            author = logins[comment.author]
            rows.append(
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-demo:comment:{seed}:{number}:{index}")),
                    "table_name": table,
                    "record_id": record_id,
                    "account_id": account_id,
                    "author_id": author,
                    "owner_id": author,
                    "body": text,
                    "mentions": json.dumps(mentions) if mentions else None,
                }
            )
            times[rows[-1]["id"]] = at
    if rows:
        services.create_many(session, "comments", rows)
        for comment_id, at in times.items():  # written when the thread says, not now
            session.execute(
                update(Comment).where(Comment.id == comment_id).values(created_at=at, updated_at=at)
            )
    return len(rows)
