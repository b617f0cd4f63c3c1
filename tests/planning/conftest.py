"""A sample RPKD plan for the planning tests (database fixtures: tests/conftest.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Budget, Commitment, Indicator, Plan


def sample_plan() -> Plan:
    """The Kapuas starter plan with one RTLH activity, its output indicator and a commitment."""
    kit = starter_plan("kapuas")
    activity = Activity(
        code="K0501",
        name="Rehabilitasi rumah tidak layak huni",
        agency="PERKIM",
        target_group="keluarga desil 1-2 dengan RTLH",
        regions=("62.03.01", "62.03.01.1006"),
        partners=("BAZNAS",),
        budgets=(
            Budget(2025, "apbd", 1_500_000_000.0),
            Budget(2025, "baznas", 200_000_000.0),
            Budget(2026, "apbd", 1_700_000_000.0),
        ),
    )
    by_name = Activity(
        code="K0101",
        name="Pendampingan keluarga miskin ekstrem",
        agency="DINSOS",
        target_group="keluarga miskin ekstrem",
        release="dtsen-2025q3",
        release_filter="desil = 1",
        budgets=(Budget(2025, "apbd", 400_000_000.0),),
    )
    programmes = tuple(
        replace(p, activities=(activity,))
        if p.code == "P05"
        else replace(p, activities=(by_name,))
        if p.code == "P01"
        else p
        for p in kit.programmes
    )
    output = Indicator(
        "O0501",
        "Rumah direhabilitasi",
        "output",
        "unit",
        "higher",
        "Dinas Perkim",
        targets=((2025, 100.0), (2026, 120.0)),
        activity="K0501",
    )
    return replace(
        kit,
        programmes=programmes,
        indicators=(*kit.indicators, output),
        commitments=(Commitment("BAZNAS", 2025, "Bedah rumah 10 unit", "K0501", 200_000_000.0),),
        findings=(),
    )


@pytest.fixture
def plan() -> Plan:
    return sample_plan()
