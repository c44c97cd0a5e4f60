"""The counts of rates offered per market cell and UTC day, behind "where your rates sit"
(app/comparison/rate_market.py): written in the transaction of each recommendation's append.

Revision ID: d2b7e8f40007
Revises: c0a1f2e30006
Create Date: 2026-12-05 13:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "d2b7e8f40007"
down_revision = "c0a1f2e30006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "market_rate_offers",
        sa.Column("cell", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.CheckConstraint("offers > 0", name=op.f("ck_market_rate_offers_offers_counted")),
        sa.PrimaryKeyConstraint("cell", "day", "rate", name=op.f("pk_market_rate_offers")),
    )
    op.create_table(
        "market_rate_comparisons",
        sa.Column("cell", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("comparisons", sa.Integer(), nullable=False),
        sa.CheckConstraint("comparisons > 0", name=op.f("ck_market_rate_comparisons_comparisons_counted")),
        sa.PrimaryKeyConstraint("cell", "day", name=op.f("pk_market_rate_comparisons")),
    )


def downgrade():
    op.drop_table("market_rate_comparisons")
    op.drop_table("market_rate_offers")
