"""Inputs of small-area estimation built from a release: direct estimates and covariates.

- **Release tables**: the survey, families, persons and (optional) villages tables of one
  engine a map is estimated from (:class:`SaeTables`).
- **Direct estimates** of P0/P1/P2 by kecamatan or desa are domain estimates of the survey
  (:func:`rpkd.measures.fgt.estimate` with ``by`` the area, R ``svyby``), person-level (weight x
  household size), with their Taylor-linearised variances and the number of sampled PSUs.
- **Smoothed variances**: a direct variance from fewer than ``min_psu`` PSUs, or equal to zero
  (or every variance, ``smooth_all``), is replaced by its generalised-variance-function
  prediction (:mod:`rpkd.sae.gvf`), as is usual before fitting an area-level model (Rao &
  Molina 2015, ch. 6).
- **Area covariates** are aggregates of the registry (families and persons) and the village
  table per area, computed in the engine (Ibis): shares of desil 1–2 families, of families
  without proper sanitation, in unfit houses (RTLH), with an earth floor, of heads with at most
  primary schooling, urban share, mean family size and the mean distance to a puskesmas.
- **Unit tables** for the EBP: one row per survey household and one per registry family with
  the same proxy variables, defined once here so that sample and census agree.

Unfit house and proper sanitation are the predicates of the programme catalogue (the kit's
``programmes`` document, :func:`rpkd.targeting.eligibility.catalogue`), so a district that
redefines them there redefines them here too.

References
----------
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley, ch. 6–7 and 9.
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. CJS 38, 369–385.
Wolter, K.M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 7.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rpkd.engine import fetch
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.measures import fgt
from rpkd.releases.survey_design import survey_design
from rpkd.sae.gvf import GvfResult, gvf
from rpkd.survey import Design
from rpkd.targeting.eligibility import catalogue
from rpkd.targeting.features import family_features
from rpkd.targeting.rules import compile_rule

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, StringValue, Table, Value

Level = Literal["kecamatan", "desa"]
LEVELS: tuple[Level, ...] = ("kecamatan", "desa")
Measure = Literal["fgt0", "fgt1", "fgt2"]
MEASURES: tuple[Measure, ...] = ("fgt0", "fgt1", "fgt2")
WELFARE = "expenditure_per_capita"
AREA = "area"

AREA_COVARIATES: tuple[str, ...] = (
    "share_desil12",
    "share_no_sanitation",
    "share_unfit_house",
    "share_earth_floor",
    "share_head_primary",
    "urban_share",
    "mean_family_size",
    "distance_puskesmas_km",
)
UNIT_COVARIATES: tuple[str, ...] = (
    "household_size",
    "urban",
    "head_primary",
    "head_female",
    "head_agriculture",
    "earth_floor",
    "unfit_house",
    "no_proper_sanitation",
    "electricity_pln",
    "cooking_wood",
    "has_refrigerator",
    "has_motorcycle",
    "has_smartphone",
    "has_television",
    "area_share_desil12",
)
_PRIMARY_OR_LESS = ("tidak_punya_ijazah", "sd")
_AGRICULTURE = ("pertanian_tanaman", "perkebunan", "perikanan", "peternakan", "kehutanan")
_PREDICATES = ("unfit_house", "no_proper_sanitation")
_ZERO_SE = 1e-9


@dataclass(frozen=True)
class SaeTables:
    """The release tables the map is estimated from (Ibis tables of one engine)."""

    survey: Table
    families: Table
    persons: Table
    villages: Table | None = None


def area_of(table: Table, level: Level) -> StringValue:
    """Return the area code of each row: the kecamatan (``62.03.01``) or desa of ``desa_code``."""
    code: StringValue = table.desa_code
    return code.substr(0, 8) if level == "kecamatan" else code


def with_area_codes(table: pa.Table, level: Level, name: str) -> pa.Table:
    """Return fetched ``table`` with column ``name``: :func:`area_of` its ``desa_code``."""
    codes = table.column("desa_code")
    if level == "kecamatan":
        codes = pc.utf8_slice_codeunits(codes, 0, 8)
    return table.append_column(name, codes)


@dataclass(frozen=True)
class DirectArea:
    """One sampled area: direct estimate, its design-based SE, households, PSUs, persons."""

    area: str
    estimate: float
    se: float
    n: int
    psus: int
    population: float

    @property
    def variance(self) -> float:
        return self.se**2


@dataclass(frozen=True)
class DirectEstimates:
    """Direct estimates of one FGT measure for the whole district and for each sampled area."""

    measure: Measure
    line: float
    level: Level
    district: float
    district_se: float
    areas: tuple[DirectArea, ...]
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per sampled area."""
        fields = ("area", "estimate", "se", "n", "psus", "population")
        table = {f: [getattr(a, f) for a in self.areas] for f in fields}
        table["variance"] = [a.variance for a in self.areas]
        return pa.table(table)


