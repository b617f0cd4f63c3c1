"""A poverty map as pages and charts read it: each area's estimate, interval and reliability.

:func:`area_map` turns the result of :func:`rpkd.workflows.sae.map_release` into plain values
(a JSON round trip gives the same value back, so a map can be stored beside its release): the
final estimate (direct, Fay–Herriot or EBP), its RMSE, CV and 95% interval (±1.96 RMSE cut to
[0, 1], :mod:`rpkd.sae.intervals`, as the map's estimates table gives it), the direct estimate
and whether the CV is within the kit's threshold (BPS: 25%). An estimate of 0 with a positive
MSE has no CV and is unreliable.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from rpkd.workflows.results import dataclass_table, plain

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.workflows.sae import MapRelease


@dataclass(frozen=True)
class MapArea:
    """One area of the map: final and direct estimate, RMSE, CV, 95% interval, reliability."""

    code: str
    name: str
    estimate: float | None
    rmse: float | None
    cv: float | None
    ci_low: float | None
    ci_high: float | None
    direct: float | None
    direct_cv: float | None
    in_sample: bool
    reliable: bool | None
    n: int
    population: float | None


@dataclass(frozen=True)
class AreaMap:
    """Area estimates of one measure, level and method with the kit's CV threshold."""

    region: str
    level: str
    measure: str
    method: str
    line: float
    cv_threshold: float
    benchmark_factor: float | None
    areas: tuple[MapArea, ...]

    def within(self, parent: str | None) -> AreaMap:
        """Return the map of the areas inside ``parent`` (a region code; None: all)."""
        if parent is None:
            return self
        prefix = parent.rstrip(".") + "."
        kept = tuple(a for a in self.areas if a.code.startswith(prefix))
        return AreaMap(**{**vars(self), "areas": kept})

    def only(self, codes: Collection[str]) -> AreaMap:
        """Return the map of the areas whose code is in ``codes`` (those a user may read)."""
        kept = tuple(a for a in self.areas if a.code in codes)
        return self if len(kept) == len(self.areas) else AreaMap(**{**vars(self), "areas": kept})

    def to_arrow(self) -> pa.Table:
        """Return one row per area (:class:`MapArea`'s fields)."""
        return dataclass_table(MapArea, self.areas)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "areas"}
        return dict(plain({**out, "areas": [asdict(a) for a in self.areas]}))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AreaMap:
        """Return the map of :meth:`to_json`'s object."""
        areas = tuple(MapArea(**a) for a in data["areas"])
        return cls(**{**data, "areas": areas})


def area_map(mapped: MapRelease) -> AreaMap:
    """Return a poverty map's areas with their 95% interval and reliability flag."""
    from rpkd.sae.area_estimates import map_cv

    result = mapped.map
    areas: list[MapArea] = []
    for a in result.areas:
        low, high = a.interval
        cv = map_cv(a)
        areas.append(
            MapArea(
                code=a.area,
                name=a.name,
                estimate=a.estimate,
                rmse=a.rmse,
                cv=a.cv,
                ci_low=low,
                ci_high=high,
                direct=a.direct,
                direct_cv=a.direct_cv,
                in_sample=a.in_sample,
                reliable=None if cv is None else bool(cv <= mapped.cv_threshold),
                n=a.n,
                population=a.population,
            )
        )
    return AreaMap(
        region=result.region,
        level=result.level,
        measure=result.measure,
        method=result.method,
        line=result.line,
        cv_threshold=mapped.cv_threshold,
        benchmark_factor=None if result.benchmark is None else result.benchmark.factor,
        areas=tuple(areas),
    )
