"""Import jobs: release imports running in the background of the web server, with their state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("release", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("reference_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'refused', 'failed')",
            name=op.f("ck_import_job_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_release"), ["release"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_created_at"))
        batch_op.drop_index(batch_op.f("ix_import_job_state"))
        batch_op.drop_index(batch_op.f("ix_import_job_release"))
        batch_op.drop_index(batch_op.f("ix_import_job_owner"))
    op.drop_table("import_job")