def direct_estimates(
    survey: Table,
    *,
    level: Level,
    measure: Measure,
    line: float,
    design: Design | None = None,
) -> DirectEstimates:
    """Return person-level direct FGT estimates by area with linearised standard errors.

    References
    ----------
    Foster, Greer & Thorbecke (1984); R ``survey::svyby`` (Lumley 2010).
    """
    design = design or survey_design(survey)
    table = survey.mutate(**{AREA: area_of(survey, level)})
    result = fgt.estimate(table, design, welfare=WELFARE, lines=[line], measures=[measure], by=AREA)
    psus = fetch(
        table.group_by(AREA).aggregate(
            psus=table[design.psu[0]].nunique(), households=table.count()
        )
    )
    by_area = dict(zip(psus.column(AREA).to_pylist(), psus.column("psus").to_pylist(), strict=True))
    whole = result.find(measure, domain=None)
    areas = tuple(
        DirectArea(
            area=str(r.domain),
            estimate=r.estimate,
            se=r.se if r.se is not None else float("nan"),
            n=r.n,
            psus=int(by_area[r.domain]),
            population=r.population,
        )
        for r in result.rows
        if r.domain is not None
    )
    return DirectEstimates(
        measure=measure,
        line=float(line),
        level=level,
        district=whole.estimate,
        district_se=whole.se if whole.se is not None else float("nan"),
        areas=tuple(sorted(areas, key=lambda a: a.area)),
        findings=result.findings,
    )


@dataclass(frozen=True)
class SmoothedVariances:
    """The sampling variance each area enters an area-level model with, and where it came from."""

    areas: tuple[str, ...]
    variance: tuple[float, ...]
    smoothed: tuple[bool, ...]
    gvf: GvfResult | None
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        return pa.table(
            {
                "area": list(self.areas),
                "variance": list(self.variance),
                "smoothed": list(self.smoothed),
            }
        )


