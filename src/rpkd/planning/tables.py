"""Tables of the plan and its realisations in the application database (SQLAlchemy 2).

Codes are unique within a plan, so an edited plan (from XLSX) updates rows in place and the
realisations that point at indicators and activities survive. Realisations are versioned:
a correction is a new row, never an update of the value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rpkd.store import Base, UtcDateTime


class PlanRow(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(16))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    extreme_poverty_target_year: Mapped[int] = mapped_column(Integer)
    extreme_poverty_indicator: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    pillars: Mapped[list[PillarRow]] = relationship(
        cascade="all, delete-orphan", order_by="PillarRow.position"
    )
    strategies: Mapped[list[StrategyRow]] = relationship(
        cascade="all, delete-orphan", order_by="StrategyRow.position"
    )
    agencies: Mapped[list[AgencyRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgencyRow.position"
    )
    partners: Mapped[list[PartnerRow]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerRow.position"
    )
    programmes: Mapped[list[ProgrammeRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProgrammeRow.position"
    )
    indicators: Mapped[list[IndicatorRow]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorRow.position"
    )
    commitments: Mapped[list[CommitmentRow]] = relationship(
        cascade="all, delete-orphan", order_by="CommitmentRow.position"
    )


class _Coded:
    """Columns every coded item of a plan has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class PillarRow(_Coded, Base):
    __tablename__ = "plan_pillar"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))


class StrategyRow(_Coded, Base):
    __tablename__ = "plan_strategy"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    national: Mapped[bool] = mapped_column(Boolean, default=False)


class AgencyRow(_Coded, Base):
    __tablename__ = "plan_agency"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))


class PartnerRow(_Coded, Base):
    __tablename__ = "plan_partner"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))


class ProgrammeRow(_Coded, Base):
    __tablename__ = "plan_programme"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    strategy: Mapped[str] = mapped_column(String(64))
    pillar: Mapped[str | None] = mapped_column(String(64))
    agency: Mapped[str] = mapped_column(String(64))
    activities: Mapped[list[ActivityRow]] = relationship(
        back_populates="programme", order_by="ActivityRow.position"
    )


class ActivityRow(_Coded, Base):
    __tablename__ = "plan_activity"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("plan_programme.id"), index=True)
    agency: Mapped[str] = mapped_column(String(64))
    target_group: Mapped[str] = mapped_column(Text, default="")
    regions: Mapped[str] = mapped_column(Text, default="")
    release: Mapped[str | None] = mapped_column(String(200))
    release_filter: Mapped[str | None] = mapped_column(Text)
    partners: Mapped[str] = mapped_column(Text, default="")
    programme: Mapped[ProgrammeRow] = relationship(back_populates="activities")
    budgets: Mapped[list[BudgetRow]] = relationship(
        cascade="all, delete-orphan", order_by="BudgetRow.id"
    )


class BudgetRow(Base):
    __tablename__ = "plan_budget"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_nonnegative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("plan_activity.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    amount: Mapped[float] = mapped_column(Float)


class IndicatorRow(_Coded, Base):
    __tablename__ = "plan_indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(64))
    polarity: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text, default="")
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    programme: Mapped[str | None] = mapped_column(String(64))
    activity: Mapped[str | None] = mapped_column(String(64))
    targets: Mapped[list[TargetRow]] = relationship(
        cascade="all, delete-orphan", order_by="TargetRow.year"
    )


class TargetRow(Base):
    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("plan_indicator.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)


class CommitmentRow(Base):
    __tablename__ = "plan_commitment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    partner: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[float | None] = mapped_column(Float)


class RealisationRow(Base):
    """One version of a quarterly realisation of an indicator or an activity."""

    __tablename__ = "realisation"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "year", "quarter", "version"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("subject_kind IN ('indicator', 'activity')", name="subject_kind"),
        CheckConstraint("status IN ('submitted', 'verified', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    se: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    budget_spent: Mapped[float | None] = mapped_column(Float)
    beneficiaries: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
