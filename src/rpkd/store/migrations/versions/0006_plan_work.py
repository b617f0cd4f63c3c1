"""Plan editing and coordination meetings (rakor): agenda, attendance, decisions and follow-up.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_STATUS = "status IN ('open', 'in_progress', 'done', 'dropped')"


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["rakor_meeting.id"],
        name=op.f(f"fk_{table}_meeting_id_rakor_meeting"),
        ondelete="CASCADE",
    )


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "rakor_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rakor_meeting")),
    )
    _index("rakor_meeting", "held_on")
    op.create_table(
        "rakor_agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("presenter", sa.String(length=200), nullable=False),
        _meeting_fk("rakor_agenda_item"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rakor_agenda_item")),
    )
    _index("rakor_agenda_item", "meeting_id")
    op.create_table(
        "rakor_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        _meeting_fk("rakor_attendee"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rakor_attendee")),
    )
    _index("rakor_attendee", "meeting_id")
    op.create_table(
        "rakor_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_STATUS, name=op.f("ck_rakor_decision_status_known")),
        sa.CheckConstraint(
            "owner_kind IN ('agency', 'partner')", name=op.f("ck_rakor_decision_owner_kind")
        ),
        _meeting_fk("rakor_decision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rakor_decision")),
    )
    _index("rakor_decision", "meeting_id")
    op.create_table(
        "rakor_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_STATUS, name=op.f("ck_rakor_follow_up_status_known")),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["rakor_decision.id"],
            name=op.f("fk_rakor_follow_up_decision_id_rakor_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["rakor_meeting.id"],
            name=op.f("fk_rakor_follow_up_meeting_id_rakor_meeting"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rakor_follow_up")),
    )
    _index("rakor_follow_up", "decision_id")
    _index("rakor_follow_up", "meeting_id")


def _drop(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    op.drop_table(table)


def downgrade() -> None:
    _drop("rakor_follow_up", "decision_id", "meeting_id")
    _drop("rakor_decision", "meeting_id")
    _drop("rakor_attendee", "meeting_id")
    _drop("rakor_agenda_item", "meeting_id")
    _drop("rakor_meeting", "held_on")
