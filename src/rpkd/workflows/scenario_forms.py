"""Use cases of building a scenario field by field (the web page *Skenario*).

:func:`scenario_form` says what the form offers: the programmes of the kit's simulation menu
(each with its catalogue rule, unit and the kit's amount), the plan's activities a package may
be linked to (their budget lines then cap it) and the plans. :func:`save_scenario_draft` writes
a :class:`~rpkd.simulation.drafts.ScenarioDraft` as the TOML document a file would be and saves
it exactly as ``rpkd scenario save`` saves a file (:func:`rpkd.workflows.scenarios.
save_scenario_text`): the same checks, findings naming the ``[[programme]]`` row and field,
``plan.edit`` and an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpkd.access.roles import Scope
from rpkd.simulation.drafts import PackageDraft, ScenarioDraft
from rpkd.simulation.scenario import LEVELS
from rpkd.workflows import gate
from rpkd.workflows.scenario_results import SavedScenario

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "LEVELS",
    "MenuProgramme",
    "PackageDraft",
    "PlanActivity",
    "ScenarioDraft",
    "ScenarioForm",
    "save_scenario_draft",
    "scenario_form",
]


@dataclass(frozen=True)
class MenuProgramme:
    """A programme the form offers: catalogue code, names, unit, rule; the kit's amount a
    month (rupiah per family, member or eligible person) and months paid a year."""

    code: str
    name_id: str
    name_en: str
    unit: str
    rule: str
    amount: float | None
    months: int

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


@dataclass(frozen=True)
class PlanActivity:
    """An activity of the plan a package may be linked to (its budget lines cap the package)."""

    code: str
    name: str
    budget: float
    """The activity's budget lines summed over every year (rupiah)."""


@dataclass(frozen=True)
class ScenarioForm:
    """What the scenario form offers."""

    programmes: tuple[MenuProgramme, ...]
    activities: tuple[PlanActivity, ...]
    plans: tuple[str, ...]
    levels: tuple[str, ...] = LEVELS

    def to_json(self) -> dict[str, Any]:
        return {
            "programmes": [vars(p) for p in self.programmes],
            "activities": [vars(a) for a in self.activities],
            "plans": list(self.plans),
            "levels": list(self.levels),
        }


def scenario_form(ws: Workspace) -> ScenarioForm:
    """Return the programmes, plan activities and plans a scenario form offers.

    Needs ``plan.read`` (on the plan's region when the workspace holds one plan), as
    :func:`rpkd.workflows.scenarios.list_scenarios`.
    """
    from sqlalchemy import select

    from rpkd.planning.store import load_plan
    from rpkd.planning.tables import PlanRow
    from rpkd.workflows.rules import effective_catalogue

    actor = ws.actor
    cat = effective_catalogue(ws)
    menu = {str(m["code"]): m for m in ws.kit.document("scenarios").get("programme", [])}
    programmes = tuple(
        MenuProgramme(p.code, p.name_id, p.name_en, p.unit, p.rule.text,
                      _float(menu[p.code].get("amount")), int(menu[p.code].get("months", 12)))
        for p in cat.programmes if p.code in menu
    )  # fmt: skip
    with ws.transaction() as db:
        plans = list(db.execute(select(PlanRow.name, PlanRow.region).order_by(PlanRow.id)))
        regions = {region for _, region in plans}
        gate.authorise(actor, "plan.read", Scope(region=regions.pop()) if len(regions) == 1
                       else Scope())  # fmt: skip
        activities: tuple[PlanActivity, ...] = ()
        if len(plans) == 1:
            plan = load_plan(db, plans[0][0])
            activities = tuple(
                PlanActivity(a.code, a.name, float(sum(b.amount for b in a.budgets)))
                for _, a in plan.activities()
            )
    return ScenarioForm(programmes, activities, tuple(name for name, _ in plans))


def save_scenario_draft(
    ws: Workspace,
    draft: ScenarioDraft,
    *,
    chosen: bool = False,
    plan: str | None = None,
) -> SavedScenario:
    """Save ``draft`` (named by its own name) as ``rpkd scenario save`` saves a file.

    Raises :class:`rpkd.errors.InvalidInput` ``scenario_invalid`` with findings naming the
    package (``row``: its place among ``draft.packages``, 1-based) and the field.
    """
    from rpkd.workflows.scenarios import save_scenario_text

    return save_scenario_text(ws, draft.to_toml(), file="form", chosen=chosen, plan=plan)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
