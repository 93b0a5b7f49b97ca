"""Which announcements and read receipts a pull sends to a user: the rules of ``core.access``
(``receives_announcement``, ``may_see_receipt``) as SQLAlchemy Core conditions on the central tables.

An announcement goes to its audience (everyone, the users of a role, the members of a territory and of the
territories below it) and to those who oversee it (its writer, admins, a manager over its territory or over
reps).  A read receipt goes to its reader, to the writer of its announcement and to the managers of the
reader's team who receive the announcement; never to another rep.  Row-level security (c0702) says the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select, true

from sfa_desktop.core.access import Identity
from sfa_desktop.core.audience import ANNOUNCEMENTS, RECEIPTS
from sfa_desktop.server import schema


def received(identity: Identity) -> Any:
    """The announcements that go to the user's laptop."""
    a = schema.SYNCED[ANNOUNCEMENTS].c
    if identity.is_admin:
        return true()
    who = [
        a.author_id == identity.user_id,
        a.audience == "everyone",
        and_(a.audience == "role", a.audience_role == identity.role),
    ]
    if identity.above:
        who.append(and_(a.audience == "territory", a.audience_territory_id.in_(sorted(identity.above))))
    if identity.is_manager:
        who.append(and_(a.audience == "role", a.audience_role == "rep"))
        if identity.territories:
            who.append(
                and_(a.audience == "territory", a.audience_territory_id.in_(sorted(identity.territories)))
            )
    return or_(*who)


def receipts_seen(identity: Identity) -> Any:
    """The read receipts that go to the user's laptop."""
    r = schema.SYNCED[RECEIPTS].c
    if identity.is_admin:
        return true()
    announcements = schema.SYNCED[ANNOUNCEMENTS]
    mine = select(announcements.c.id).where(received(identity), announcements.c.author_id == identity.user_id)
    who = [r.user_id == identity.user_id, r.announcement_id.in_(mine)]
    team = sorted(identity.team - {identity.user_id}) if identity.is_manager else []
    if team:
        known = select(announcements.c.id).where(received(identity))
        who.append(and_(r.user_id.in_(team), r.announcement_id.in_(known)))
    return or_(*who)


def condition(table: str, identity: Identity) -> Any:
    """The rows of an audience table (``core.records.tables.AUDIENCE_TABLES``) the user receives."""
    return received(identity) if table == ANNOUNCEMENTS else receipts_seen(identity)
