"""Save and load plans in the application database.

Saving matches every item by its code, so editing a plan (for instance through the XLSX
matrices) updates rows in place and keeps the realisations that point at them. An item left out
of the new plan is removed, unless realisations point at it: then nothing is saved. A plan
refused for its findings raises :class:`rpkd.errors.InvalidInput` (``plan_invalid``) carrying
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from rpkd.errors import InvalidInput, NotFound
from rpkd.findings import Finding, errors
from rpkd.planning.model import (
    Activity,
    Agency,
    Budget,
    Commitment,
    FundingSource,
    Indicator,
    IndicatorLevel,
    Partner,
    PartnerKind,
    Pillar,
    Plan,
    Polarity,
    Programme,
    Strategy,
    validate,
)
from rpkd.planning.tables import (
    ActivityRow,
    AgencyRow,
    BudgetRow,
    CommitmentRow,
    IndicatorRow,
    PartnerRow,
    PillarRow,
    PlanRow,
    ProgrammeRow,
    RealisationRow,
    StrategyRow,
    TargetRow,
)
from rpkd.store import utcnow


def rejected(findings: tuple[Finding, ...]) -> InvalidInput:
    """Return the error refusing a plan for its error ``findings`` (carried by the error)."""
    return InvalidInput(
        "plan_invalid", param=findings[0].field, count=len(findings), findings=findings
    )


Row = TypeVar("Row", PillarRow, StrategyRow, AgencyRow, PartnerRow)


def _sync_simple(rows: list[Row], items: Sequence[Any], make: type[Row]) -> None:
    by_code = {r.code: r for r in rows}
    keep: list[Row] = []
    for position, item in enumerate(items):
        row = by_code.get(item.code) or make(code=item.code)
        row.name = item.name
        row.position = position
        for attribute in ("national", "kind"):
            if hasattr(item, attribute):
                setattr(row, attribute, getattr(item, attribute))
        keep.append(row)
    rows[:] = keep


def _join(codes: Sequence[str]) -> str:
    return ",".join(codes)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def _referenced(session: Session, plan_id: int, kind: str) -> set[int]:
    query = select(RealisationRow.subject_id).where(
        RealisationRow.plan_id == plan_id, RealisationRow.subject_kind == kind
    )
    return set(session.scalars(query))


def save_plan(session: Session, plan: Plan) -> None:
    """Create or update the plan named ``plan.name``; raise ``plan_invalid`` on errors."""
    blocking = errors(validate(plan))
    if blocking:
        raise rejected(blocking)
    row = session.scalar(select(PlanRow).where(PlanRow.name == plan.name))
    now = utcnow()
    if row is None:
        row = PlanRow(name=plan.name, created_at=now)
        session.add(row)
    row.region = plan.region
    row.start_year = plan.start_year
    row.end_year = plan.end_year
    row.extreme_poverty_target_year = plan.extreme_poverty_target_year
    row.extreme_poverty_indicator = plan.extreme_poverty_indicator
    row.description = plan.description
    row.updated_at = now
    _sync_simple(row.pillars, plan.pillars, PillarRow)
    _sync_simple(row.strategies, plan.strategies, StrategyRow)
    _sync_simple(row.agencies, plan.agencies, AgencyRow)
    _sync_simple(row.partners, plan.partners, PartnerRow)
    session.flush()
    _save_programmes(session, row, plan)
    _save_indicators(session, row, plan)
    row.commitments = [
        CommitmentRow(
            position=i,
            partner=c.partner,
            activity=c.activity,
            year=c.year,
            description=c.description,
            amount=c.amount,
        )
        for i, c in enumerate(plan.commitments)
    ]
    session.flush()


def _save_programmes(session: Session, row: PlanRow, plan: Plan) -> None:
    programmes = {p.code: p for p in row.programmes}
    existing = {
        a.code: a for a in session.scalars(select(ActivityRow).where(ActivityRow.plan_id == row.id))
    }
    keep: list[ProgrammeRow] = []
    for position, programme in enumerate(plan.programmes):
        prow = programmes.get(programme.code)
        if prow is None:
            prow = ProgrammeRow(code=programme.code)
            row.programmes.append(prow)
        prow.name, prow.position = programme.name, position
        prow.strategy, prow.pillar, prow.agency = (
            programme.strategy,
            programme.pillar,
            programme.agency,
        )
        keep.append(prow)
    session.flush()
    seen: set[str] = set()
    for prow, programme in zip(keep, plan.programmes, strict=True):
        for index, activity in enumerate(programme.activities):
            arow = existing.get(activity.code) or ActivityRow(code=activity.code, plan_id=row.id)
            arow.programme_id, arow.position = prow.id, index
            arow.name, arow.agency = activity.name, activity.agency
            arow.target_group = activity.target_group
            arow.regions, arow.partners = _join(activity.regions), _join(activity.partners)
            arow.release, arow.release_filter = activity.release, activity.release_filter
            arow.budgets = [
                BudgetRow(year=b.year, source=b.source, amount=b.amount) for b in activity.budgets
            ]
            session.add(arow)
            seen.add(activity.code)
    session.flush()
    used = _referenced(session, row.id, "activity")
    gone = [a for code, a in existing.items() if code not in seen]
    blocked = [a.code for a in gone if a.id in used]
    if blocked:
        raise rejected(_kept("activity", blocked))
    for activity_row in gone:
        session.delete(activity_row)
    session.flush()
    row.programmes = keep
    session.flush()
    for prow in keep:
        session.expire(prow, ["activities"])


def _kept(kind: str, codes: list[str]) -> tuple[Finding, ...]:
    return tuple(
        Finding("plan_has_realisations", "error", {"code": c}, field=f"{kind}.code", value=c)
        for c in codes
    )


def _save_indicators(session: Session, row: PlanRow, plan: Plan) -> None:
    existing = {i.code: i for i in row.indicators}
    keep: list[IndicatorRow] = []
    for position, indicator in enumerate(plan.indicators):
        irow = existing.get(indicator.code) or IndicatorRow(code=indicator.code)
        irow.name, irow.position, irow.level = indicator.name, position, indicator.level
        irow.unit, irow.polarity, irow.source = indicator.unit, indicator.polarity, indicator.source
        irow.baseline_year, irow.baseline_value = indicator.baseline_year, indicator.baseline_value
        irow.programme, irow.activity = indicator.programme, indicator.activity
        held = {t.year: t for t in irow.targets}
        targets = []
        for year, value in indicator.targets:
            target = held.get(year) or TargetRow(year=year)
            target.value = value
            targets.append(target)
        irow.targets = targets
        keep.append(irow)
    used = _referenced(session, row.id, "indicator")
    blocked = [
        i.code
        for code, i in existing.items()
        if code not in {k.code for k in keep} and i.id in used
    ]
    if blocked:
        raise rejected(_kept("indicator", blocked))
    row.indicators = keep


def plan_names(session: Session) -> tuple[str, ...]:
    """Return the names of the plans in the workspace."""
    return tuple(session.scalars(select(PlanRow.name).order_by(PlanRow.id)))


def plan_row(session: Session, name: str | None = None) -> PlanRow:
    """Return the plan ``name``, or the only plan when ``name`` is ``None``."""
    if name is not None:
        row = session.scalar(select(PlanRow).where(PlanRow.name == name))
        if row is None:
            raise NotFound(
                "plan_unknown", param="plan", name=name, available=plan_names(session) or "-"
            )
        return row
    count = session.scalar(select(func.count()).select_from(PlanRow)) or 0
    if count == 0:
        raise NotFound("plan_none", param="plan")
    if count > 1:
        raise NotFound("plan_ambiguous", param="plan", available=plan_names(session))
    return session.scalars(select(PlanRow)).one()


def load_plan(session: Session, name: str | None = None) -> Plan:
    """Return the stored plan as a frozen :class:`Plan`."""
    found = plan_row(session, name)
    row = session.scalars(
        select(PlanRow)
        .where(PlanRow.id == found.id)
        .options(
            selectinload(PlanRow.programmes)
            .selectinload(ProgrammeRow.activities)
            .selectinload(ActivityRow.budgets),
            selectinload(PlanRow.indicators).selectinload(IndicatorRow.targets),
            selectinload(PlanRow.pillars),
            selectinload(PlanRow.strategies),
            selectinload(PlanRow.agencies),
            selectinload(PlanRow.partners),
            selectinload(PlanRow.commitments),
        )
    ).one()
    programmes = tuple(
        Programme(
            code=p.code,
            name=p.name,
            strategy=p.strategy,
            agency=p.agency,
            pillar=p.pillar,
            activities=tuple(
                Activity(
                    code=a.code,
                    name=a.name,
                    agency=a.agency,
                    target_group=a.target_group,
                    regions=_split(a.regions),
                    release=a.release,
                    release_filter=a.release_filter,
                    partners=_split(a.partners),
                    budgets=tuple(
                        Budget(b.year, cast(FundingSource, b.source), b.amount) for b in a.budgets
                    ),
                )
                for a in p.activities
            ),
        )
        for p in row.programmes
    )
    return Plan(
        name=row.name,
        region=row.region,
        start_year=row.start_year,
        end_year=row.end_year,
        extreme_poverty_target_year=row.extreme_poverty_target_year,
        extreme_poverty_indicator=row.extreme_poverty_indicator,
        description=row.description,
        pillars=tuple(Pillar(p.code, p.name) for p in row.pillars),
        strategies=tuple(Strategy(s.code, s.name, s.national) for s in row.strategies),
        agencies=tuple(Agency(a.code, a.name) for a in row.agencies),
        partners=tuple(Partner(p.code, p.name, cast(PartnerKind, p.kind)) for p in row.partners),
        programmes=programmes,
        indicators=tuple(
            Indicator(
                code=i.code,
                name=i.name,
                level=cast(IndicatorLevel, i.level),
                unit=i.unit,
                polarity=cast(Polarity, i.polarity),
                source=i.source,
                baseline_year=i.baseline_year,
                baseline_value=i.baseline_value,
                targets=tuple((t.year, t.value) for t in i.targets),
                programme=i.programme,
                activity=i.activity,
            )
            for i in row.indicators
        ),
        commitments=tuple(
            Commitment(c.partner, c.year, c.description, c.activity, c.amount)
            for c in row.commitments
        ),
    )
