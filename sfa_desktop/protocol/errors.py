"""How a sync can fail, for a person: every one is a :class:`~sfa_desktop.core.errors.UserError` whose message
says what happened and what to do.  The server raises them and the laptop shows them; the wire carries
their kind and message (see ``protocol.messages``)."""

from __future__ import annotations

from sfa_desktop.core.errors import UserError


class CentralError(UserError):
    """The central store cannot be used now; the message is for a person."""


class Unreachable(CentralError):
    """No connection (offline, server down): keep working, retry later."""


class AuthenticationFailed(CentralError):
    """The server refused the login: the password is wrong (ask again)."""


class Revoked(CentralError):
    """This user may no longer sync: the laptop's copy is wiped."""


class Incompatible(CentralError):
    """The central store and this app speak different protocol or schema versions."""
