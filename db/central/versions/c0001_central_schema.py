"""central schema

Revision ID: c0001
Revises:
Create Date: 2026-11-22 09:27:46.541957
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=80), nullable=True),
        sa.Column("employee_count", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_seq", ["seq"], unique=False)
        batch_op.create_index("ix_accounts_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "activities",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("opportunity_id", sa.String(length=36), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_seq", ["seq"], unique=False)
        batch_op.create_index("ix_activities_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "change_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("change_no", sa.BigInteger(), nullable=True),
        sa.Column("db_user", sa.String(length=128), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_record", ["table_name", "record_id"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("lost_value", sa.Text(), nullable=True),
        sa.Column("won_value", sa.Text(), nullable=True),
        sa.Column("lost_by", sa.String(length=128), nullable=True),
        sa.Column("won_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index("ix_conflicts_seq", ["seq"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("consent_email", sa.Boolean(), nullable=False),
        sa.Column("consent_phone", sa.Boolean(), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_seq", ["seq"], unique=False)
        batch_op.create_index("ix_contacts_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "departures",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_departures")),
    )
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.create_index("ix_departures_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "leads",
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("industry", sa.String(length=80), nullable=True),
        sa.Column("employee_count", sa.Integer(), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_seq", ["seq"], unique=False)
        batch_op.create_index("ix_leads_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("next_step", sa.String(length=200), nullable=True),
        sa.Column("lost_reason", sa.String(length=200), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index("ix_opportunities_seq", ["seq"], unique=False)
        batch_op.create_index("ix_opportunities_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("unit_cost_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_seq", ["seq"], unique=False)
        batch_op.create_index("uq_products_sku", ["sku"], unique=True)

    op.create_table(
        "seq_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seq_counter")),
    )
    op.create_table(
        "sync_clients",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("last_change_no", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_sync_clients")),
    )
    op.create_table(
        "sync_info",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_info")),
    )
    op.create_table(
        "territories",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
    )
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.create_index("ix_territories_seq", ["seq"], unique=False)
        batch_op.create_index("uq_territories_code", ["code"], unique=True)

    op.create_table(
        "territory_memberships",
        sa.Column("territory_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_memberships")),
    )
    with op.batch_alter_table("territory_memberships", schema=None) as batch_op:
        batch_op.create_index("ix_territory_memberships_seq", ["seq"], unique=False)
        batch_op.create_index("ix_territory_memberships_territory_seq", ["territory_id", "seq"], unique=False)

    op.create_table(
        "users",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("manager_id", sa.String(length=36), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_seq", ["seq"], unique=False)
        batch_op.create_index("uq_users_login", ["login"], unique=True)

    op.execute("INSERT INTO seq_counter (id, value) VALUES (1, 0)")
    op.execute("INSERT INTO sync_info (key, value) VALUES ('protocol_version', '1')")
    op.execute("INSERT INTO sync_info (key, value) VALUES ('tombstone_retention_days', '90')")
    op.execute("INSERT INTO sync_info (key, value) VALUES ('purged_through_seq', '0')")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_login")
        batch_op.drop_index("ix_users_seq")

    op.drop_table("users")
    with op.batch_alter_table("territory_memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_territory_memberships_territory_seq")
        batch_op.drop_index("ix_territory_memberships_seq")

    op.drop_table("territory_memberships")
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_index("uq_territories_code")
        batch_op.drop_index("ix_territories_seq")

    op.drop_table("territories")
    op.drop_table("sync_info")
    op.drop_table("sync_clients")
    op.drop_table("seq_counter")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("uq_products_sku")
        batch_op.drop_index("ix_products_seq")

    op.drop_table("products")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_territory_seq")
        batch_op.drop_index("ix_opportunities_seq")

    op.drop_table("opportunities")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_territory_seq")
        batch_op.drop_index("ix_leads_seq")

    op.drop_table("leads")
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.drop_index("ix_departures_territory_seq")

    op.drop_table("departures")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_territory_seq")
        batch_op.drop_index("ix_contacts_seq")

    op.drop_table("contacts")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index("ix_conflicts_seq")

    op.drop_table("conflicts")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_record")

    op.drop_table("change_log")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_territory_seq")
        batch_op.drop_index("ix_activities_seq")

    op.drop_table("activities")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_territory_seq")
        batch_op.drop_index("ix_accounts_seq")

    op.drop_table("accounts")
