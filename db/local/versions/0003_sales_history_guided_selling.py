"""sales history, guided selling, knowledge base, pipeline stages, territory rules, change history

New synced tables (with change capture), new columns on users, accounts, contacts, leads and activities
(capture re-installed for their new column lists), the default pipeline stages, and the local copy of the
central change log (filled by sync, not captured).  Columns that reference other tables are added with
plain ALTER TABLE, so no table is rebuilt and the search and capture triggers stay as they are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:52:44
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from sfa_desktop.store import capture, search

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None

NEW_SYNCED = (
    "pipeline_stages",
    "kb_articles",
    "sequence_templates",
    "territory_rules",
    "sequence_enrollments",
    "orders",
    "order_lines",
)
ALTERED = ("users", "accounts", "contacts", "leads", "activities")
#: (table, column, type, referenced table or None)
NEW_COLUMNS = (
    ("users", "home_base", "VARCHAR(200)", None),
    ("users", "home_latitude", "DOUBLE", None),
    ("users", "home_longitude", "DOUBLE", None),
    ("accounts", "merged_into_id", "VARCHAR(36)", None),
    ("contacts", "merged_into_id", "VARCHAR(36)", None),
    ("leads", "merged_into_id", "VARCHAR(36)", None),
    ("leads", "converted_at", "DATETIME", None),
    ("leads", "converted_account_id", "VARCHAR(36)", "accounts"),
    ("leads", "converted_contact_id", "VARCHAR(36)", "contacts"),
    ("leads", "converted_opportunity_id", "VARCHAR(36)", "opportunities"),
    ("activities", "enrollment_id", "VARCHAR(36)", "sequence_enrollments"),
    ("activities", "step_key", "VARCHAR(40)", None),
)
#: The default pipeline (the central store's migration c0004 seeds the same rows, same ids and times).
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


def stage_id(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-desktop:pipeline-stage:{key}"))


def upgrade() -> None:
    op.create_table(
        "change_history",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("db_user", sa.String(length=128), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_history")),
    )
    with op.batch_alter_table("change_history", schema=None) as batch_op:
        batch_op.create_index("ix_change_history_record", ["table_name", "record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_history_territory_id"), ["territory_id"], unique=False)

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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stages")),
        sa.UniqueConstraint("key", name=op.f("uq_pipeline_stages_key")),
    )
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_templates")),
    )
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
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_kb_articles_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_category"), ["category"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_territory_rules_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_rules")),
    )
    with op.batch_alter_table("territory_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_territory_rules_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_orders_account_id_accounts")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_orders_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_orders_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_order_date"), ["order_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_order_lines_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_order_lines_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_order_lines_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sequence_enrollments_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_sequence_enrollments_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_sequence_enrollments_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_sequence_enrollments_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_sequence_enrollments_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["sequence_templates.id"],
            name=op.f("fk_sequence_enrollments_template_id_sequence_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_sequence_enrollments_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_enrollments")),
    )
    with op.batch_alter_table("sequence_enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sequence_enrollments_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sequence_enrollments_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sequence_enrollments_template_id"), ["template_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sequence_enrollments_territory_id"), ["territory_id"], unique=False
        )

    for table, column, type_, target in NEW_COLUMNS:
        reference = f" REFERENCES {target} (id)" if target else ""
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {type_}{reference}")
    op.create_index("ix_activities_enrollment_id", "activities", ["enrollment_id"])
    conn = op.get_bind()
    capture.install_capture(conn, (*NEW_SYNCED, *ALTERED))
    with capture.capture_suspended(conn):
        for position, (key, name, probability, category) in enumerate(STAGES):
            conn.execute(
                sa.text(
                    "INSERT INTO pipeline_stages (id, key, name, position, probability, category, active, "
                    "created_at, updated_at) VALUES (:id, :key, :name, :position, :probability, :category, "
                    "1, :at, :at)"
                ),
                {
                    "id": stage_id(key),
                    "key": key,
                    "name": name,
                    "position": position,
                    "probability": probability,
                    "category": category,
                    "at": SEEDED_AT,
                },
            )


def downgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # leads and activities are rebuilt below
    for table in (*NEW_SYNCED, *ALTERED):
        for statement in capture.drop_capture_ddl(table):
            conn.exec_driver_sql(statement)
    for statement in search.drop_search_trigger_ddl():
        conn.exec_driver_sql(statement)
    op.drop_index("ix_activities_enrollment_id", table_name="activities")
    for table, column, _type, target in reversed(NEW_COLUMNS):
        if target is None:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in ("leads", "activities"):  # SQLite cannot drop a column that references another table
        with op.batch_alter_table(table, recreate="always") as batch:
            for name, column, _type, target in NEW_COLUMNS:
                if name == table and target is not None:
                    batch.drop_column(column)
    for statement in search.search_trigger_ddl():
        conn.exec_driver_sql(statement)
    capture.install_capture(conn, ALTERED)
    for table in ("change_history", *reversed(NEW_SYNCED)):
        op.drop_table(table)
