"""The Kapuas starter kit and plan validation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rpkd.errors import InvalidInput
from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Plan, errors, validate


def test_kapuas_kit() -> None:
    plan = starter_plan("kapuas")
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


def test_target_year_is_a_parameter() -> None:
    plan = starter_plan("kapuas", target_year=2026)
    assert plan.extreme_poverty_target_year == 2026
    assert plan.indicator("KE").target(2026) == 0.0
    assert plan.indicator("KE").target(2025) is None
    with pytest.raises(InvalidInput):
        starter_plan("kapuas", target_year=2031)


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
    rules = {(f.field, f.rule) for f in errors(validate(broken))}
    assert ("programme[PX].strategy", "reference") in rules
    assert ("activity[KX].agency", "reference") in rules
    assert ("activity[KX].regions", "region_scope") in rules  # another kabupaten
    assert ("activity[KX].regions", "region") in rules  # no such kecamatan
