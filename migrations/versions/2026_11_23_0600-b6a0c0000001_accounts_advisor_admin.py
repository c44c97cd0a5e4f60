"""Staff accounts and roles, API tokens, advisors' calls and admin overrides of provider settings.

Revision ID: b6a0c0000001
Revises: c3d9f2a40003
Create Date: 2026-11-23 06:00:00
"""
from alembic import op
import sqlalchemy as sa

from app.db import UTCDateTime

revision = "b6a0c0000001"
down_revision = "c3d9f2a40003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("password_changed_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint("role IN ('advisor', 'compliance', 'admin')", name=op.f("ck_user_roles_known_role")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('advisor', 'compliance')", name=op.f("ck_api_tokens_known_scope")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "advisor_calls",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("outcome_index", sa.Integer(), nullable=True),
        sa.Column("outcome_kind", sa.String(length=32), nullable=True),
        sa.Column("outcome_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["advisor_id"], ["users.id"], name=op.f("fk_advisor_calls_advisor_id_users")),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_advisor_calls")),
    )
    op.create_index("ix_advisor_calls_advisor_id_created_at", "advisor_calls", ["advisor_id", "created_at"])
    op.create_table(
        "provider_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("timeout_s", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("commission", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("timeout_s IS NULL OR (timeout_s > 0 AND timeout_s <= 60)",
                           name=op.f("ck_provider_settings_timeout_range")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_provider_settings_updated_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_provider_settings")),
    )


def downgrade():
    op.drop_table("provider_settings")
    op.drop_index("ix_advisor_calls_advisor_id_created_at", table_name="advisor_calls")
    op.drop_table("advisor_calls")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("user_roles")
    op.drop_table("users")
