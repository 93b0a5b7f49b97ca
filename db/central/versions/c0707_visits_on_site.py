"""visits on site (issue 16): checklist templates, visit reports, attachments, and the attachments' bytes

New synced tables (as on the laptops, plus ``seq``) and, for the bytes of attachments, ``blobs`` (one row per
content hash: its size, how much has arrived, whether it is complete and checked) and ``blob_chunks`` (the
bytes, by offset).  The bytes live in the store itself on PostgreSQL and SQLite alike, so the sync servers stay
stateless and a backup of the store holds them.

On PostgreSQL: privileges and row-level security as for the existing tables (c0002, c0004, c0402, c0403):
checklist templates are reference data that admins and managers write; visit reports and attachments are
territory-scoped like activities; the fresh-sequence triggers of c0402 on the three.  A blob is read by
whoever sees a live attachment naming its hash (the attachments' own policy applies inside the check), and
written (an upload, resumed by offset) by the same, until it is complete; its chunks go with it.

Revision ID: c0707
Revises: c0405
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0707"
down_revision: str | None = "c0705"
branch_labels = None
depends_on = None

REFERENCE = ("checklist_templates",)
SCOPED = ("visit_reports", "attachments")
VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"
_ADMIN_OR_MANAGER = "(sfa_is_admin() OR sfa_is_manager())"
#: A live attachment the user sees names the blob (the attachments' policy narrows the subquery).
_SEEN = "EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = {table}.sha256 AND a.deleted_at IS NULL)"
_OPEN_BLOB = "EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = blob_chunks.sha256 AND NOT b.complete)"


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    ]


def _scoped_indexes(table: str) -> None:
    op.create_index(f"ix_{table}_seq", table, ["seq"], unique=False)
    op.create_index(
        f"ix_{table}_territory_id",
        table,
        ["territory_id", "id"],
        unique=False,
        postgresql_include=["updated_at", "deleted_at", "owner_id"],
    )
    op.create_index(f"ix_{table}_territory_seq", table, ["territory_id", "seq"], unique=False)


def upgrade() -> None:
    op.create_table(
        "checklist_templates",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment", sa.String(length=1), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_templates")),
    )
    op.create_index("ix_checklist_templates_seq", "checklist_templates", ["seq"], unique=False)
    op.create_table(
        "visit_reports",
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("checkin_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_latitude", sa.Double(), nullable=True),
        sa.Column("checkin_longitude", sa.Double(), nullable=True),
        sa.Column("checkout_at", sa.DateTime(), nullable=True),
        sa.Column("checkout_latitude", sa.Double(), nullable=True),
        sa.Column("checkout_longitude", sa.Double(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("signer_name", sa.String(length=200), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signature_id", sa.String(length=36), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_reports")),
    )
    _scoped_indexes("visit_reports")
    op.create_table(
        "attachments",
        sa.Column("record_table", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("item_key", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    _scoped_indexes("attachments")
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"], unique=False)
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("received_bytes", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "offset", name=op.f("pk_blob_chunks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _secure()


def _secure() -> None:
    run = op.execute
    # photos do not compress: stored out of line as they are, without PostgreSQL trying to compress them
    run("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")
    for table in (*REFERENCE, *SCOPED):
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
        for event in ("INSERT", "UPDATE"):
            run(
                f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
            )
    for table in REFERENCE:
        run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING (true)")
        run(f"CREATE POLICY sfa_write_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK {_ADMIN_OR_MANAGER}")
        run(
            f"CREATE POLICY sfa_write_update ON {table} FOR UPDATE TO PUBLIC "
            f"USING {_ADMIN_OR_MANAGER} WITH CHECK {_ADMIN_OR_MANAGER}"
        )
    for table in SCOPED:
        rule = f"({VISIBLE} OR {OWN})"
        run(f"CREATE POLICY sfa_rows ON {table} FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    seen = _SEEN.format(table="blobs")
    run("GRANT SELECT, INSERT, UPDATE ON blobs TO sfa_user")
    run(f"CREATE POLICY sfa_read ON blobs FOR SELECT TO PUBLIC USING ({seen})")
    run(
        "CREATE POLICY sfa_upload ON blobs FOR INSERT TO PUBLIC "
        f"WITH CHECK (created_by = current_user AND NOT complete AND {seen})"
    )
    run(
        f"CREATE POLICY sfa_resume ON blobs FOR UPDATE TO PUBLIC USING (NOT complete AND {seen}) WITH CHECK ({seen})"
    )
    run("GRANT SELECT, INSERT, DELETE ON blob_chunks TO sfa_user")
    run(
        "CREATE POLICY sfa_read ON blob_chunks FOR SELECT TO PUBLIC "
        "USING (EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = blob_chunks.sha256))"
    )
    run(f"CREATE POLICY sfa_upload ON blob_chunks FOR INSERT TO PUBLIC WITH CHECK ({_OPEN_BLOB})")
    run(f"CREATE POLICY sfa_redo ON blob_chunks FOR DELETE TO PUBLIC USING ({_OPEN_BLOB})")
    for table in (*REFERENCE, *SCOPED, "blobs", "blob_chunks"):
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
    op.drop_table("attachments")
    op.drop_table("visit_reports")
    op.drop_table("checklist_templates")
