"""The desa verification loop (usulan and sanggahan) and the linkage review decisions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desa_proposal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("release", sa.String(length=64), nullable=False),
        sa.Column("desa_code", sa.String(length=16), nullable=False),
        sa.Column("family_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_up_in", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('add', 'object')", name=op.f("ck_desa_proposal_kind_known")),
        sa.CheckConstraint(
            "status IN ('submitted', 'kecamatan_accepted', 'accepted', 'rejected')",
            name=op.f("ck_desa_proposal_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desa_proposal")),
    )
    with op.batch_alter_table("desa_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desa_proposal_release"), ["release"], unique=False)
        batch_op.create_index(batch_op.f("ix_desa_proposal_desa_code"), ["desa_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_desa_proposal_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_desa_proposal_created_by"), ["created_by"], unique=False
        )
    op.create_table(
        "desa_proposal_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["desa_proposal.id"],
            name=op.f("fk_desa_proposal_event_proposal_id_desa_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desa_proposal_event")),
    )
    with op.batch_alter_table("desa_proposal_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desa_proposal_event_proposal_id"), ["proposal_id"], unique=False
        )
    op.create_table(
        "desa_proposal_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored", sa.String(length=128), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["desa_proposal.id"],
            name=op.f("fk_desa_proposal_evidence_proposal_id_desa_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desa_proposal_evidence")),
    )
    with op.batch_alter_table("desa_proposal_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desa_proposal_evidence_proposal_id"), ["proposal_id"], unique=False
        )
    op.create_table(
        "link_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(length=128), nullable=False),
        sa.Column("record", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("release", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_decision")),
        sa.UniqueConstraint(
            "list_name",
            "record",
            "person_id",
            name=op.f("uq_link_decision_list_name_record_person_id"),
        ),
    )
    with op.batch_alter_table("link_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_decision_list_name"), ["list_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_decision_list_name"))
    op.drop_table("link_decision")
    with op.batch_alter_table("desa_proposal_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desa_proposal_evidence_proposal_id"))
    op.drop_table("desa_proposal_evidence")
    with op.batch_alter_table("desa_proposal_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desa_proposal_event_proposal_id"))
    op.drop_table("desa_proposal_event")
    with op.batch_alter_table("desa_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desa_proposal_created_by"))
        batch_op.drop_index(batch_op.f("ix_desa_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_desa_proposal_desa_code"))
        batch_op.drop_index(batch_op.f("ix_desa_proposal_release"))
    op.drop_table("desa_proposal")
