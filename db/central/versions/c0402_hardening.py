"""central hardening: reps never log in; the sync service acts as each user; triggers stamp the change log

Reps no longer hold database credentials (issue 19).  sfa-server connects as its own login role, a member of
the NOLOGIN, NOINHERIT group ``sfa_server``, which is granted every user's role: it has no privilege of its
own and, per request, runs ``SET LOCAL ROLE <user>`` (``server.roles.act_as``), so the policies here see
the user as ``current_user``.  What this revision does:

* the policy helpers (``sfa_current_user_id``, ``sfa_is_admin``, ``sfa_is_manager``,
  ``sfa_visible_territories``, ``sfa_merged_into``) and the change log's author stamp read ``current_user``
  instead of ``session_user`` and run as the caller (SECURITY INVOKER: inside a SECURITY DEFINER function
  ``current_user`` is the function's owner);
* user roles lose LOGIN (no password, connection limit 0) and get role-level timeouts; ``sfa_server``
  is created and granted every existing user role;
* ``seq_counter``: user roles may no longer UPDATE it (nor lock it with SELECT ... FOR UPDATE, which needs
  UPDATE): numbers come from ``sfa_allocate_seq(n)`` (SECURITY DEFINER, increments only, 1..1,000,000 at a
  time, never past 2^62), which records the range it handed to the current transaction; a trigger refuses
  any update of the counter that rewinds it or takes it past the bound, whoever runs it;
* for a user role (one holding ``sfa_user``'s privileges), every insert or update of a synced table and every insert
  into ``change_log``, ``departures`` and ``conflicts`` must carry a sequence number allocated by the same
  transaction ("fresh"): above every committed number, so laptops pulling by ``seq > cursor`` see it; a
  change-log row must name the record's own territory (or the record was rewritten in this transaction),
  a departure a territory the record is no longer in (or the record was rewritten after it), a conflict a
  territory the user sees (or none: then only the user who archived it, its ``won_by``, reads it);
  ``change_log.db_user`` and a conflict's ``won_by`` are always ``current_user``; the checks run once per
  statement (transition tables); a number allocated by this transaction is above every committed one
  and commits in order, since the counter row stays locked by this transaction until it commits;
* reading: other territories' change log, departures and conflicts, and change-log rows and conflicts with
  no territory written by someone else, are hidden; ``sync_clients`` rows are the user's own; any table
  named ``user_secrets`` or ``devices`` is closed to user roles.

Synced tables are found as those with ``seq``, ``updated_at`` and ``deleted_at`` columns (a table added by a
later revision needs the ``sfa_seq_fresh_insert``/``_update`` triggers, as ``upgrade`` makes them).
PostgreSQL only, but for the two counter columns.

Revision ID: c0402
Revises: c0401
Create Date: 2026-12-06 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0402"
down_revision: str | None = "c0401"
branch_labels = None
depends_on = None

#: The most a counter may be advanced by one call, and the value it may never pass.
SEQ_STEP_MAX = 1_000_000
SEQ_CEILING = 2**62
TIMEOUTS = {
    "statement_timeout": "60s",
    "lock_timeout": "10s",
    "idle_in_transaction_session_timeout": "60s",
}
SECRET_TABLES = ("user_secrets", "devices")
LOGGED_TABLES = ("change_log", "departures", "conflicts")

_HELPERS = """
CREATE OR REPLACE FUNCTION sfa_current_user_id() RETURNS text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    SELECT id FROM users WHERE login = current_user AND active AND deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION sfa_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM users
        WHERE login = current_user AND role = 'admin' AND active AND deleted_at IS NULL
    )
$$;

CREATE OR REPLACE FUNCTION sfa_is_manager() RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM users
        WHERE login = current_user AND role = 'manager' AND active AND deleted_at IS NULL
    )
$$;

CREATE OR REPLACE FUNCTION sfa_visible_territories() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    WITH RECURSIVE visible(id) AS (
        SELECT m.territory_id
        FROM territory_memberships m JOIN users u ON u.id = m.user_id
        WHERE u.login = current_user AND u.active AND u.deleted_at IS NULL AND m.deleted_at IS NULL
        UNION
        SELECT t.id FROM territories t JOIN visible v ON t.parent_id = v.id WHERE t.deleted_at IS NULL
    )
    SELECT id FROM visible
    UNION
    SELECT id FROM territories WHERE sfa_is_admin()
$$;

