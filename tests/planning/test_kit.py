"""The Kapuas starter kit and plan validation."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.findings import errors
from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Plan, validate

KAPUAS = params.plan_kit("kapuas")


def test_kapuas_kit() -> None:
    plan = starter_plan(KAPUAS)
    assert (plan.region, plan.start_year, plan.end_year) == ("62.03", 2025, 2029)
    assert [p.code for p in plan.pillars] == ["BERSAING", "SEJAHTERA", "INDAH", "AMAN", "RELIGIUS"]
    assert [s.code for s in plan.strategies if s.national] == ["S1", "S2", "S3"]
    p0 = plan.indicator("P0")
    assert (p0.baseline_year, p0.baseline_value, p0.polarity) == (2024, 5.2, "lower")
    assert p0.target(2025) == 5.0
    assert all(i.source for i in plan.indicators)
    assert plan.extreme_poverty_target_year == 2027
    extreme = plan.indicator("KE")
    assert [y for y, v in extreme.targets if v == 0.0] == [2027, 2028, 2029]
    assert errors(plan.findings) == ()
    assert {f.code for f in plan.findings} == {"plan_target_missing"}


def test_target_year_is_a_parameter() -> None:
    plan = starter_plan(KAPUAS, target_year=2026)
    assert plan.extreme_poverty_target_year == 2026
    assert plan.indicator("KE").target(2026) == 0.0
    assert plan.indicator("KE").target(2025) is None
    with pytest.raises(InvalidInput) as caught:
        starter_plan(KAPUAS, target_year=2031)
    assert caught.value.code == "plan_target_year_outside"
    assert caught.value.params == {"year": 2031, "start": 2025, "end": 2029}


def test_the_workspace_kit_is_the_plan_document_with_overrides(tmp_path: Path) -> None:
    folder = tmp_path / "params"
    folder.mkdir()
    text = resources.files("rpkd").joinpath("params/kapuas/plan.toml").read_text("utf-8")
    changed = text.replace("extreme_poverty_year = 2027", "extreme_poverty_year = 2026")
    (folder / "plan.toml").write_text(changed, encoding="utf-8")
    kit = params.load_kit(tmp_path)
    assert kit.plan is not None
    assert starter_plan(kit.plan).extreme_poverty_target_year == 2026


def test_validation_findings(plan: Plan) -> None:
    broken = replace(
        plan,
        programmes=(
            *plan.programmes,
            replace(
                plan.programmes[0],
                code="PX",
                strategy="S9",
                activities=(Activity("KX", "x", "NOPE", regions=("62.04.01", "62.03.99")),),
            ),
        ),
    )
    found = errors(validate(broken))
    codes = {(f.field, f.code) for f in found}
    assert ("programme[PX].strategy", "plan_reference") in codes
    assert ("activity[KX].agency", "plan_reference") in codes
    assert ("activity[KX].regions", "plan_region_scope") in codes  # another kabupaten
    assert ("activity[KX].regions", "plan_region_unknown") in codes  # no such kecamatan
    scope = next(f for f in found if f.code == "plan_region_scope")
    assert (scope.value, dict(scope.params)) == (
        "62.04.01",
        {"code": "62.04.01", "region": "62.03"},
    )
