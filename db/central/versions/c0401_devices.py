"""devices: sign-in with a password checked by sfa-server, and a token per device

``user_secrets`` holds each user's password as an argon2 hash (never a database role's password: reps hold
no database credentials) with the count of failed sign-ins and a lock.  ``devices`` holds a token per signed-in
laptop, stored as a SHA-256 hash (the token itself is random and lives only in the laptop's OS keyring),
expiring and rotated by use (``previous_hash`` lets a laptop whose rotation answer was lost in transit sign
in once more with the token it holds), and revoked by an administrator (``grace``: the device may still hand
in its waiting changes before its wipe).

On PostgreSQL neither table is readable or writable by the users' roles: only the store's owner (sfa-server
and ``sfa central``) uses them.

Revision ID: c0401
Revises: c0301
Create Date: 2026-12-06 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0401"
down_revision: str | None = "c0301"
branch_labels = None
depends_on = None

_TIME = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "user_secrets",
        sa.Column("login", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", _TIME),
        sa.Column("changed_at", _TIME, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("previous_hash", sa.String(64)),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("rotated_at", _TIME, nullable=False),
        sa.Column("last_seen_at", _TIME),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME),
        sa.Column("revoked_by", sa.String(64)),
        sa.Column("grace", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("uq_devices_token_hash", "devices", ["token_hash"], unique=True)
    op.create_index("ix_devices_previous_hash", "devices", ["previous_hash"])
    op.create_index("ix_devices_login", "devices", ["login"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("REVOKE ALL ON user_secrets, devices FROM PUBLIC")
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_user') THEN "
            "REVOKE ALL ON user_secrets, devices FROM sfa_user; END IF; END $$"
        )


def downgrade() -> None:
    op.drop_table("devices")
    op.drop_table("user_secrets")
