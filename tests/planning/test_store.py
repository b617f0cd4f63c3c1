"""Plans in the database: round trip, edits in place, protected realisations."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from rpkd.errors import InvalidInput, NotFound
from rpkd.planning import realisations
from rpkd.planning.action_plan import action_plan
from rpkd.planning.model import Plan, Strategy
from rpkd.planning.store import load_plan, save_plan
from rpkd.store import session


def test_round_trip(database: Engine, plan: Plan) -> None:
    with session(database) as db:
        save_plan(db, plan)
    with session(database) as db:
        assert load_plan(db) == plan


def test_edit_keeps_realisations_and_refuses_orphaning_them(database: Engine, plan: Plan) -> None:
    with session(database) as db:
        save_plan(db, plan)
        realisations.submit(
            db, plan, "activity", "K0501", 2025, 1, submitted_by="local", budget_spent=1.0e8
        )
    edited = replace(
        plan,
        indicators=tuple(
            replace(i, targets=((2025, 4.9),)) if i.code == "P0" else i for i in plan.indicators
        ),
    )
    with session(database) as db:
        save_plan(db, edited)
    with session(database) as db:
        assert load_plan(db).indicator("P0").targets == ((2025, 4.9),)
        assert len(realisations.history(db)) == 1
    without = replace(
        edited,
        programmes=tuple(replace(p, activities=()) for p in edited.programmes),
        indicators=tuple(i for i in edited.indicators if i.activity is None),
        commitments=(),
    )
    with pytest.raises(InvalidInput) as caught, session(database) as db:
        save_plan(db, without)
    assert caught.value.code == "plan_invalid"
    assert [(f.code, f.value) for f in caught.value.findings] == [
        ("plan_has_realisations", "K0501")
    ]
    with session(database) as db:
        assert load_plan(db) == edited


def test_a_plan_with_errors_is_refused_with_its_findings(database: Engine, plan: Plan) -> None:
    broken = replace(plan, end_year=2020)
    with pytest.raises(InvalidInput) as caught, session(database) as db:
        save_plan(db, broken)
    assert caught.value.code == "plan_invalid"
    assert caught.value.params["count"] == len(caught.value.findings)
    assert "plan_period" in {f.code for f in caught.value.findings}


def test_no_plan_and_unknown_plans_are_reported(database: Engine, plan: Plan) -> None:
    with pytest.raises(NotFound) as caught, session(database) as db:
        load_plan(db)
    assert caught.value.code == "plan_none"
    assert "rpkd plan init" in caught.value.message("en")
    with session(database) as db:
        save_plan(db, plan)
        save_plan(db, replace(plan, name="RPKD kedua"))
    with pytest.raises(NotFound) as caught, session(database) as db:
        load_plan(db)
    assert caught.value.code == "plan_ambiguous"
    with pytest.raises(NotFound) as caught, session(database) as db:
        load_plan(db, "RPKD ketiga")
    assert (caught.value.code, caught.value.params["name"]) == ("plan_unknown", "RPKD ketiga")
    assert "RPKD kedua" in caught.value.params["available"]


def test_action_plan_rows(plan: Plan) -> None:
    rat = action_plan(plan, 2025)
    rows = {r.activity_code: r for r in rat.rows}
    assert set(rows) == {"K0101", "K0501"}
    rtlh = rows["K0501"]
    assert (rtlh.apbd, rtlh.baznas, rtlh.budget_total) == (1.5e9, 2.0e8, 1.7e9)
    assert rtlh.output_targets == "O0501: 100 unit"
    assert rows["K0101"].location == "rilis:dtsen-2025q3 [desil = 1]"
    assert [r.activity_code for r in action_plan(plan, 2026).rows] == ["K0501"]
    assert rat.to_arrow().num_rows == 2
    with pytest.raises(InvalidInput) as caught:
        action_plan(plan, 2031)
    assert caught.value.code == "plan_year_outside"


def test_reference_lists_are_synchronised(database: Engine, plan: Plan) -> None:
    with session(database) as db:
        save_plan(db, plan)
    edited = replace(
        plan,
        pillars=plan.pillars[:4],
        strategies=(*plan.strategies, Strategy("S4", "Strategi lokal: ekonomi sungai")),
        agencies=tuple(replace(a, name=a.name.upper()) for a in plan.agencies),
        programmes=tuple(
            replace(p, pillar=None) if p.pillar == "RELIGIUS" else p for p in plan.programmes
        ),
    )
    with session(database) as db:
        save_plan(db, edited)
    with session(database) as db:
        assert load_plan(db) == edited
