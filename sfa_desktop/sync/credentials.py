"""Secrets in the operating system's keyring, never in a file: the central store password (a PostgreSQL
store reached directly) and this device's sync token (sfa-server, or a SQLite store served in process).

Service names ``sfa-desktop`` (passwords) and ``sfa-desktop-token`` (tokens); the keyring username is
``<login>@<url without password>``. When the machine has no usable keyring, :class:`NoKeyring` says so and
callers ask for the password when a sync needs it (there is never a fallback to a file).
"""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from sqlalchemy.engine import URL

from sfa_desktop.core.errors import UserError
from sfa_desktop.protocol.address import normalize_url
from sfa_desktop.store import cipher

SERVICE = "sfa-desktop"
TOKEN_SERVICE = "sfa-desktop-token"


class NoKeyring(UserError):
    """No usable keyring backend: the password cannot be remembered on this machine."""

    def __init__(self, detail: str = "") -> None:
        message = (
            "No password keyring is available on this computer, so the central store password cannot be "
            "remembered; you will be asked for it when a sync needs it."
        )
        super().__init__(f"{message} ({detail})" if detail else message)


def account_name(url: str, login: str) -> str:
    """``login@url`` with any password removed from the URL."""
    parsed = normalize_url(url)
    bare = URL.create(
        parsed.drivername, host=parsed.host, port=parsed.port, database=parsed.database, query=parsed.query
    )
    return f"{login}@{bare.render_as_string(hide_password=True)}"


def _backend() -> KeyringBackend:
    backend = cipher.keyring_backend()  # the same test as for the database key
    if backend is None:
        raise NoKeyring()
    return backend


def _keep(service: str, account: str, secret: str, what: str) -> None:
    try:
        _backend().set_password(service, account, secret)
    except keyring.errors.KeyringError as exc:
        raise NoKeyring(f"the keyring refused to store {what}: {type(exc).__name__}") from None


def _read(service: str, account: str) -> str | None:
    backend = _backend()
    try:
        return backend.get_password(service, account)
    except keyring.errors.KeyringError as exc:
        raise NoKeyring(f"the keyring could not be read: {type(exc).__name__}") from None


def _forget(service: str, account: str) -> bool:
    backend = _backend()
    try:
        backend.delete_password(service, account)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise NoKeyring(f"the keyring could not be changed: {type(exc).__name__}") from None
    return True


def store_password(url: str, login: str, password: str) -> None:
    """Remember the password for login at url; raises :class:`NoKeyring`."""
    _keep(SERVICE, account_name(url, login), password, "it")


def get_password(url: str, login: str) -> str | None:
    """The remembered password, or None when none is stored; raises :class:`NoKeyring`."""
    return _read(SERVICE, account_name(url, login))


def delete_password(url: str, login: str) -> bool:
    """Forget the password; True when one was stored. Raises :class:`NoKeyring`."""
    return _forget(SERVICE, account_name(url, login))


# -- device tokens ---------------------------------------------------------------------------------------


def token_account(url: str, login: str) -> str:
    """``login@url``: a server address as the laptop keeps it (no secret in it), trailing slash dropped."""
    return f"{login}@{url.strip().rstrip('/')}"


def store_token(url: str, login: str, token: str) -> None:
    """Keep this device's token for login at url; raises :class:`NoKeyring`."""
    _keep(TOKEN_SERVICE, token_account(url, login), token, "the sign-in")


def get_token(url: str, login: str) -> str | None:
    """This device's token, or None when none is kept; raises :class:`NoKeyring`."""
    return _read(TOKEN_SERVICE, token_account(url, login))


def delete_token(url: str, login: str) -> bool:
    """Forget the token; True when one was kept.  Raises :class:`NoKeyring`."""
    return _forget(TOKEN_SERVICE, token_account(url, login))
