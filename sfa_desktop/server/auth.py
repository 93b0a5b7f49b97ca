"""Who is calling: passwords checked once per device, then a token per device (DESIGN.md, sync rule 6).

A user signs in with login and password (an argon2 hash in ``user_secrets``; never a database role's
password).  Repeated failures slow down (the server waits ``Refused.delay`` seconds before answering), then
lock the login for a while.  A good password gets the device a token: 32 random bytes, stored centrally
only as its SHA-256 hash, kept on the laptop in the OS keyring.  A token expires (``TOKEN_DAYS`` after it
was issued) and is rotated by use: a request with a token older than ``ROTATE_AFTER`` gets a new one back,
and the one before stays good until the new one has been used (so a rotation whose answer was lost in
transit does not lock the laptop out).

Only this module's answers may make a laptop wipe itself: :class:`~sfa_desktop.protocol.errors.Revoked` is
raised for a token whose device or user an administrator revoked; an unknown or expired token is
:class:`~sfa_desktop.protocol.errors.AuthenticationFailed` (sign in again), never a wipe.  A device revoked
with ``grace`` may still hand in its waiting changes (``Caller.leaving``) before it is told to wipe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, RowMapping, and_, or_, select, update

from sfa_desktop.core.records.models import new_id, utcnow
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Revoked
from sfa_desktop.server import central, schema

TOKEN_DAYS = 30
ROTATE_AFTER = dt.timedelta(days=1)
#: How stale a device's "last seen" may get before a request writes it again.
SEEN_EVERY = dt.timedelta(minutes=10)
#: Failed sign-ins before the login is locked, and for how long.
LOCK_AFTER = 10
LOCK_FOR = dt.timedelta(minutes=15)
MIN_PASSWORD = 8

_hasher = PasswordHasher()
SECRETS = schema.user_secrets
DEVICES = schema.devices
USERS = schema.SYNCED["users"]


class Refused(AuthenticationFailed):
    """A sign-in refused; the server waits ``delay`` seconds before saying so."""

    def __init__(self, message: str, delay: float = 0.0) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class Grant:
    """What a good sign-in gives the device (the token is shown this once, then only its hash is kept)."""

    token: str
    device_id: str
    login: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Caller:
    login: str
    device_id: str
    #: a new token the device must keep from now on (None: keep the one it has)
    rotated: str | None = None
    #: revoked with grace: may push its waiting changes, then is told to wipe
    leaving: bool = False


@dataclass(frozen=True)
class Device:
    id: str
    login: str
    name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    grace: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _failure_delay(failed: int) -> float:
    """Seconds to wait before refusing the ``failed``-th wrong password in a row: 0, 0.5, 1, 2, 4, 4..."""
    return 0.0 if failed <= 1 else min(0.25 * 2 ** (failed - 1), 4.0)


# -- passwords -----------------------------------------------------------------------------------------------


def check_new_password(password: str) -> None:
    """Refuse a password a person chose that is too short to stand a guess (``sfa central``)."""
    if len(password) < MIN_PASSWORD:
        raise CentralError(f"A password needs at least {MIN_PASSWORD} characters; nothing was changed.")


def set_password(conn: Connection, login: str, password: str, *, now: dt.datetime | None = None) -> None:
    """Give ``login`` a new password (hashed here; it never reaches the database in clear) and unlock it."""
    if not password:
        raise CentralError("A password cannot be empty; nothing was changed.")
    if conn.execute(select(USERS.c.id).where(USERS.c.login == login)).first() is None:
        raise CentralError(f"There is no user '{login}'.")
    values = {"password_hash": _hasher.hash(password), "failed": 0, "locked_until": None}
    values["changed_at"] = now or utcnow()
    done = conn.execute(update(SECRETS).where(SECRETS.c.login == login).values(values))
    if done.rowcount == 0:
        conn.execute(SECRETS.insert().values(login=login, **values))


def _active_user(conn: Connection, login: str) -> bool:
    found = conn.execute(
        select(USERS.c.id).where(USERS.c.login == login, USERS.c.active, USERS.c.deleted_at.is_(None))
    ).first()
    return found is not None


def sign_in(
    engine: Engine, login: str, password: str, device_name: str, *, now: dt.datetime | None = None
) -> Grant:
    """Check the password and register this device; :class:`Refused` says why not (the same words for an
    unknown login and a wrong password).  Its own transaction: a refusal's count is committed."""
    with central.central_transaction(engine) as conn:
        outcome = _sign_in(conn, login, password, device_name, now or utcnow())
    if isinstance(outcome, Refused):
        raise outcome
    return outcome


