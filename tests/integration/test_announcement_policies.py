"""The announcement rules of ``core.access`` against PostgreSQL's row-level security (c0702), so that the
two cannot drift: for every user (reps in NE, SE and outside EAST, the manager of EAST, an admin) and every
kind of announcement (to everyone, to each territory, to each role; by the manager, by the office), whether
the user may read it, post it and change it, and read or write each user's receipt of it, is what the rule
answers; and the server's pull (``server.audience``) sends exactly the rows PostgreSQL lets the user read."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from sfa_desktop.core import access
from sfa_desktop.core import audience as rules
from sfa_desktop.core.announcements.board import receipt_id
from sfa_desktop.core.records.models import new_id
from sfa_desktop.server import admin, audience, central, roles, schema
from tests.integration.sync_harness import World, world_fixture

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LOGINS = ("admin", "ann", "bob", "cat", "mgr", "wes")
SHAPES = (
    ("everyone", None, None),
    ("territory", "EAST", None),
    ("territory", "NE", None),
    ("territory", "SE", None),
    ("territory", "WEST", None),
    ("role", None, "rep"),
    ("role", None, "manager"),
)


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    for found in world_fixture("postgresql", tmp_path, pg_url):
        with central.central_transaction(found.central) as cc:
            writer = central.Writer(cc, login="admin")
            admin.add_territory(writer, "WEST", "West")
            admin.add_user(writer, "wes", territories=("WEST",))
        yield found


def _ids(world: World) -> dict[str, str]:
    users = schema.SYNCED["users"]
    with world.central.connect() as cc:
        ids = {str(login): str(i) for login, i in cc.execute(select(users.c.login, users.c.id))}
    for code in ("EAST", "NE", "SE", "WEST"):
        ids[code] = world.territory(code)
    return ids


def _announcement(
    ids: dict[str, str], shape: tuple[str, str | None, str | None], author: str
) -> dict[str, Any]:
    kind, code, role = shape
    return {
        "id": new_id(),
        "title": "Bulletin",
        "body": "Text",
        "audience": kind,
        "audience_territory_id": ids[code] if code else None,
        "audience_role": role,
        "pinned": False,
        "author_id": ids[author],
        "published_at": AT,
        "created_at": AT,
        "updated_at": AT,
    }


def _receipt(announcement: dict[str, Any], user_id: str) -> dict[str, Any]:
    return {
        "id": receipt_id(announcement["id"], user_id),
        "announcement_id": announcement["id"],
        "user_id": user_id,
        "read_at": AT,
        "created_at": AT,
        "updated_at": AT,
    }


def _attempt(engine: Engine, login: str, statement: Any) -> bool:
    """Run ``statement`` as ``login`` (as sfa-server does) in a transaction rolled back; True when it read
    or wrote a row, False when row-level security refused it."""
    if statement.is_insert or statement.is_update:
        statement = statement.values(seq=func.sfa_allocate_seq(1))
    with engine.connect() as conn, conn.begin() as trans:
        roles.act_as(conn, login)
        try:
            result = conn.execute(statement)
            if result.returns_rows:
                return result.first() is not None
            return bool(statement.is_insert) or result.rowcount == 1
        except DBAPIError as exc:
            if "row-level security" not in str(exc):
                raise
            return False
        finally:
            trans.rollback()


def test_announcement_rules_match_row_level_security(world: World) -> None:
    ids = _ids(world)
    a, r = schema.SYNCED["announcements"], schema.SYNCED["announcement_receipts"]
    who = {}
    with world.central.connect() as cc:
        for login in LOGINS:
            who[login] = access.identify(cc, login=login, active=True)
    seeded: list[dict[str, Any]] = []
    with central.central_transaction(world.central) as cc:
        writer = central.Writer(cc, login="admin")
        for shape, author in itertools.product(SHAPES, ("mgr", "admin")):
            row = _announcement(ids, shape, author)
            writer.insert("announcements", row)
            seeded.append(row)
            for login in ("ann", "bob", "cat", "mgr", "wes"):
                writer.insert("announcement_receipts", _receipt(row, ids[login]))
    differences: list[str] = []
    engine = world.service_engine
    for login in LOGINS:
        identity = who[login]
        assert identity is not None
        for row in seeded:
            what = (row["audience"], row["audience_territory_id"], row["audience_role"], row["author_id"])
            seen = _attempt(engine, login, select(a.c.id).where(a.c.id == row["id"]))
            if seen != access.may_see_row(identity, "announcements", row):
                differences.append(f"{login} read {what}: PostgreSQL {seen}")
            mine = {**row, "id": new_id(), "author_id": identity.user_id}
            posted = _attempt(engine, login, insert(a).values(mine))
            if posted != access.may_write_row(identity, "announcements", None, mine):
                differences.append(f"{login} post {what}: PostgreSQL {posted}")
            changed = _attempt(engine, login, update(a).where(a.c.id == row["id"]).values(title="Changed"))
            if changed != access.may_write_row(identity, "announcements", row, {"title": "Changed"}):
                differences.append(f"{login} change {what}: PostgreSQL {changed}")
            for reader in ("ann", "bob", "cat", "mgr", "wes"):
                key = receipt_id(row["id"], ids[reader])
                seen = _attempt(engine, login, select(r.c.id).where(r.c.id == key))
                if seen != rules.may_see_receipt(identity, ids[reader], row):
                    differences.append(f"{login} read {reader}'s receipt of {what}: PostgreSQL {seen}")
                touched = _attempt(engine, login, update(r).where(r.c.id == key).values(read_at=AT))
                rule = access.may_write_row(identity, "announcement_receipts", _receipt(row, ids[reader]), {})
                if touched != (rule and seen):
                    differences.append(f"{login} write {reader}'s receipt of {what}: PostgreSQL {touched}")
        # what the server's pull sends is what PostgreSQL lets the user read
        with world.central.connect() as cc:
            pulled = set(cc.execute(select(a.c.id).where(audience.received(identity))).scalars())
            pulled_receipts = set(
                cc.execute(select(r.c.id).where(audience.receipts_seen(identity))).scalars()
            )
        with engine.connect() as conn, conn.begin():
            roles.act_as(conn, login)
            readable = set(conn.execute(select(a.c.id)).scalars())
            readable_receipts = set(conn.execute(select(r.c.id)).scalars())
        if pulled != readable or pulled_receipts != readable_receipts:
            differences.append(f"{login}: the pull's rows differ from what PostgreSQL lets them read")
    assert differences == [], "\n".join(differences)
    # the walk saw both answers for each user kind (it can fail)
    rep = who["ann"]
    assert rep is not None
    answers = {access.may_see_row(rep, "announcements", row) for row in seeded}
    assert answers == {True, False}


def test_a_manager_cannot_readdress_an_announcement_on_the_store(world: World) -> None:
    ids = _ids(world)
    a = schema.SYNCED["announcements"]
    row = _announcement(ids, ("territory", "NE", None), "mgr")
    with central.central_transaction(world.central) as cc:
        central.Writer(cc, login="admin").insert("announcements", row)
    engine = world.service_engine
    moved = update(a).where(a.c.id == row["id"]).values(audience_territory_id=ids["SE"])
    with pytest.raises(DBAPIError, match="audience and author stay as posted"):
        _attempt(engine, "mgr", moved)
    assert _attempt(engine, "admin", moved)
    assert not access.may_write_row(
        access.Identity(ids["mgr"], "mgr", "manager", frozenset({ids["EAST"], ids["NE"], ids["SE"]})),
        "announcements",
        row,
        {"audience_territory_id": ids["SE"]},
    )
