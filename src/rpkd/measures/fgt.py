"""Foster-Greer-Thorbecke poverty measures P0, P1, P2 with design-based standard errors.

``P_α = Σ w·s·1[y < z]·((z - y)/z)^α / Σ w·s`` with strict ``y < z`` (BPS), for a fixed line
or a per-household line column; ``s`` is household size for person-level estimates (BPS
counts people) or 1. The number of poor is the total ``Σ w·s·1[y < z]``. Each is a ratio or
total of weighted totals, so its linearised variance comes from :mod:`rpkd.survey`.

References
----------
Foster, J., Greer, J. & Thorbecke, E. (1984). A class of decomposable poverty measures.
*Econometrica* 52(3), 761-766. BPS, *Penghitungan dan Analisis Kemiskinan Makro Indonesia*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from rpkd.errors import UsageError
from rpkd.survey import Design, Estimates, Quantity, domain_totals, estimate_quantities

if TYPE_CHECKING:
    from ibis.expr.types import Table, Value

Alpha = Literal[0, 1, 2]
MEASURES: dict[str, Alpha] = {"fgt0": 0, "fgt1": 1, "fgt2": 2}
Line = float | str


def _gap(table: Table, welfare: str, line: Line, power: int) -> Value:
    import ibis

    y = table[welfare].cast("float64")
    z = table[line].cast("float64") if isinstance(line, str) else ibis.literal(float(line))
    poor = y < z
    if power == 0:
        return ibis.ifelse(poor, 1.0, 0.0)
    gap = (z - y) / z
    value = gap
    for _ in range(power - 1):
        value = value * gap
    return ibis.ifelse(poor, value, 0.0)


def _check_line(table: Table, line: Line) -> None:
    if isinstance(line, str):
        if line not in table.columns:
            raise UsageError(
                "data_column_missing", param="line", column=line, columns=sorted(table.columns)
            )
    elif not float(line) > 0:
        raise UsageError("line_not_positive", param="line", value=float(line))


def estimate(
    table: Table,
    design: Design,
    *,
    welfare: str,
    lines: Sequence[Line],
    measures: Sequence[str] = ("fgt0", "fgt1", "fgt2"),
    by: str | None = None,
    poor: bool = False,
) -> Estimates:
    """Return P0/P1/P2 (and, with ``poor``, the number of poor) per line, overall and by domain.

    Parameters
    ----------
    table
        Household records (an Ibis table from :mod:`rpkd.engine`).
    design
        The sample design; its ``size`` makes the estimates person-level.
    welfare
        Per-capita welfare column (expenditure).
    lines
        Poverty lines: numbers (rupiah) or names of per-household line columns.
    measures
        Any of ``fgt0``, ``fgt1``, ``fgt2``.
    by
        Domain column (R ``svyby``): the whole population first, then each domain.
    poor
        Also estimate the number of poor (measure ``poor``, a total).

    References
    ----------
    Foster, Greer & Thorbecke (1984); R ``survey`` ``svymean``/``svytotal``/``svyby``.
    """
    if welfare not in table.columns:
        raise UsageError(
            "data_column_missing", param="welfare", column=welfare, columns=sorted(table.columns)
        )
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise UsageError(
            "measure_unknown", param="measure", value=unknown[0], allowed=tuple(MEASURES)
        )
    import ibis

    values: dict[str, Value] = {"one": ibis.literal(1.0)}
    quantities: list[Quantity] = []
    for i, line in enumerate(lines):
        _check_line(table, line)
        powers = {MEASURES[m] for m in measures} | ({0} if poor else set())
        for power in sorted(powers | {2 * MEASURES[m] for m in measures}):
            values[f"g{power}_{i}"] = _gap(table, welfare, line, power)
        for m in measures:
            alpha = MEASURES[m]
            quantities.append(
                Quantity(
                    m,
                    f"g{alpha}_{i}",
                    "one",
                    line=line,
                    square=f"g{2 * alpha}_{i}",
                    mean=True,
                    proportion=alpha == 0,
                )
            )
        if poor:
            quantities.append(Quantity("poor", f"g0_{i}", None, line=line, square=f"g0_{i}"))
    return estimate_quantities(domain_totals(table, design, values, by), quantities, design)
