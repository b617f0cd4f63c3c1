"""Saved scenarios on SQLite and PostgreSQL: replaced by name, one chosen per plan, links to
plan activities that survive a plan edit by code and are cleared when the activity goes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from rpkd import params
from rpkd.errors import NotFound
from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Budget, Plan
from rpkd.planning.store import plan_row, save_plan
from rpkd.simulation.store import load_scenario, save_scenario, scenario_names
from rpkd.store import session


def plan_with(*codes: str) -> Plan:
    plan = starter_plan(params.plan_kit("kapuas"))
    activities = tuple(Activity(c, f"kegiatan {c}", "DINSOS", budgets=(Budget(2026, "apbd", 1e9),))
                       for c in codes)  # fmt: skip
    first = replace(plan.programmes[0], activities=activities)
    return replace(plan, programmes=(first, *plan.programmes[1:]))


def test_saved_scenarios_keep_their_document_links_and_chosen_mark(database: Engine) -> None:
    with session(database) as db:
        save_plan(db, plan_with("A1", "A2"))
        plan = plan_row(db)
        save_scenario(db, name="s1", document="name = 's1'", description="", links={"p": "A1"},
                      plan=plan, chosen=True, user="local")  # fmt: skip
        save_scenario(db, name="s2", document="name = 's2'", description="", links={},
                      plan=plan, chosen=False, user="local")  # fmt: skip
    with session(database) as db:
        row = load_scenario(db, "s1")
        assert (row.document, row.chosen, row.created_by) == ("name = 's1'", True, "local")
        assert [(k.package, k.activity_code, k.activity_id is not None) for k in row.links] == [
            ("p", "A1", True)]  # fmt: skip
        save_scenario(db, name="s2", document="name = 's2' # v2", description="d",
                      links={"q": "A2"}, plan=plan_row(db), chosen=True, user="analis")  # fmt: skip
    with session(database) as db:
        assert scenario_names(db) == ("s1", "s2")
        assert (load_scenario(db, "s1").chosen, load_scenario(db, "s2").chosen) == (False, True)
        assert load_scenario(db, "s2").document == "name = 's2' # v2"
        save_plan(db, plan_with("A1"))  # A2 leaves the plan
    with session(database) as db:
        link = load_scenario(db, "s2").links[0]
        assert (link.activity_code, link.activity_id) == ("A2", None)
        assert load_scenario(db, "s1").links[0].activity_id is not None
        with pytest.raises(NotFound) as missing:
            load_scenario(db, "s3")
        assert missing.value.params["available"] == "s1, s2"