def smoothed_variances(
    direct: DirectEstimates, *, min_psu: int = 2, smooth_all: bool = False
) -> SmoothedVariances:
    """Return each area's variance: the direct one when stable, else the GVF prediction.

    A variance is unstable when it comes from fewer than ``min_psu`` PSUs or is zero (every
    sampled person poor, or none). The GVF is log-linear in ``log n`` and the log of the
    estimate, fitted on the areas with a positive variance, and an unstable area's variance is
    its prediction at the area's sample size and the *district* estimate. Predicting at the
    area's own estimate would tie the variance to the estimate (a zero estimate would get a
    tiny variance and the largest weight in the model, pulling the regression towards zero);
    at the district level the variance reflects the sample size only, the usual choice for
    smoothed variances of rates (e.g. ``deff p(1-p)/n`` with ``p`` a stable rate). With
    ``smooth_all`` every area gets the prediction (direct variances of a few PSUs are noisy and
    correlated with their estimate even when positive).

    References
    ----------
    Wolter (2007), ch. 7; Rao & Molina (2015), ch. 6.
    """
    names = [a.area for a in direct.areas]
    # Rounding leaves ~1e-35 where the exact variance is zero; such values are zeros.
    variance = np.array([a.variance if a.se > _ZERO_SE else 0.0 for a in direct.areas], dtype=float)
    unstable = np.array(
        [
            smooth_all or a.psus < min_psu or not (v > 0)
            for a, v in zip(direct.areas, variance, strict=True)
        ],
        dtype=bool,
    )
    if not unstable.any():
        return SmoothedVariances(
            tuple(names), tuple(map(float, variance)), (False,) * len(names), None, ()
        )
    try:
        fitted = gvf(
            names,
            [a.estimate if a.estimate > 0 else direct.district for a in direct.areas],
            [v if v > 0 else None for v in variance],
            [a.n for a in direct.areas],
            predictor="log",
        )
    except InvalidInput as exc:
        raise InvalidInput(
            "gvf_failed", param="survey", count=int(unstable.sum()), findings=(exc.finding(),)
        ) from None
    c = fitted.coefficients
    n = np.array([a.n for a in direct.areas], dtype=float)
    smoothed = fitted.smearing * np.exp(
        c["intercept"] + c["log_n"] * np.log(n) + c["log_estimate"] * np.log(direct.district)
    )
    used = np.where(unstable, smoothed, variance)
    smoothed_count = {"count": int(unstable.sum()), "areas": len(names)}
    findings = (
        *fitted.findings,
        Finding("variance_smoothed", "info", {**smoothed_count, "r_squared": fitted.r_squared})
        if smooth_all
        else Finding(
            "variance_smoothed_unstable",
            "info",
            {**smoothed_count, "r_squared": fitted.r_squared, "min_psu": min_psu},
        ),
    )
    return SmoothedVariances(
        tuple(names), tuple(map(float, used)), tuple(map(bool, unstable)), fitted, findings
    )


def _share(condition: BooleanValue) -> Value:
    return condition.cast("float64").mean()


def _predicates(table: Table, programmes: Mapping[str, Any]) -> dict[str, BooleanValue]:
    """Return the catalogue's unfit-house and sanitation predicates compiled over ``table``."""
    cat = catalogue(programmes)
    found = {p.name: p.rule for p in cat.predicates if p.name in _PREDICATES}
    missing = [n for n in _PREDICATES if n not in found]
    if missing:
        raise InvalidInput("sae_predicate_missing", param=missing[0], predicate=missing[0])
    return {name: compile_rule(found[name], table) for name in _PREDICATES}


def registry_families(
    families: Table, persons: Table, *, on: date, programmes: Mapping[str, Any]
) -> Table:
    """Return registry families with their head's characteristics and the two predicates.

    ``programmes`` is the kit's programme catalogue document (it defines the predicates).
    """
    features = family_features(families, persons, on=on)
    return features.mutate(**_predicates(features, programmes))


def area_covariates(
    families: Table,
    persons: Table,
    villages: Table | None,
    *,
    level: Level,
    on: date,
    programmes: Mapping[str, Any],
) -> Table:
    """Return one row per area of the registry with :data:`AREA_COVARIATES`, families, persons.

    Shares are of families (a family with no living head counts in no head share); the
    distance to a puskesmas is the mean over the area's desa in the village table, and so is
    ``village_<column>`` for every other numeric or yes/no column of that table (Podes-style
    context variables an area-level model may use, named in the kit).
    """
    f = registry_families(families, persons, on=on, programmes=programmes)
    f = f.mutate(**{AREA: area_of(f, level)})
    grouped = f.group_by(AREA).aggregate(
        families=f.count(),
        persons=f.family_size.sum().cast("float64"),
        share_desil12=_share(f.desil.fill_null(99) <= 2),
        share_no_sanitation=_share(f.no_proper_sanitation),
        share_unfit_house=_share(f.unfit_house),
        share_earth_floor=_share(f.floor_material == "tanah"),
        share_head_primary=_share(f.head_education.isin(_PRIMARY_OR_LESS)),
        urban_share=_share(f.urban),
        mean_family_size=f.family_size.cast("float64").mean(),
    )
    if villages is None:
        import ibis

        return grouped.mutate(distance_puskesmas_km=ibis.null("float64"))
    v = villages.mutate(**{AREA: area_of(villages, level)})
    numeric = [
        name
        for name, kind in v.schema().items()
        if name not in ("desa_code", AREA, "distance_puskesmas_km")
        and (kind.is_numeric() or kind.is_boolean())
    ]
    access = v.group_by(AREA).aggregate(
        distance_puskesmas_km=v.distance_puskesmas_km.cast("float64").mean(),
        **{f"village_{name}": v[name].cast("float64").mean() for name in numeric},
    )
    joined = grouped.left_join(access, AREA)
    return joined.drop(f"{AREA}_right") if f"{AREA}_right" in joined.columns else joined


