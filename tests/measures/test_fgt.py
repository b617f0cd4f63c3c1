"""FGT properties (hypothesis) and hand-derived cases; R agreement is in tests/survey."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.measures import fgt
from rpkd.survey import design


def test_hand_derived_small_case(duck: eng.Engine) -> None:
    # y = 50, 100, 150, 200 with weights 1, 1, 2, 4 and z = 150 (strict y < z):
    # poor are y=50 (gap 2/3) and y=100 (gap 1/3); y=150 is not poor.
    # P0 = 2/8, P1 = (2/3 + 1/3)/8 = 1/8, P2 = (4/9 + 1/9)/8 = 5/72.
    t = eng.table(
        duck,
        pa.table(
            {
                "y": [50.0, 100, 150, 200],
                "w": [1.0, 1, 2, 4],
                "s": ["a", "a", "b", "b"],
                "p": ["1", "2", "3", "4"],
            }
        ),
    )
    r = fgt.estimate(t, design("w", strata="s", psu="p"), welfare="y", lines=[150], poor=True)
    assert r.find("fgt0").estimate == pytest.approx(2 / 8, rel=1e-12)
    assert r.find("fgt1").estimate == pytest.approx(1 / 8, rel=1e-12)
    assert r.find("fgt2").estimate == pytest.approx(5 / 72, rel=1e-12)
    assert r.find("poor").estimate == pytest.approx(2.0, rel=1e-12)


def test_bad_line_is_a_usage_error(duck: eng.Engine) -> None:
    t = eng.table(duck, pa.table({"y": [1.0, 2.0], "w": [1.0, 1.0]}))
    with pytest.raises(UsageError) as column:
        fgt.estimate(t, design("w"), welfare="y", lines=["nope"])
    assert (column.value.code, column.value.params["column"]) == ("data_column_missing", "nope")
    with pytest.raises(UsageError) as negative:
        fgt.estimate(t, design("w"), welfare="y", lines=[-5])
    assert (negative.value.code, negative.value.params) == ("line_not_positive", {"value": -5.0})
    with pytest.raises(UsageError) as measure:
        fgt.estimate(t, design("w"), welfare="y", lines=[1.5], measures=["fgt9"])
    assert (measure.value.code, measure.value.params["value"]) == ("measure_unknown", "fgt9")


def test_kit_lines_are_versioned() -> None:
    from datetime import date

    from rpkd.params import load_kit

    kit = load_kit()
    assert kit.poverty_line("extreme", "62.03", date(2024, 6, 1)).value == 351957.4
    assert kit.poverty_line("extreme", "62.03", date(2025, 6, 1)).value == 391000
    assert kit.poverty_line("poverty", "62.03", date(2024, 6, 1)).value == 623954


households = st.lists(
    st.tuples(
        st.floats(0, 2e6, allow_nan=False),
        st.floats(0.5, 500),
        st.integers(0, 3),
        st.integers(1, 8),
    ),
    min_size=6,
    max_size=40,
)


def _table(
    engine: eng.Engine,
    rows: list[tuple[float, float, int, int]],
    scale: float = 1.0,
    reverse: bool = False,
) -> object:
    if reverse:
        rows = rows[::-1]
    return eng.table(
        engine,
        pa.table(
            {
                "y": [r[0] for r in rows],
                "w": [r[1] * scale for r in rows],
                "s": [str(r[2] % 2) for r in rows],
                "p": [str(r[2]) for r in rows],
                "size": [r[3] for r in rows],
            }
        ),
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=households, z=st.floats(1e5, 1.5e6), dz=st.floats(0, 5e5))
def test_fgt_properties(
    duck: eng.Engine, rows: list[tuple[float, float, int, int]], z: float, dz: float
) -> None:
    d = design("w", size="size", lonely_psu="certainty")
    base = fgt.estimate(_table(duck, rows), d, welfare="y", lines=[z, z + dz])  # type: ignore[arg-type]
    p = {(r.measure, r.line): r for r in base.rows}
    for line in (z, z + dz):
        p0, p1, p2 = (p[(m, line)].estimate for m in ("fgt0", "fgt1", "fgt2"))
        assert 0 <= p2 <= p1 + 1e-12 <= p0 + 2e-12 <= 1 + 3e-12
        assert all((p[(m, line)].se or 0) >= 0 for m in ("fgt0", "fgt1", "fgt2"))
    for m in ("fgt0", "fgt1", "fgt2"):
        assert p[(m, z)].estimate <= p[(m, z + dz)].estimate + 1e-12
    scaled = fgt.estimate(_table(duck, rows, 7.5, True), d, welfare="y", lines=[z, z + dz])  # type: ignore[arg-type]
    for a, b in zip(base.rows, scaled.rows, strict=True):
        assert b.estimate == pytest.approx(a.estimate, rel=1e-9, abs=1e-12)
