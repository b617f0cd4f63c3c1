"""Saved scenarios in the application database, linked to the plan's budget lines.

A saved scenario keeps its TOML document as written (so it runs again exactly as saved), the
plan it belongs to, whether it is the plan's chosen scenario (the one the RPKD's strategy
chapter cites; at most one per plan) and, for every package that names a plan ``activity``,
a link to that activity, whose budget lines (``plan_budget``, by year and source) cap the
package when the scenario gives no budget of its own. Links keep the activity's code, so a plan
edited from XLSX (activities updated in place by code) keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from rpkd.errors import NotFound
from rpkd.planning.tables import ActivityRow, PlanRow
from rpkd.store import Base, UtcDateTime, utcnow


class ScenarioRow(Base):
    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[str] = mapped_column(Text)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    links: Mapped[list[ScenarioLinkRow]] = relationship(
        cascade="all, delete-orphan", order_by="ScenarioLinkRow.id"
    )


class ScenarioLinkRow(Base):
    """A package of a saved scenario linked to the plan activity whose budget lines cap it."""

    __tablename__ = "scenario_link"
    __table_args__ = (UniqueConstraint("scenario_id", "package"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("scenario.id", ondelete="CASCADE"), index=True
    )
    package: Mapped[str] = mapped_column(String(64))
    activity_code: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_activity.id", ondelete="SET NULL"), index=True
    )


def scenario_names(session: Session) -> tuple[str, ...]:
    """Return the names of the saved scenarios, in the order they were first saved."""
    return tuple(session.scalars(select(ScenarioRow.name).order_by(ScenarioRow.id)))


def scenario_rows(session: Session) -> list[ScenarioRow]:
    """Return every saved scenario with its links."""
    return list(session.scalars(select(ScenarioRow).order_by(ScenarioRow.id)))


def load_scenario(session: Session, name: str) -> ScenarioRow:
    """Return the saved scenario ``name``; raise :class:`NotFound` naming those there are."""
    row = session.scalar(select(ScenarioRow).where(ScenarioRow.name == name))
    if row is None:
        raise NotFound("scenario_missing", param="scenario", name=name,
                       available=", ".join(scenario_names(session)) or "-")  # fmt: skip
    return row


def activity_ids(session: Session, plan: PlanRow, codes: set[str]) -> dict[str, int]:
    """Return the ids of the plan's activities named in ``codes`` (unknown codes are absent)."""
    found = session.execute(
        select(ActivityRow.code, ActivityRow.id).where(
            ActivityRow.plan_id == plan.id, ActivityRow.code.in_(sorted(codes))
        )
    )
    return {code: ident for code, ident in found}


def save_scenario(
    session: Session,
    *,
    name: str,
    document: str,
    description: str,
    links: Mapping[str, str],
    plan: PlanRow | None,
    chosen: bool,
    user: str,
) -> ScenarioRow:
    """Insert or replace the scenario ``name``; ``links`` maps package codes to activity codes.

    With ``chosen`` the scenario becomes its plan's chosen one (any other loses the mark).
    """
    now = utcnow()
    ids = activity_ids(session, plan, set(links.values())) if plan is not None else {}
    row = session.scalar(select(ScenarioRow).where(ScenarioRow.name == name))
    if row is None:
        row = ScenarioRow(name=name, created_by=user, created_at=now)
    row.plan_id = None if plan is None else plan.id
    row.description, row.document, row.updated_at = description, document, now
    row.links = [
        ScenarioLinkRow(package=package, activity_code=code, activity_id=ids.get(code))
        for package, code in sorted(links.items())
    ]
    row.chosen = chosen
    if chosen:
        others = select(ScenarioRow).where(ScenarioRow.plan_id == row.plan_id,
                                           ScenarioRow.name != name)  # fmt: skip
        for other in session.scalars(others):
            other.chosen = False
    session.add(row)
    session.flush()
    return row
