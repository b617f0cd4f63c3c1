"""Eligibility rules edited in the application, kept with their whole history.

Every save appends a row (programme, rule text, reason, who, when); the newest row of a
programme is its rule, replacing the kit's (``programmes`` document). Rows are never updated
or deleted, so the history of a rule is its rows in order. Kept in the application database
(not the workspace's ``params/programmes.toml``) so that several web workers and the command
line share one current rule and every change is attributed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.store import Base, UtcDateTime, utcnow


class RuleRow(Base):
    """One saved version of a programme's eligibility rule."""

    __tablename__ = "targeting_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)


def current_rules(session: Session) -> dict[str, RuleRow]:
    """Return the newest saved row of every programme that has one."""
    found: dict[str, RuleRow] = {}
    for row in session.scalars(select(RuleRow).order_by(RuleRow.id)):
        found[row.programme] = row
    return found


def history(session: Session, programme: str) -> list[RuleRow]:
    """Return the saved rows of ``programme``, newest first."""
    query = select(RuleRow).where(RuleRow.programme == programme).order_by(RuleRow.id.desc())
    return list(session.scalars(query))


def append(session: Session, programme: str, rule: str, *, reason: str, user: str) -> RuleRow:
    """Append a new version of ``programme``'s rule and return it."""
    row = RuleRow(programme=programme, rule=rule, reason=reason, saved_by=user, saved_at=utcnow())
    session.add(row)
    session.flush()
    return row
