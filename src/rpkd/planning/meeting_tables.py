"""Tables of the coordination meetings (rakor) in the application database (SQLAlchemy 2).

A meeting has its agenda items and attendance (officials acting publicly: name, institution,
role; never a NIK) and the decisions taken, each with an owner (an OPD or a partner of the
plan), a due date and a status. A decision's follow-up is a new row each time (status and note,
at which meeting, by whom), so its history is never overwritten; the decision row keeps the
current status.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rpkd.store import Base, UtcDateTime

STATUS_CHECK = "status IN ('open', 'in_progress', 'done', 'dropped')"


class MeetingRow(Base):
    __tablename__ = "rakor_meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    agenda: Mapped[list[AgendaItemRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItemRow.position"
    )
    attendees: Mapped[list[AttendeeRow]] = relationship(
        cascade="all, delete-orphan", order_by="AttendeeRow.position"
    )
    decisions: Mapped[list[DecisionRow]] = relationship(
        cascade="all, delete-orphan", order_by="DecisionRow.position"
    )


class AgendaItemRow(Base):
    __tablename__ = "rakor_agenda_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("rakor_meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    presenter: Mapped[str] = mapped_column(String(200), default="")


class AttendeeRow(Base):
    __tablename__ = "rakor_attendee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("rakor_meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")


class DecisionRow(Base):
    __tablename__ = "rakor_decision"
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status_known"),
        CheckConstraint("owner_kind IN ('agency', 'partner')", name="owner_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("rakor_meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    follow_ups: Mapped[list[FollowUpRow]] = relationship(
        cascade="all, delete-orphan", order_by="FollowUpRow.id"
    )


class FollowUpRow(Base):
    """One follow-up of a decision: the status it moved to and a note (history, never edited)."""

    __tablename__ = "rakor_follow_up"
    __table_args__ = (CheckConstraint(STATUS_CHECK, name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("rakor_decision.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("rakor_meeting.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
