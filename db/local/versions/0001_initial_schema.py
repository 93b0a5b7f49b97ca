"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 08:59:52.922791
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfa_desktop.store import capture, search

revision: str = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

#: The synced tables as of this revision (a later revision that changes one re-installs its capture).
SYNCED_TABLES = (
    "users",
    "territories",
    "territory_memberships",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "activities",
    "products",
)


def upgrade() -> None:
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
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
        sa.ForeignKeyConstraint(
            ["parent_id"], ["territories.id"], name=op.f("fk_territories_parent_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
        sa.UniqueConstraint("code", name=op.f("uq_territories_code")),
    )
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
        sa.ForeignKeyConstraint(["manager_id"], ["users.id"], name=op.f("fk_users_manager_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
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
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_accounts_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_name", ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_leads_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_territory_id"), ["territory_id"], unique=False)

    op.create_table(
        "territory_memberships",
        sa.Column("territory_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_territory_memberships_territory_id_territories"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_territory_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_memberships")),
    )
    with op.batch_alter_table("territory_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_territory_memberships_territory_id"), ["territory_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_territory_memberships_user_id"), ["user_id"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_contacts_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_contacts_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_contacts_last_first", ["last_name", "first_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_opportunities_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_opportunities_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_opportunities_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_opportunities_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_close_date"), ["close_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_territory_id"), ["territory_id"], unique=False)

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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_activities_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_activities_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_activities_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_activities_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_activities_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_opportunity_id"), ["opportunity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_territory_id"), ["territory_id"], unique=False)

    conn = op.get_bind()
    for statement in capture.OUTBOX_DDL + search.SEARCH_DDL:
        conn.exec_driver_sql(statement)
    capture.install_capture(conn, SYNCED_TABLES)
    for statement in search.search_trigger_ddl():
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in search.drop_search_trigger_ddl():
        conn.exec_driver_sql(statement)
    for table in SYNCED_TABLES:
        for statement in capture.drop_capture_ddl(table):
            conn.exec_driver_sql(statement)
    for table in ("search_fts", "search_doc", "capture_control", "outbox"):
        op.drop_table(table)
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_territory_id"))
        batch_op.drop_index(batch_op.f("ix_activities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_activities_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_activities_lead_id"))
        batch_op.drop_index(batch_op.f("ix_activities_due_at"))
        batch_op.drop_index(batch_op.f("ix_activities_contact_id"))
        batch_op.drop_index(batch_op.f("ix_activities_account_id"))

    op.drop_table("activities")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_territory_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_stage"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_close_date"))
        batch_op.drop_index(batch_op.f("ix_opportunities_account_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_territory_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))
        batch_op.drop_index("ix_contacts_last_first")
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("territory_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_territory_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_territory_memberships_territory_id"))

    op.drop_table("territory_memberships")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_territory_id"))
        batch_op.drop_index(batch_op.f("ix_leads_status"))
        batch_op.drop_index(batch_op.f("ix_leads_owner_id"))

    op.drop_table("leads")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_territory_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_owner_id"))
        batch_op.drop_index("ix_accounts_name")

    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("territories")
    op.drop_table("settings")
    op.drop_table("products")