def _sign_in(
    conn: Connection, login: str, password: str, device_name: str, now: dt.datetime
) -> Grant | Refused:
    wrong = f"The login '{login}' or its password is wrong. Check both and sign in again."
    row = conn.execute(select(SECRETS).where(SECRETS.c.login == login).with_for_update()).mappings().first()
    if row is None:
        _hasher.hash(password)  # as long as a real check: the answer's timing tells nothing
        return Refused(wrong, delay=_failure_delay(2))
    if row["locked_until"] is not None and row["locked_until"] > now:
        minutes = max(1, int((row["locked_until"] - now).total_seconds() // 60) + 1)
        return Refused(
            f"The login '{login}' is locked after too many wrong passwords; try again in {minutes} min or "
            "ask your administrator to set a new password.",
            delay=_failure_delay(LOCK_AFTER),
        )
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        failed = int(row["failed"]) + 1
        locked = now + LOCK_FOR if failed >= LOCK_AFTER else None
        conn.execute(
            update(SECRETS).where(SECRETS.c.login == login).values(failed=failed, locked_until=locked)
        )
        return Refused(wrong, delay=_failure_delay(failed))
    if not _active_user(conn, login):
        return Refused(f"The login '{login}' may no longer sync; ask your administrator.")
    changes: dict[str, object] = {"failed": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row["password_hash"]):
        changes["password_hash"] = _hasher.hash(password)
    conn.execute(update(SECRETS).where(SECRETS.c.login == login).values(changes))
    return grant_device(conn, login, device_name, now=now)


def grant_device(conn: Connection, login: str, device_name: str, *, now: dt.datetime | None = None) -> Grant:
    """Register a device of ``login`` and give it a token, with no password asked: for a process that
    already holds the central store (a SQLite file served in process, the embedded demo, tests).  The
    caller checked whatever there was to check; a login that may not sync is still refused."""
    now = now or utcnow()
    if not _active_user(conn, login):
        raise Refused(f"The login '{login}' may not sync; ask your administrator.")
    token, device_id = _new_token(), new_id()
    expires = now + dt.timedelta(days=TOKEN_DAYS)
    conn.execute(
        DEVICES.insert().values(
            id=device_id,
            login=login,
            name=device_name.strip()[:200] or "laptop",
            token_hash=token_hash(token),
            created_at=now,
            rotated_at=now,
            last_seen_at=now,
            expires_at=expires,
            grace=False,
        )
    )
    return Grant(token, device_id, login, expires)


# -- tokens --------------------------------------------------------------------------------------------------


def authenticate(conn: Connection, token: str, *, now: dt.datetime | None = None) -> Caller:
    """The caller a token stands for; rotates an old token (``Caller.rotated``)."""
    now = now or utcnow()
    hashed = token_hash(token)
    matching = select(DEVICES).where(or_(DEVICES.c.token_hash == hashed, DEVICES.c.previous_hash == hashed))
    # Most requests change nothing on the device's row: read it without a lock (a read-only transaction,
    # and a laptop's parallel requests do not queue behind each other); only a request that must write it
    # (rotation, last seen, the previous token dropped) locks the row and decides again on what it holds.
    row = conn.execute(matching).mappings().first()
    if row is not None and _changes(row, hashed, now):
        row = conn.execute(matching.with_for_update()).mappings().first()
    if row is None:
        raise AuthenticationFailed("This device is not signed in (its token is unknown). Sign in again.")
    if row["revoked_at"] is not None:
        if row["grace"]:
            return Caller(row["login"], row["id"], leaving=True)
        raise Revoked(
            f"This device was signed out by an administrator ({row['revoked_by'] or 'admin'}): the synced "
            "data on it is removed."
        )
    if not _active_user(conn, row["login"]):
        raise Revoked(
            f"The user '{row['login']}' may no longer sync: the synced data on this device is removed."
        )
    if row["expires_at"] <= now:
        raise AuthenticationFailed("This device's sign-in has expired. Sign in again with your password.")
    values: dict[str, object] = {}
    if _seen_due(row, now):
        values["last_seen_at"] = now  # not on every request: 10,000 reps would write a row each
    rotated = None
    if row["token_hash"] == hashed and now - row["rotated_at"] >= ROTATE_AFTER:
        rotated = _new_token()
        values.update(
            token_hash=token_hash(rotated),
            previous_hash=hashed,
            rotated_at=now,
            expires_at=now + dt.timedelta(days=TOKEN_DAYS),
        )
    elif row["token_hash"] != hashed:
        # The previous token: the laptop never got (or never kept) the rotated one.  Rotate again.
        rotated = _new_token()
        values.update(token_hash=token_hash(rotated), rotated_at=now)
    elif row["previous_hash"] is not None:
        values["previous_hash"] = None  # the new token is in use: the old one goes
    if values:
        conn.execute(update(DEVICES).where(DEVICES.c.id == row["id"]).values(values))
    return Caller(row["login"], row["id"], rotated=rotated)


def _seen_due(row: RowMapping, now: dt.datetime) -> bool:
    return row["last_seen_at"] is None or now - row["last_seen_at"] >= SEEN_EVERY


def _changes(row: RowMapping, hashed: str, now: dt.datetime) -> bool:
    """Whether ``authenticate`` writes the device's row for this token: the same conditions it acts on
    (a revoked or expired device writes nothing, but is decided under the lock all the same)."""
    return (
        row["revoked_at"] is not None
        or row["expires_at"] <= now
        or _seen_due(row, now)
        or row["token_hash"] != hashed
        or now - row["rotated_at"] >= ROTATE_AFTER
        or row["previous_hash"] is not None
    )


def sign_out(conn: Connection, token: str, *, now: dt.datetime | None = None) -> None:
    """Forget this device's token (the laptop signs out; its data stays)."""
    hashed = token_hash(token)
    conn.execute(
        DEVICES.delete().where(or_(DEVICES.c.token_hash == hashed, DEVICES.c.previous_hash == hashed))
    )


# -- administration ------------------------------------------------------------------------------------------


def list_devices(conn: Connection, login: str | None = None) -> list[Device]:
    query = select(DEVICES).order_by(DEVICES.c.login, DEVICES.c.created_at)
    if login is not None:
        query = query.where(DEVICES.c.login == login)
    return [
        Device(
            r["id"],
            r["login"],
            r["name"],
            r["created_at"],
            r["last_seen_at"],
            r["expires_at"],
            r["revoked_at"],
            bool(r["grace"]),
        )
        for r in conn.execute(query).mappings()
    ]


def revoke_device(
    conn: Connection, device_id: str, *, by: str, grace: bool = False, now: dt.datetime | None = None
) -> Device:
    """Revoke one device (an id or a unique prefix of one): its next request is told to wipe; with
    ``grace`` it first hands in its waiting changes.  Returns the device."""
    found = [d for d in list_devices(conn) if d.id.startswith(device_id)]
    if len(found) != 1:
        raise CentralError(
            f"No device has the id '{device_id}'."
            if not found
            else f"'{device_id}' names {len(found)} devices."
        )
    _revoke(conn, DEVICES.c.id == found[0].id, by=by, grace=grace, now=now)
    return found[0]


def revoke_login(
    conn: Connection, login: str, *, by: str, grace: bool = False, now: dt.datetime | None = None
) -> int:
    """Revoke every device of ``login``; returns how many."""
    return _revoke(conn, DEVICES.c.login == login, by=by, grace=grace, now=now)


def _revoke(conn: Connection, which: object, *, by: str, grace: bool, now: dt.datetime | None) -> int:
    done = conn.execute(
        update(DEVICES)
        .where(and_(which, DEVICES.c.revoked_at.is_(None)))  # type: ignore[arg-type]
        .values(revoked_at=now or utcnow(), revoked_by=by, grace=grace)
    )
    return int(done.rowcount)


def end_grace(conn: Connection, device_id: str) -> None:
    """A leaving device has handed in its changes: from now on it is told to wipe."""
    conn.execute(update(DEVICES).where(DEVICES.c.id == device_id).values(grace=False))
