"""sales history, guided selling, knowledge base, pipeline stages, territory rules

New synced tables and columns (as on the laptops, plus ``seq``), the default pipeline stages (the same ids
and times as the laptops' migration 0003, numbered so that laptops already in sync receive them), and on
PostgreSQL the privileges and row-level security of the new tables: sequence enrollments like the other
territory tables; orders and order lines readable by territory, written only by admins (they come from the
company's systems); the reference tables readable by everyone, written by admins.

Revision ID: c0004
Revises: c0003
Create Date: 2026-11-24 10:05:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision: str = "c0004"
down_revision: str | None = "c0003"
branch_labels = None
depends_on = None

REFERENCE = ("pipeline_stages", "kb_articles", "sequence_templates", "territory_rules")
SCOPED = ("sequence_enrollments",)
ADMIN_WRITTEN = ("orders", "order_lines")
STAGES = (
    ("prospecting", "Prospecting", 10, "open"),
    ("qualification", "Qualification", 20, "open"),
    ("needs analysis", "Needs analysis", 40, "open"),
    ("proposal", "Proposal", 60, "open"),
    ("negotiation", "Negotiation", 80, "open"),
    ("closed won", "Closed won", 100, "won"),
    ("closed lost", "Closed lost", 0, "lost"),
)
SEEDED_AT = "2026-01-01 00:00:00.000000"
VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"


#: Orders come from the company's systems: an app user who is not an admin may only move them (with their
#: account).  The store's owner (imports) and admins may change anything.
_GUARD = """
CREATE OR REPLACE FUNCTION sfa_company_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (to_jsonb(NEW) - 'territory_id' - 'seq' - 'updated_at')
           IS DISTINCT FROM (to_jsonb(OLD) - 'territory_id' - 'seq' - 'updated_at') THEN
        RAISE EXCEPTION 'orders come from the company''s systems: only an administrator may change them'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


_MANAGER_FUNCTION = """
CREATE OR REPLACE FUNCTION sfa_is_manager() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM users
        WHERE login = session_user AND role = 'manager' AND active AND deleted_at IS NULL
    )
$$;
"""
_ADMIN_OR_MANAGER = "(sfa_is_admin() OR sfa_is_manager())"


