"""A complex sample design named by its columns, as R ``survey::svydesign`` describes one.

The design is a frozen value: it names the weight, stratum, per-stage cluster and per-stage
fpc columns of a table and the lonely-PSU policy; it holds no data. Variance follows R
``survey`` (Lumley 2010, ch. 2-3): ``svydesign(ids = ~psu1 + psu2, strata = ~stratum,
fpc = ~fpc1 + fpc2, weights = ~weight, nest = TRUE)``.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from rpkd.errors import UsageError

LonelyPsu = Literal["fail", "adjust", "certainty", "remove"]
LONELY_PSU: tuple[LonelyPsu, ...] = get_args(LonelyPsu)


@dataclass(frozen=True)
class Design:
    """A stratified multistage design described by column names.

    Parameters
    ----------
    weight
        Column of household design weights (> 0).
    strata
        Stratum column, or ``None`` for an unstratified design.
    psu
        One cluster column per sampling stage (``psu[0]`` is the PSU); empty when households
        were sampled directly (each record is its own PSU).
    fpc
        Finite-population corrections per stage, as R ``survey``: a value ≤ 1 is a sampling
        fraction, > 1 a population count (all values must be on the same footing). Either none,
        one (stage 1 only: ultimate-cluster variance with the stage-1 correction), or one per
        stage (multistage variance).
    size
        Household-size column: person-level estimates weight each household by weight × size.
    lonely_psu
        What to do with a stratum holding one PSU, as ``options(survey.lonely.psu)``.
    """

    weight: str
    strata: str | None = None
    psu: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    size: str | None = None
    lonely_psu: LonelyPsu = "fail"

    def __post_init__(self) -> None:
        object.__setattr__(self, "psu", tuple(self.psu))
        object.__setattr__(self, "fpc", tuple(self.fpc))
        if self.lonely_psu not in LONELY_PSU:
            raise UsageError(
                "lonely_psu_policy", param="lonely_psu", value=self.lonely_psu, allowed=LONELY_PSU
            )
        stages = max(len(self.psu), 1)
        if len(self.fpc) not in (0, 1, stages):
            raise UsageError("fpc_stages", param="fpc", stages=stages, given=len(self.fpc))

    @property
    def multistage(self) -> bool:
        """True when every stage of a multistage design has an fpc (R's ``multistage``)."""
        return len(self.psu) > 1 and len(self.fpc) == len(self.psu)

    @property
    def stages(self) -> tuple[str, ...]:
        """The cluster columns the variance uses: all stages, or the PSU alone (ultimate cluster)."""
        return self.psu if self.multistage else self.psu[:1]

    @property
    def stage_fpc(self) -> tuple[str, ...]:
        """The fpc columns the variance uses, aligned with :attr:`stages`."""
        return self.fpc if self.multistage else self.fpc[:1]

    def columns(self) -> tuple[str, ...]:
        """Every column the design names."""
        named: list[str | None] = [self.weight, self.strata, *self.psu, *self.fpc, self.size]
        return tuple(dict.fromkeys(c for c in named if c is not None))

    def check(self, available: Iterable[str], *extra: str | None) -> None:
        """Raise :class:`UsageError` naming the first design (or ``extra``) column not present."""
        present = set(available)
        for column in (*self.columns(), *(c for c in extra if c is not None)):
            if column not in present:
                raise UsageError(
                    "data_column_missing", param=column, column=column, columns=sorted(present)
                )


def design(
    weight: str,
    *,
    strata: str | None = None,
    psu: Sequence[str] | str | None = None,
    fpc: Sequence[str] | str | None = None,
    size: str | None = None,
    lonely_psu: LonelyPsu = "fail",
) -> Design:
    """Return a :class:`Design`, accepting single column names or sequences for ``psu``/``fpc``."""

    def stages(value: Sequence[str] | str | None) -> tuple[str, ...]:
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)

    return Design(weight, strata, stages(psu), stages(fpc), size, lonely_psu)
