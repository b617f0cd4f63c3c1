"""The audit log records the scope of each action (region, agency, partner it applied to).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy), so the append-only triggers stay in place on SQLite.
    op.add_column("audit_log", sa.Column("scope", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "scope")
