"""Database roles on a PostgreSQL central store: the sync service acts as each user, reps never log in.

Every user is a role of the cluster named by the login, a member of ``sfa_user``, created NOLOGIN with a
connection limit of 0: no one connects as a rep.  sfa-server connects as its own login role, a member of the
group ``sfa_server`` (NOLOGIN, NOINHERIT), which is granted every user's role.  So the server's login has no
privilege of its own, and in each request's transaction :func:`act_as` switches to the user's role
(``SET LOCAL ROLE``) and records the login in the transaction-local setting ``sfa.login``: the row-level
security policies of ``db/central`` (revision c0402) then judge the request as that user, a second line of
defence behind the server's own scope checks, and the triggers stamp the user as the change log's author.

Creating the server's login role (the store's owner runs it once; ``sfa_server`` comes with the schema)::

    CREATE ROLE sfa_sync LOGIN IN ROLE sfa_server;       -- or create_server_login(conn, "sfa_sync")
    ALTER ROLE sfa_sync SET statement_timeout = '60s';   -- create_server_login sets these three
    ALTER ROLE sfa_sync SET lock_timeout = '10s';
    ALTER ROLE sfa_sync SET idle_in_transaction_session_timeout = '60s';
    \\password sfa_sync                                  -- in psql: the password never travels as SQL text

``\\password`` hashes the password in psql and sends only the SCRAM verifier, so the password itself never
reaches the server's log (``log_statement``) as a literal.  The server's URL then names that login.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

#: The group whose members may act as any user (the sync service's login roles).
SERVER_GROUP = "sfa_server"
#: The group every user's role belongs to (row-level security keys on it).
USER_GROUP = "sfa_user"
#: Role-level timeouts of user roles and of the sync service's login (the same as revision c0402 sets).
TIMEOUTS = {
    "statement_timeout": "60s",
    "lock_timeout": "10s",
    "idle_in_transaction_session_timeout": "60s",
}


def _run(conn: Connection, statement: object, params: tuple[object, ...] | None = None) -> None:
    from psycopg import sql

    assert isinstance(statement, sql.Composable)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    conn.exec_driver_sql(statement.as_string(raw), params)  # type: ignore[arg-type]


def act_as(conn: Connection, login: str) -> None:
    """Make the rest of this transaction run as ``login``'s role (SyncService's ``role`` hook).

    PostgreSQL only: SQLite has no roles, and the server's own checks are all there is."""
    if conn.dialect.name != "postgresql":
        return
    from psycopg import sql

    _run(conn, sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(login)))
    conn.exec_driver_sql("SELECT set_config('sfa.login', %s, true)", (login,))


def role_hook(login: str) -> Callable[[Connection], None]:
    """``act_as`` bound to one login, for ``SyncService(engine, login, role=role_hook(login))``."""

    def hook(conn: Connection) -> None:
        act_as(conn, login)

    return hook


def _set_timeouts(conn: Connection, role: str) -> None:
    from psycopg import sql

    for key, value in TIMEOUTS.items():
        _run(
            conn,
            sql.SQL("ALTER ROLE {} SET {} = {}").format(
                sql.Identifier(role), sql.Identifier(key), sql.Literal(value)
            ),
        )


def ensure_user_role(conn: Connection, login: str) -> None:
    """The user's role: created if missing; in any case NOLOGIN, no password, no connections, with the
    timeouts, a member of ``sfa_user`` and granted to ``sfa_server``."""
    if conn.dialect.name != "postgresql":
        return
    from psycopg import sql

    role = sql.Identifier(login)
    if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).first() is None:
        _run(conn, sql.SQL("CREATE ROLE {} NOLOGIN IN ROLE {}").format(role, sql.Identifier(USER_GROUP)))
    _run(conn, sql.SQL("ALTER ROLE {} NOLOGIN CONNECTION LIMIT 0 PASSWORD NULL").format(role))
    _set_timeouts(conn, login)
    _run(conn, sql.SQL("GRANT {} TO {}").format(role, sql.Identifier(SERVER_GROUP)))


def create_server_login(conn: Connection, name: str, password: str | None = None) -> None:
    """A login role for sfa-server, a member of ``sfa_server``, with the timeouts (``sfa central
    add-server-login``).  ``password``: hashed here (SCRAM, by libpq, as psql's ``\\password`` does), so
    only the verifier reaches the server, never the password as SQL text; without one, set it later."""
    if conn.dialect.name != "postgresql":
        return
    from psycopg import sql

    role = sql.Identifier(name)
    if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).first() is None:
        _run(conn, sql.SQL("CREATE ROLE {} LOGIN").format(role))
    _run(conn, sql.SQL("GRANT {} TO {}").format(sql.Identifier(SERVER_GROUP), role))
    _set_timeouts(conn, name)
    if password is not None:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        pgconn = raw.pgconn
        verifier = pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
        _run(conn, sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(verifier)))