CREATE OR REPLACE FUNCTION sfa_merged_into(old_account text, new_account text) RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    WITH RECURSIVE chain(id, depth) AS (
        SELECT merged_into_id, 1 FROM accounts WHERE id = old_account AND merged_into_id IS NOT NULL
        UNION ALL
        SELECT a.merged_into_id, c.depth + 1 FROM accounts a JOIN chain c ON a.id = c.id
        WHERE a.merged_into_id IS NOT NULL AND c.depth < 32
    )
    SELECT EXISTS (SELECT 1 FROM chain WHERE id = new_account)
$$;

CREATE OR REPLACE FUNCTION sfa_set_db_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_user := current_user;
    RETURN NEW;
END
$$;

-- A user role (one holding sfa_user's privileges, not a superuser): the fences below apply to it; the
-- store's owner (``sfa central``, migrations) is not fenced, it can drop any trigger anyway.
CREATE OR REPLACE FUNCTION sfa_acting_as_user() RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    SELECT pg_has_role(current_user, 'sfa_user', 'USAGE')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
$$;
"""

_SEQ = """
-- This transaction's id (with its epoch: never reused), as a bigint the schema's definition can name.
CREATE OR REPLACE FUNCTION sfa_xact() RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = {schema}, pg_temp AS $$
    SELECT pg_current_xact_id()::text::bigint
$$;

CREATE OR REPLACE FUNCTION sfa_allocate_seq(n bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    hi bigint;
BEGIN
    IF n IS NULL OR n < 1 OR n > {step} THEN
        RAISE EXCEPTION 'sequence numbers are allocated 1 to {step} at a time, not %', n
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE seq_counter
       SET lo = CASE WHEN holder = sfa_xact() THEN lo ELSE value + 1 END,
           holder = sfa_xact(),
           value = value + n
     WHERE id = 1
    RETURNING value INTO hi;
    RETURN hi - n + 1;
END
$$;

CREATE OR REPLACE FUNCTION sfa_seq_counter_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.value < OLD.value OR NEW.value > {ceiling} THEN
        RAISE EXCEPTION 'the sequence counter only moves forward, below %', {ceiling}
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER sfa_seq_counter_guard BEFORE UPDATE ON seq_counter
    FOR EACH ROW EXECUTE FUNCTION sfa_seq_counter_guard();
CREATE TRIGGER sfa_seq_counter_no_delete BEFORE DELETE OR TRUNCATE ON seq_counter
    FOR EACH STATEMENT EXECUTE FUNCTION sfa_seq_counter_refuse();
"""

_SEQ_REFUSE = """
CREATE OR REPLACE FUNCTION sfa_seq_counter_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the sequence counter cannot be removed' USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

_FENCES = """
-- The numbers this transaction allocated (lo, hi), or nulls when it took none.
CREATE OR REPLACE FUNCTION sfa_fresh_range(OUT lo bigint, OUT hi bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT c.lo, c.value FROM (SELECT 1) one
    LEFT JOIN seq_counter c ON c.id = 1 AND c.holder = sfa_xact()
$$;

-- A statement of a user role writing a synced table: every row it wrote carries a number its own
-- transaction allocated.  Once per statement (transition table), not per row.
CREATE OR REPLACE FUNCTION sfa_fresh_seq() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT sfa_acting_as_user() THEN
        RETURN NULL;
    END IF;
    r := sfa_fresh_range();
    IF EXISTS (SELECT 1 FROM sfa_new n WHERE r.lo IS NULL OR n.seq NOT BETWEEN r.lo AND r.hi) THEN
        RAISE EXCEPTION 'a change to % must carry a sequence number allocated in its own transaction '
            '(sfa_allocate_seq) and be logged', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;

-- A conflict names who archived it: the role acting.
CREATE OR REPLACE FUNCTION sfa_set_won_by() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.won_by := current_user;
    RETURN NEW;
END
$$;

-- change_log, departures, conflicts written by a user role: fresh numbers, synced tables only, and the
-- territory each row claims (see the module's docstring).  Once per statement and table named.
CREATE OR REPLACE FUNCTION sfa_logged_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
DECLARE
    r record;
    named text;
    scoped boolean;
    synced boolean;
    bad boolean;
BEGIN
    IF NOT sfa_acting_as_user() THEN
        RETURN NULL;
    END IF;
    r := sfa_fresh_range();
    IF EXISTS (SELECT 1 FROM sfa_new n WHERE r.lo IS NULL OR n.seq NOT BETWEEN r.lo AND r.hi) THEN
        RAISE EXCEPTION 'a % row must carry a sequence number allocated in its own transaction', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR named IN SELECT DISTINCT n.table_name FROM sfa_new n LOOP
        SELECT bool_or(a.attname = 'territory_id'),
               count(*) FILTER (WHERE a.attname IN ('seq', 'updated_at', 'deleted_at')) = 3
          INTO scoped, synced
          FROM pg_attribute a
         WHERE a.attrelid = to_regclass(quote_ident(named)) AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT coalesce(synced, false) THEN
            RAISE EXCEPTION '% is not a synced table', named USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT scoped THEN
            IF TG_TABLE_NAME = 'departures'
               OR EXISTS (SELECT 1 FROM sfa_new n WHERE n.table_name = named AND n.territory_id IS NOT NULL) THEN
                RAISE EXCEPTION '% has no territories: a % row about it names none', named, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            CONTINUE;
        END IF;
        IF TG_TABLE_NAME = 'change_log' THEN
            -- the record's own territory, unless this transaction rewrote the record (a move and back)
            EXECUTE format(
                'SELECT EXISTS (SELECT 1 FROM sfa_new n LEFT JOIN %I t ON t.id = n.record_id '
                'WHERE n.table_name = $1 AND (t.id IS NULL OR (n.territory_id IS DISTINCT FROM t.territory_id '
                'AND NOT t.seq BETWEEN $2 AND $3)))', named)
               INTO bad USING named, r.lo, r.hi;
            IF bad THEN
                RAISE EXCEPTION 'a change-log row names the territory of its record'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF TG_TABLE_NAME = 'departures' THEN
            -- a territory the record has left, unless this transaction rewrote the record after it
            EXECUTE format(
                'SELECT EXISTS (SELECT 1 FROM sfa_new n JOIN %I t ON t.id = n.record_id '
                'WHERE n.table_name = $1 AND n.territory_id IS NOT DISTINCT FROM t.territory_id '
                'AND NOT (t.seq BETWEEN $2 AND $3 AND t.seq > n.seq))', named)
               INTO bad USING named, r.lo, r.hi;
            IF bad THEN
                RAISE EXCEPTION 'a departure names a territory its record has left'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
"""


def _visible() -> str:
    return "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"


def _synced_tables() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name IN ('seq', 'updated_at', 'deleted_at') GROUP BY table_name "
        "HAVING count(*) = 3 ORDER BY table_name"
    )
    return [r[0] for r in rows]


def _user_roles() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'sfa_user' AND NOT r.rolsuper ORDER BY 1"
    )
    return [r[0] for r in rows]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _policies() -> None:
    visible = _visible()
    execute = op.execute
    execute("DROP POLICY IF EXISTS sfa_own ON sync_clients")
    execute(
        "CREATE POLICY sfa_own ON sync_clients FOR ALL TO PUBLIC "
        "USING (login = current_user OR sfa_is_admin()) WITH CHECK (login = current_user OR sfa_is_admin())"
    )
    readers = {
        "change_log": f"({visible} OR (territory_id IS NULL AND db_user = current_user))",
        "departures": f"({visible})",
        "conflicts": f"({visible} OR (territory_id IS NULL AND won_by = current_user))",
    }
    writers = {
        "change_log": f"({visible} OR territory_id IS NULL)",
        "departures": f"({visible})",
        "conflicts": f"({visible} OR territory_id IS NULL)",
    }
    for table in LOGGED_TABLES:
        execute(f"DROP POLICY IF EXISTS sfa_read ON {table}")
        execute(f"DROP POLICY IF EXISTS sfa_insert ON {table}")
        execute(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING {readers[table]}")
        execute(f"CREATE POLICY sfa_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK {writers[table]}")


def upgrade() -> None:
    # who holds the counter and the first number it took (sfa_allocate_seq); unused on SQLite
    with op.batch_alter_table("seq_counter") as batch:
        batch.add_column(sa.Column("holder", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("lo", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    schema = _ident(op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one())
    run(_HELPERS.format(schema=schema))
    run("REVOKE ALL ON FUNCTION sfa_acting_as_user() FROM PUBLIC")
    run("GRANT EXECUTE ON FUNCTION sfa_acting_as_user() TO sfa_user")
    # the counter
    run(_SEQ_REFUSE)
    run(_SEQ.format(schema=schema, step=SEQ_STEP_MAX, ceiling=SEQ_CEILING))
    run("REVOKE UPDATE, INSERT, DELETE, TRUNCATE ON seq_counter FROM sfa_user")
    # the fences
    run(_FENCES.format(schema=schema))
    for name in ("sfa_allocate_seq(bigint)", "sfa_fresh_range()"):
        run(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {name} TO sfa_user")
    for table in _synced_tables():
        for event in ("INSERT", "UPDATE"):
            run(
                f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {_ident(table)} "
                "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
            )
    for table in LOGGED_TABLES:
        run(
            f"CREATE TRIGGER sfa_logged_guard AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_logged_guard()"
        )
    run(
        "CREATE TRIGGER conflicts_won_by BEFORE INSERT ON conflicts "
        "FOR EACH ROW EXECUTE FUNCTION sfa_set_won_by()"
    )
    _policies()
    # secrets another revision may keep (password hashes, device tokens): never readable by a user role
    for table in SECRET_TABLES:
        run(
            f"DO $$ BEGIN IF to_regclass('{table}') IS NOT NULL THEN "
            f"EXECUTE 'REVOKE ALL ON {table} FROM PUBLIC, sfa_user'; END IF; END $$"
        )
    # roles: reps never log in; the sync service's group may act as each of them
    run(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_server') "
        "THEN CREATE ROLE sfa_server NOLOGIN NOINHERIT; END IF; END $$"
    )
    for key, value in TIMEOUTS.items():
        run(f"ALTER ROLE sfa_server SET {key} = '{value}'")
    for role in _user_roles():
        run(f"ALTER ROLE {_ident(role)} NOLOGIN CONNECTION LIMIT 0 PASSWORD NULL")
        for key, value in TIMEOUTS.items():
            run(f"ALTER ROLE {_ident(role)} SET {key} = '{value}'")
        run(f"GRANT {_ident(role)} TO sfa_server")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("seq_counter") as batch:
            batch.drop_column("lo")
            batch.drop_column("holder")
        return
    run = op.execute
    schema = _ident(op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one())
    for table in LOGGED_TABLES:
        run(f"DROP TRIGGER IF EXISTS sfa_logged_guard ON {table}")
        run(f"DROP POLICY IF EXISTS sfa_read ON {table}")
        run(f"DROP POLICY IF EXISTS sfa_insert ON {table}")
        run(
            f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING "
            f"({_visible()} OR territory_id IS NULL)"
        )
        run(f"CREATE POLICY sfa_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK (true)")
    run("DROP POLICY IF EXISTS sfa_own ON sync_clients")
    run(
        "CREATE POLICY sfa_own ON sync_clients FOR ALL TO PUBLIC "
        "USING (login = session_user OR sfa_is_admin()) WITH CHECK (login = session_user OR sfa_is_admin())"
    )
    for table in _synced_tables():
        run(f"DROP TRIGGER IF EXISTS sfa_seq_fresh_insert ON {_ident(table)}")
        run(f"DROP TRIGGER IF EXISTS sfa_seq_fresh_update ON {_ident(table)}")
    run("DROP TRIGGER IF EXISTS conflicts_won_by ON conflicts")
    run("DROP FUNCTION IF EXISTS sfa_set_won_by()")
    run("DROP FUNCTION IF EXISTS sfa_logged_guard()")
    run("DROP FUNCTION IF EXISTS sfa_fresh_seq()")
    run("DROP TRIGGER IF EXISTS sfa_seq_counter_guard ON seq_counter")
    run("DROP TRIGGER IF EXISTS sfa_seq_counter_no_delete ON seq_counter")
    run("DROP FUNCTION IF EXISTS sfa_seq_counter_guard()")
    run("DROP FUNCTION IF EXISTS sfa_seq_counter_refuse()")
    run("DROP FUNCTION IF EXISTS sfa_fresh_range()")
    run("DROP FUNCTION IF EXISTS sfa_allocate_seq(bigint)")
    run("DROP FUNCTION IF EXISTS sfa_xact()")
    run("ALTER TABLE seq_counter DROP COLUMN holder, DROP COLUMN lo")
    run("GRANT UPDATE ON seq_counter TO sfa_user")
    run("DROP FUNCTION IF EXISTS sfa_acting_as_user()")
    # the helpers as c0002/c0004/c0301 left them (session_user, SECURITY DEFINER)
    old = _HELPERS.replace("current_user", "session_user").replace("SECURITY INVOKER", "SECURITY DEFINER")
    old = old.split("-- A user role")[0]
    run(old.format(schema=schema))
    # user roles keep NOLOGIN: passwords are gone; an admin sets them again with 'sfa central set-password'
