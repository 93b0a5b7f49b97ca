"""central security: the sfa_user role, privileges, row-level security, db_user from the database

PostgreSQL only; a no-op on SQLite (which has no users).

Revision ID: c0002
Revises: c0001
"""

from __future__ import annotations

from alembic import op

revision: str = "c0002"
down_revision: str | None = "c0001"
branch_labels = None
depends_on = None

TERRITORY_TABLES = ("accounts", "contacts", "leads", "opportunities", "activities")
REFERENCE_TABLES = ("users", "territories", "territory_memberships", "products")
LOGGED_TABLES = ("change_log", "departures", "conflicts")

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sfa_current_user_id() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT id FROM users WHERE login = session_user AND active AND deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION sfa_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM users
        WHERE login = session_user AND role = 'admin' AND active AND deleted_at IS NULL
    )
$$;

CREATE OR REPLACE FUNCTION sfa_visible_territories() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    WITH RECURSIVE visible(id) AS (
        SELECT m.territory_id
        FROM territory_memberships m JOIN users u ON u.id = m.user_id
        WHERE u.login = session_user AND u.active AND u.deleted_at IS NULL AND m.deleted_at IS NULL
        UNION
        SELECT t.id FROM territories t JOIN visible v ON t.parent_id = v.id WHERE t.deleted_at IS NULL
    )
    SELECT id FROM visible
    UNION
    SELECT id FROM territories WHERE sfa_is_admin()
$$;

CREATE OR REPLACE FUNCTION sfa_set_db_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_user := session_user;
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    run = op.execute
    run(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_user') "
        "THEN CREATE ROLE sfa_user NOLOGIN; END IF; END $$"
    )
    run(_FUNCTIONS.format(schema=f'"{schema}"'))
    run(
        "CREATE TRIGGER change_log_db_user BEFORE INSERT ON change_log "
        "FOR EACH ROW EXECUTE FUNCTION sfa_set_db_user()"
    )
    run(f'GRANT USAGE ON SCHEMA "{schema}" TO sfa_user')
    for name in ("sfa_current_user_id", "sfa_is_admin", "sfa_visible_territories"):
        run(f"REVOKE ALL ON FUNCTION {name}() FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {name}() TO sfa_user")
    visible = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
    own = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"

    for table in TERRITORY_TABLES:
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
        rule = f"({visible} OR {own})"
        run(f"CREATE POLICY sfa_rows ON {table} FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    for table in REFERENCE_TABLES:
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
        run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING (true)")
        run(f"CREATE POLICY sfa_admin_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK (sfa_is_admin())")
        run(
            f"CREATE POLICY sfa_admin_update ON {table} FOR UPDATE TO PUBLIC "
            "USING (sfa_is_admin()) WITH CHECK (sfa_is_admin())"
        )
    for table in LOGGED_TABLES:
        run(f"GRANT SELECT, INSERT ON {table} TO sfa_user")
        run(
            f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING "
            f"({visible} OR territory_id IS NULL)"
        )
        run(f"CREATE POLICY sfa_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK (true)")
    run("GRANT UPDATE (dismissed) ON conflicts TO sfa_user")
    run(
        f"CREATE POLICY sfa_dismiss ON conflicts FOR UPDATE TO PUBLIC USING ({visible}) WITH CHECK ({visible})"
    )
    run("GRANT SELECT, INSERT, UPDATE ON sync_clients TO sfa_user")
    run(
        "CREATE POLICY sfa_own ON sync_clients FOR ALL TO PUBLIC "
        "USING (login = session_user OR sfa_is_admin()) WITH CHECK (login = session_user OR sfa_is_admin())"
    )
    run("GRANT SELECT, UPDATE ON seq_counter TO sfa_user")
    run("CREATE POLICY sfa_all ON seq_counter FOR ALL TO PUBLIC USING (true) WITH CHECK (true)")
    run("GRANT SELECT ON sync_info, alembic_version TO sfa_user")
    run("CREATE POLICY sfa_read ON sync_info FOR SELECT TO PUBLIC USING (true)")
    run(
        "CREATE POLICY sfa_owner_write ON sync_info FOR ALL TO PUBLIC USING (sfa_is_admin()) WITH CHECK (sfa_is_admin())"
    )
    for table in (
        *TERRITORY_TABLES,
        *REFERENCE_TABLES,
        *LOGGED_TABLES,
        "sync_clients",
        "seq_counter",
        "sync_info",
    ):
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (
        *TERRITORY_TABLES,
        *REFERENCE_TABLES,
        *LOGGED_TABLES,
        "sync_clients",
        "seq_counter",
        "sync_info",
    ):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for (policy,) in op.get_bind().exec_driver_sql(
            "SELECT policyname FROM pg_policies WHERE tablename = %s", (table,)
        ):
            op.execute(f"DROP POLICY {policy} ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM sfa_user")
    op.execute("DROP TRIGGER IF EXISTS change_log_db_user ON change_log")
    for name in ("sfa_set_db_user", "sfa_visible_territories", "sfa_is_admin", "sfa_current_user_id"):
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