def _flag(condition: BooleanValue) -> Value:
    return condition.fill_null(False).cast("float64")


def _units(
    table: Table,
    size: Value,
    head_education: Value,
    head_female: Value,
    head_sector: Value,
    predicates: dict[str, BooleanValue],
) -> dict[str, Value]:
    return {
        "household_size": size.cast("float64"),
        "urban": _flag(table.urban),
        "head_primary": _flag(head_education.isin(_PRIMARY_OR_LESS)),
        "head_female": _flag(head_female),
        "head_agriculture": _flag(head_sector.isin(_AGRICULTURE)),
        "earth_floor": _flag(table.floor_material == "tanah"),
        "unfit_house": _flag(predicates["unfit_house"]),
        "no_proper_sanitation": _flag(predicates["no_proper_sanitation"]),
        "electricity_pln": _flag(table.electricity == "pln_meteran"),
        "cooking_wood": _flag(table.cooking_fuel.isin(("kayu_bakar", "arang"))),
        "has_refrigerator": _flag(table.has_refrigerator),
        "has_motorcycle": _flag(table.has_motorcycle),
        "has_smartphone": _flag(table.has_smartphone),
        "has_television": _flag(table.has_television),
    }


def _with_context(units: Table, families: Table, level: Level) -> Table:
    f = families.mutate(**{AREA: area_of(families, level)})
    context = f.group_by(AREA).aggregate(area_share_desil12=_share(f.desil.fill_null(99) <= 2))
    joined = units.left_join(context, AREA)
    joined = joined.drop(f"{AREA}_right") if f"{AREA}_right" in joined.columns else joined
    return joined.mutate(area_share_desil12=joined.area_share_desil12.fill_null(0.0))


def sample_units(
    survey: Table, families: Table, *, level: Level, programmes: Mapping[str, Any]
) -> Table:
    """Return one row per survey household: id, area, welfare, weight, :data:`UNIT_COVARIATES`.

    ``sampling_weight`` is the household's design weight (for the pseudo-EBP).

    Rows are ordered by ``household_id`` (engines return joins in any order, and the EBP's
    random draws follow the row order: a fixed order makes a seed reproducible).

    ``area_share_desil12`` is the share of desil 1–2 families of the household's area in the
    registry (a contextual covariate, known for every area).
    """
    s = survey.mutate(
        floor_area_per_person=survey.floor_area_m2.cast("float64") / survey.household_size
    )
    predicates = _predicates(s, programmes)
    values = _units(s, s.household_size, s.head_education, s.head_female, s.head_sector, predicates)
    units = s.select(
        "household_id",
        "desa_code",
        **{AREA: area_of(s, level)},
        welfare=s[WELFARE].cast("float64"),
        sampling_weight=s.weight.cast("float64"),
        **values,
    )
    return _with_context(units, families, level).order_by("household_id")


def census_units(
    families: Table,
    persons: Table,
    *,
    level: Level,
    on: date,
    programmes: Mapping[str, Any],
) -> Table:
    """Return one row per registry family (ordered by ``family_id``): desa, area, covariates.

    The census of the EBP: the same proxies as :func:`sample_units`, computed from the
    family record and its living head in ``persons`` at ``on``; ``household_size`` is the
    census weight that makes area rates rates of persons.
    """
    f = registry_families(families, persons, on=on, programmes=programmes)
    predicates = {name: f[name] for name in _PREDICATES}
    values = _units(f, f.family_size, f.head_education, f.head_female, f.head_sector, predicates)
    units = f.select("family_id", "desa_code", **{AREA: area_of(f, level)}, **values)
    return _with_context(units, families, level).order_by("family_id")
