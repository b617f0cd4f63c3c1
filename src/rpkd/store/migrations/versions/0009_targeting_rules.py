"""Eligibility rules kept as data in the application database, with their history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targeting_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_rule")),
    )
    with op.batch_alter_table("targeting_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_targeting_rule_programme"), ["programme"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("targeting_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targeting_rule_programme"))
    op.drop_table("targeting_rule")
