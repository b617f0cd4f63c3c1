"""Tables of the plan's daily work: realisation evidence, partners' commitments and reports.

Evidence files live in the workspace beside the database (``evidence/``); a row names the
stored file, what the client called it, its kind, size and SHA-256. A partner's commitment is
registered once; its quarterly reports are versioned like realisations (a correction is a new
row, review only moves a version from ``submitted`` to ``verified`` or ``rejected``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rpkd.store import Base, UtcDateTime


class EvidenceRow(Base):
    """An evidence file of a realisation version or of a partner's report version."""

    __tablename__ = "realisation_evidence"
    __table_args__ = (
        CheckConstraint("(realisation_id IS NULL) <> (report_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    realisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("realisation.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitment_report.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    stored: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartnerCommitmentRow(Base):
    """A commitment a partner registered against the plan: programme, lokus, target group,
    budget and period."""

    __tablename__ = "partner_commitment"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("end_year >= start_year", name="period_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)
    programme: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str | None] = mapped_column(String(64))
    regions: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Float)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommitmentReportRow(Base):
    """One version of a partner's quarterly report on a commitment."""

    __tablename__ = "commitment_report"
    __table_args__ = (
        UniqueConstraint("commitment_id", "year", "quarter", "version"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("status IN ('submitted', 'verified', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("partner_commitment.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    budget_spent: Mapped[float | None] = mapped_column(Float)
    beneficiaries: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