def stage_id(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-desktop:pipeline-stage:{key}"))


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("tags", sa.String(length=300), nullable=True),
        sa.Column("product_ids", sa.Text(), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index("ix_kb_articles_seq", ["seq"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("unit_cost_cents", sa.Integer(), nullable=True),
        sa.Column("line_total_cents", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_seq", ["seq"], unique=False)
        batch_op.create_index(
            "ix_order_lines_territory_id",
            ["territory_id", "id"],
            unique=False,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.create_index("ix_order_lines_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "orders",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("cost_cents", sa.Integer(), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_seq", ["seq"], unique=False)
        batch_op.create_index(
            "ix_orders_territory_id",
            ["territory_id", "id"],
            unique=False,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.create_index("ix_orders_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "pipeline_stages",
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stages")),
    )
    with op.batch_alter_table("pipeline_stages", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_stages_seq", ["seq"], unique=False)
        batch_op.create_index("uq_pipeline_stages_key", ["key"], unique=True)

    op.create_table(
        "sequence_enrollments",
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("opportunity_id", sa.String(length=36), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_key", sa.String(length=40), nullable=True),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("activity_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_enrollments")),
    )
    with op.batch_alter_table("sequence_enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_sequence_enrollments_seq", ["seq"], unique=False)
        batch_op.create_index(
            "ix_sequence_enrollments_territory_id",
            ["territory_id", "id"],
            unique=False,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.create_index("ix_sequence_enrollments_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "sequence_templates",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_templates")),
    )
    with op.batch_alter_table("sequence_templates", schema=None) as batch_op:
        batch_op.create_index("ix_sequence_templates_seq", ["seq"], unique=False)

    op.create_table(
        "territory_rules",
        sa.Column("territory_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("applies_to", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postcode_prefixes", sa.String(length=200), nullable=True),
        sa.Column("postcode_from", sa.String(length=20), nullable=True),
        sa.Column("postcode_to", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=80), nullable=True),
        sa.Column("min_employees", sa.Integer(), nullable=True),
        sa.Column("max_employees", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_rules")),
    )
    with op.batch_alter_table("territory_rules", schema=None) as batch_op:
        batch_op.create_index("ix_territory_rules_seq", ["seq"], unique=False)
        batch_op.create_index("ix_territory_rules_territory_seq", ["territory_id", "seq"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrollment_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("step_key", sa.String(length=40), nullable=True))

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("converted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("converted_account_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("converted_contact_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("converted_opportunity_id", sa.String(length=36), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_base", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("home_latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("home_longitude", sa.Double(), nullable=True))

    op.create_index("ix_change_log_territory_seq", "change_log", ["territory_id", "seq"])
    _seed_stages()
    if op.get_bind().dialect.name == "postgresql":
        _secure()


def _seed_stages() -> None:
    conn = op.get_bind()
    first = (
        conn.execute(
            sa.text("UPDATE seq_counter SET value = value + :n WHERE id = 1 RETURNING value"),
            {"n": len(STAGES)},
        ).scalar_one()
        - len(STAGES)
        + 1
    )
    for position, (key, name, probability, category) in enumerate(STAGES):
        conn.execute(
            sa.text(
                "INSERT INTO pipeline_stages (id, key, name, position, probability, category, active, "
                "created_at, updated_at, seq) VALUES (:id, :key, :name, :position, :probability, :category, "
                ":active, :at, :at, :seq)"
            ),
            {
                "id": stage_id(key),
                "key": key,
                "name": name,
                "position": position,
                "probability": probability,
                "category": category,
                "active": True,
                "at": SEEDED_AT,
                "seq": first + position,
            },
        )


def _secure() -> None:
    run = op.execute
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    for table in (*REFERENCE, *SCOPED, *ADMIN_WRITTEN):
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
    for table in SCOPED:
        rule = f"({VISIBLE} OR {OWN})"
        run(f"CREATE POLICY sfa_rows ON {table} FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    run(_MANAGER_FUNCTION.format(schema=f'"{schema}"'))
    run("REVOKE ALL ON FUNCTION sfa_is_manager() FROM PUBLIC")
    run("GRANT EXECUTE ON FUNCTION sfa_is_manager() TO sfa_user")
    # Who writes reference rows (sync.scope.may_write_reference says the same for the sync): admins; and
    # managers the knowledge base and sequence templates, and the territory tree, memberships and rules
    # below their own territories.
    in_tree = "IN (SELECT sfa_visible_territories())"
    writers = {
        "pipeline_stages": ("(sfa_is_admin())", "(sfa_is_admin())"),
        "kb_articles": (_ADMIN_OR_MANAGER, _ADMIN_OR_MANAGER),
        "sequence_templates": (_ADMIN_OR_MANAGER, _ADMIN_OR_MANAGER),
        "territory_rules": (
            f"(sfa_is_admin() OR (sfa_is_manager() AND territory_id {in_tree}))",
            f"(sfa_is_admin() OR (sfa_is_manager() AND territory_id {in_tree}))",
        ),
        "territory_memberships": (
            f"(sfa_is_admin() OR (sfa_is_manager() AND territory_id {in_tree}))",
            f"(sfa_is_admin() OR (sfa_is_manager() AND territory_id {in_tree}))",
        ),
        "territories": (
            f"(sfa_is_admin() OR (sfa_is_manager() AND id {in_tree}))",
            f"(sfa_is_admin() OR (sfa_is_manager() AND (parent_id {in_tree} OR id {in_tree})))",
        ),
    }
    for table in ("territories", "territory_memberships"):  # admin-only policies of c0002
        run(f"DROP POLICY sfa_admin_insert ON {table}")
        run(f"DROP POLICY sfa_admin_update ON {table}")
    for table, (using, check) in writers.items():
        if table in REFERENCE:
            run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING (true)")
        run(f"CREATE POLICY sfa_write_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK {check}")
        run(
            f"CREATE POLICY sfa_write_update ON {table} FOR UPDATE TO PUBLIC USING {using} WITH CHECK {check}"
        )
    run(_GUARD)
    for table in ADMIN_WRITTEN:
        # Readable in the user's territories.  A rep moving an account moves its orders along (the sync
        # does it in the same push), so updates are allowed in visible territories; the guard trigger
        # lets someone who is not an admin change nothing but the territory.
        run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING ({VISIBLE} OR {OWN})")
        run(
            f"CREATE POLICY sfa_move ON {table} FOR UPDATE TO PUBLIC USING ({VISIBLE}) WITH CHECK ({VISIBLE})"
        )
        run(
            f"CREATE TRIGGER sfa_company_records BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sfa_company_records_guard()"
        )
    for table in ADMIN_WRITTEN:
        run(f"CREATE POLICY sfa_admin_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK (sfa_is_admin())")
    for table in (*REFERENCE, *SCOPED, *ADMIN_WRITTEN):
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.execute("DELETE FROM pipeline_stages")
    op.drop_index("ix_change_log_territory_seq", table_name="change_log")
    if op.get_bind().dialect.name == "postgresql":
        for table in ADMIN_WRITTEN:
            op.execute(f"DROP TRIGGER IF EXISTS sfa_company_records ON {table}")
        op.execute("DROP FUNCTION IF EXISTS sfa_company_records_guard()")
        for table in ("territories", "territory_memberships"):
            op.execute(f"DROP POLICY sfa_write_insert ON {table}")
            op.execute(f"DROP POLICY sfa_write_update ON {table}")
            op.execute(
                f"CREATE POLICY sfa_admin_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK (sfa_is_admin())"
            )
            op.execute(
                f"CREATE POLICY sfa_admin_update ON {table} FOR UPDATE TO PUBLIC "
                "USING (sfa_is_admin()) WITH CHECK (sfa_is_admin())"
            )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("home_longitude")
        batch_op.drop_column("home_latitude")
        batch_op.drop_column("home_base")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("converted_opportunity_id")
        batch_op.drop_column("converted_contact_id")
        batch_op.drop_column("converted_account_id")
        batch_op.drop_column("converted_at")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("step_key")
        batch_op.drop_column("enrollment_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("territory_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_territory_rules_territory_seq")
        batch_op.drop_index("ix_territory_rules_seq")

    op.drop_table("territory_rules")
    with op.batch_alter_table("sequence_templates", schema=None) as batch_op:
        batch_op.drop_index("ix_sequence_templates_seq")

    op.drop_table("sequence_templates")
    with op.batch_alter_table("sequence_enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_sequence_enrollments_territory_seq")
        batch_op.drop_index(
            "ix_sequence_enrollments_territory_id",
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.drop_index("ix_sequence_enrollments_seq")

    op.drop_table("sequence_enrollments")
    with op.batch_alter_table("pipeline_stages", schema=None) as batch_op:
        batch_op.drop_index("uq_pipeline_stages_key")
        batch_op.drop_index("ix_pipeline_stages_seq")

    op.drop_table("pipeline_stages")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_territory_seq")
        batch_op.drop_index(
            "ix_orders_territory_id", postgresql_include=["updated_at", "deleted_at", "owner_id"]
        )
        batch_op.drop_index("ix_orders_seq")

    op.drop_table("orders")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_territory_seq")
        batch_op.drop_index(
            "ix_order_lines_territory_id", postgresql_include=["updated_at", "deleted_at", "owner_id"]
        )
        batch_op.drop_index("ix_order_lines_seq")

    op.drop_table("order_lines")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_seq")

    op.drop_table("kb_articles")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sfa_is_manager()")
