"""Realisation evidence, reporting deadlines, partners' commitments and in-app notifications.

Evidence files of realisations and partners' reports (``realisation_evidence``), commitments
partners register against the plan (``partner_commitment``) and their versioned quarterly
reports (``commitment_report``). Deadlines come from the kit and notifications are computed,
so neither needs a table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=True),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("target_group", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_partner_commitment_amount_nonnegative")),
        sa.CheckConstraint(
            "end_year >= start_year", name=op.f("ck_partner_commitment_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
            name=op.f("fk_partner_commitment_plan_id_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_commitment")),
    )
    with op.batch_alter_table("partner_commitment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_commitment_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_commitment_partner"), ["partner"], unique=False
        )
    op.create_table(
        "commitment_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("budget_spent", sa.Float(), nullable=True),
        sa.Column("beneficiaries", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "quarter BETWEEN 1 AND 4", name=op.f("ck_commitment_report_quarter_range")
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'verified', 'rejected')",
            name=op.f("ck_commitment_report_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["partner_commitment.id"],
            name=op.f("fk_commitment_report_commitment_id_partner_commitment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_report")),
        sa.UniqueConstraint(
            "commitment_id",
            "year",
            "quarter",
            "version",
            name=op.f("uq_commitment_report_commitment_id_year_quarter_version"),
        ),
    )
    with op.batch_alter_table("commitment_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_report_commitment_id"), ["commitment_id"], unique=False
        )
    op.create_table(
        "realisation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("realisation_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(realisation_id IS NULL) <> (report_id IS NULL)",
            name=op.f("ck_realisation_evidence_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["realisation_id"],
            ["realisation.id"],
            name=op.f("fk_realisation_evidence_realisation_id_realisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["commitment_report.id"],
            name=op.f("fk_realisation_evidence_report_id_commitment_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realisation_evidence")),
        sa.UniqueConstraint("stored", name=op.f("uq_realisation_evidence_stored")),
    )
    with op.batch_alter_table("realisation_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realisation_evidence_realisation_id"), ["realisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_realisation_evidence_report_id"), ["report_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("realisation_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realisation_evidence_report_id"))
        batch_op.drop_index(batch_op.f("ix_realisation_evidence_realisation_id"))
    op.drop_table("realisation_evidence")
    with op.batch_alter_table("commitment_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_report_commitment_id"))
    op.drop_table("commitment_report")
    with op.batch_alter_table("partner_commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_commitment_partner"))
        batch_op.drop_index(batch_op.f("ix_partner_commitment_plan_id"))
    op.drop_table("partner_commitment")
