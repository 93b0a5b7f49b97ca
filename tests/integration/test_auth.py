"""Sign-in and device tokens (server.auth) on the SQLite and the PostgreSQL central store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.protocol.errors import AuthenticationFailed, Revoked
from sfa_desktop.server import admin, auth, central, schema
from tests.integration.sync_harness import World, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


@pytest.fixture
def pg_store(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _tx(world: World) -> AbstractContextManager[Connection]:
    return central.central_transaction(world.central)


def _set(world: World, login: str, password: str) -> None:
    with _tx(world) as cc:
        auth.set_password(cc, login, password)


def test_a_password_is_kept_only_as_an_argon2_hash(store: World) -> None:
    _set(store, "ann", "correct horse")
    with _tx(store) as cc:
        (hashed,) = cc.execute(select(schema.user_secrets.c.password_hash)).one()
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed


def test_sign_in_gives_a_device_token_that_authenticates(store: World) -> None:
    _set(store, "ann", "correct horse")
    grant = auth.sign_in(store.central, "ann", "correct horse", "ann's laptop")
    with _tx(store) as cc:
        caller = auth.authenticate(cc, grant.token)
        stored = cc.execute(select(schema.devices.c.token_hash)).scalar_one()
    assert (caller.login, caller.device_id, caller.rotated, caller.leaving) == (
        "ann",
        grant.device_id,
        None,
        False,
    )
    assert stored == auth.token_hash(grant.token)
    assert grant.token not in stored
    assert grant.expires_at - utcnow() > dt.timedelta(days=auth.TOKEN_DAYS - 1)


def test_wrong_passwords_slow_down_then_lock(store: World) -> None:
    _set(store, "ann", "correct horse")
    delays = []
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(auth.Refused, match="or its password is wrong") as info:
            auth.sign_in(store.central, "ann", "wrong", "laptop")
        delays.append(info.value.delay)
    assert delays[0] == 0
    assert delays == sorted(delays)
    assert delays[-1] == 4.0
    with pytest.raises(auth.Refused, match="is locked"):
        auth.sign_in(store.central, "ann", "correct horse", "laptop")  # even the right one, while locked
    later = utcnow() + auth.LOCK_FOR + dt.timedelta(seconds=1)
    assert auth.sign_in(store.central, "ann", "correct horse", "laptop", now=later).login == "ann"
    with pytest.raises(auth.Refused, match="or its password is wrong"):
        auth.sign_in(
            store.central, "nobody", "whatever", "laptop"
        )  # an unknown login reads like a wrong password


def test_a_failed_sign_in_is_counted_even_though_it_raises(store: World) -> None:
    _set(store, "ann", "correct horse")
    with pytest.raises(auth.Refused):
        auth.sign_in(store.central, "ann", "wrong", "laptop")
    with _tx(store) as cc:
        failed = cc.execute(text("SELECT failed FROM user_secrets WHERE login = 'ann'")).scalar_one()
    assert failed == 1  # the count survives the refusal


def test_tokens_rotate_by_use_and_the_previous_one_survives_a_lost_answer(store: World) -> None:
    _set(store, "ann", "correct horse")
    grant = auth.sign_in(store.central, "ann", "correct horse", "laptop")
    later = utcnow() + auth.ROTATE_AFTER + dt.timedelta(minutes=1)
    with _tx(store) as cc:
        first = auth.authenticate(cc, grant.token, now=later)
    assert first.rotated is not None
    assert first.rotated != grant.token
    with _tx(store) as cc:  # the answer carrying the new token was lost: the old one still works, once more
        again = auth.authenticate(cc, grant.token, now=later)
    assert again.rotated is not None
    with _tx(store) as cc:
        assert auth.authenticate(cc, again.rotated, now=later).rotated is None
    with pytest.raises(AuthenticationFailed, match="token is unknown"), _tx(store) as cc:
        auth.authenticate(cc, grant.token, now=later)  # the new one is in use: the old one is gone


def test_an_expired_token_asks_to_sign_in_and_never_wipes(store: World) -> None:
    _set(store, "ann", "correct horse")
    grant = auth.sign_in(store.central, "ann", "correct horse", "laptop")
    much_later = utcnow() + dt.timedelta(days=auth.TOKEN_DAYS + 1)
    with pytest.raises(AuthenticationFailed, match="expired") as info, _tx(store) as cc:
        auth.authenticate(cc, grant.token, now=much_later)
    assert not isinstance(info.value, Revoked)


def test_revoking_a_device_or_a_user_is_the_authenticated_instruction_to_wipe(store: World) -> None:
    _set(store, "ann", "correct horse")
    _set(store, "bob", "battery staple")
    one = auth.sign_in(store.central, "ann", "correct horse", "laptop")
    two = auth.sign_in(store.central, "ann", "correct horse", "spare")
    bobs = auth.sign_in(store.central, "bob", "battery staple", "laptop")
    with _tx(store) as cc:
        assert auth.revoke_device(cc, one.device_id[:8], by="admin").id == one.device_id
    with pytest.raises(Revoked, match="signed out by an administrator"), _tx(store) as cc:
        auth.authenticate(cc, one.token)
    with _tx(store) as cc:
        assert auth.authenticate(cc, two.token).login == "ann"
        assert auth.revoke_login(cc, "ann", by="admin", grace=True) == 1
    with _tx(store) as cc:
        assert auth.authenticate(cc, two.token).leaving  # may hand in its changes first
        auth.end_grace(cc, two.device_id)
    with pytest.raises(Revoked), _tx(store) as cc:
        auth.authenticate(cc, two.token)
    with _tx(store) as cc:
        admin.revoke(central.Writer(cc, login="admin"), "bob")
    with pytest.raises(Revoked, match="may no longer sync"), _tx(store) as cc:
        auth.authenticate(cc, bobs.token)
    with _tx(store) as cc:
        listed = auth.list_devices(cc, "ann")
    assert [d.name for d in listed] == ["laptop", "spare"]
    assert all(d.revoked_at for d in listed)


def test_last_seen_is_written_at_most_every_ten_minutes(store: World) -> None:
    """Every sync request authenticates: writing the device row each time would be a write per request
    for every rep of the company."""
    _set(store, "ann", "correct horse")
    start = utcnow()
    grant = auth.sign_in(store.central, "ann", "correct horse", "laptop", now=start)

    def seen() -> dt.datetime:
        with _tx(store) as cc:
            return cc.execute(select(schema.devices.c.last_seen_at)).scalar_one()  # type: ignore[no-any-return]

    with _tx(store) as cc:
        auth.authenticate(cc, grant.token, now=start + dt.timedelta(minutes=3))
    assert abs((seen() - start).total_seconds()) < 1
    later = start + auth.SEEN_EVERY + dt.timedelta(seconds=1)
    with _tx(store) as cc:
        auth.authenticate(cc, grant.token, now=later)
    assert abs((seen() - later).total_seconds()) < 1


def test_a_request_that_changes_nothing_on_the_device_does_not_wait_for_its_row(pg_store: World) -> None:
    """A laptop's parallel requests (its photos) do not queue behind each other on the device's row: only a
    request that must write it (rotation, last seen) locks it."""
    world = pg_store
    _set(world, "ann", "correct horse")
    grant = auth.sign_in(world.central, "ann", "correct horse", "ann's laptop")
    with _tx(world) as cc:
        auth.authenticate(cc, grant.token)  # last seen now: nothing is due for ten minutes
    with world.central.connect() as holder, holder.begin():
        holder.execute(text("SELECT id FROM devices FOR UPDATE"))  # another request holds the row
        with _tx(world) as cc:
            cc.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert auth.authenticate(cc, grant.token).login == "ann"  # read, not waited for
            # a request that must rotate the token waits for the row (and gives up at the timeout here)
            later = utcnow() + auth.ROTATE_AFTER + dt.timedelta(minutes=1)
            with pytest.raises(Exception, match="lock timeout"):
                auth.authenticate(cc, grant.token, now=later)
