"""Achievement (capaian) with polarity, performance bands, traffic lights and lagging items.

Pure functions on values; nothing here touches the database.

Achievement, in percent of target (LKjIP Kab. Maluku Tengah 2021):

- higher is better: ``R / T × 100``;
- lower is better: ``(2T − R) / T × 100`` (that is ``(T − (R − T)) / T``).

Targets of zero need their own rule, because both formulas divide by ``T``:

- lower is better, ``T = 0`` (zero extreme poverty): 100 when ``R ≤ 0``; otherwise, with a
  baseline ``B > 0``, ``(B − R) / B × 100``, the share of the way from the baseline to zero that
  was covered (0 when nothing moved, negative when worse than the baseline); without a usable
  baseline, 0.
- higher is better, ``T = 0``: 100 when ``R ≥ 0``, else 0.

Negative targets are rejected. Achievements are not clipped: above 100 means the target was
beaten, below 0 that the realisation is worse than twice the target's distance.

Every row of a performance table says its ``status``: ``scored``, or why it is not scored yet
(``no_target``, ``no_realisation``). Only scored items have a band, and only scored items in a
red band are lagging: an item without a target or realisation is neither on track nor lagging.

References
----------
Permendagri 86/2017 (RKPD/Renja evaluation bands); LKjIP Kabupaten Maluku Tengah 2021
(capaian formulas, six-band example). See ``params/indonesia/bands.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import pyarrow as pa

from rpkd.errors import InvalidInput, NotFound
from rpkd.findings import Finding
from rpkd.planning.model import Polarity

Light = Literal["green", "yellow", "red"]
Status = Literal["scored", "no_target", "no_realisation"]
STATUSES: tuple[Status, ...] = get_args(Status)


def achievement(
    realisation: float, target: float, polarity: Polarity, *, baseline: float | None = None
) -> float:
    """Return the achievement in percent of target, with the polarity's formula.

    Examples
    --------
    >>> achievement(80, 100, "higher")
    80.0
    >>> achievement(5.5, 5.0, "lower")
    90.0
    >>> achievement(0.4, 0.0, "lower", baseline=0.8)
    50.0
    """
    if target < 0:
        raise InvalidInput("achievement_target_negative", param="target", target=target)
    if target == 0:
        if polarity == "higher":
            return 100.0 if realisation >= 0 else 0.0
        if realisation <= 0:
            return 100.0
        if baseline is not None and baseline > 0:
            return (baseline - realisation) / baseline * 100.0
        return 0.0
    if polarity == "higher":
        return realisation / target * 100.0
    return (2.0 * target - realisation) / target * 100.0


@dataclass(frozen=True)
class Band:
    """One performance band: applies when the achievement is above ``above`` (or always)."""

    label_id: str
    label_en: str
    light: Light
    above: float | None = None


@dataclass(frozen=True)
class BandScheme:
    """A set of bands, best first, with its source and caveat."""

    code: str
    name: str
    source: str
    caveat: str
    bands: tuple[Band, ...]

    def classify(self, value: float) -> Band:
        """Return the band of an achievement (percent)."""
        for band in self.bands:
            if band.above is None or value > band.above:
                return band
        return self.bands[-1]


def band_schemes(doc: Mapping[str, Any]) -> tuple[BandScheme, ...]:
    """Return every band scheme of a ``bands`` document (the kit's ``document("bands")``)."""
    return tuple(
        BandScheme(
            code=s["code"],
            name=s["name"],
            source=s["source"],
            caveat=s.get("caveat", ""),
            bands=tuple(
                Band(b["label_id"], b["label_en"], b["light"], b.get("above")) for b in s["bands"]
            ),
        )
        for s in doc["scheme"]
    )


def band_scheme(doc: Mapping[str, Any], code: str | None = None) -> BandScheme:
    """Return the scheme ``code`` of a ``bands`` document (default: its ``[default].scheme``)."""
    wanted = code or doc["default"]["scheme"]
    schemes = band_schemes(doc)
    for scheme in schemes:
        if scheme.code == wanted:
            return scheme
    raise NotFound("bands_unknown", param="bands", code=wanted, available=[s.code for s in schemes])


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error and confidence interval (as rpkd.measures gives)."""

    estimate: float
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def as_estimate(record: Mapping[str, Any] | Any, *, scale: float = 1.0) -> Estimate:
    """Return an estimate record (dict or object with ``estimate``, ``se``, ``ci_low``,
    ``ci_high``) as an :class:`Estimate`, multiplied by ``scale`` (100 turns the fractions of
    the estimates table into the percentages of a ``persen`` indicator)."""
    get = record.get if isinstance(record, Mapping) else lambda k: getattr(record, k, None)

    def scaled(key: str) -> float | None:
        value = get(key)
        return None if value is None else float(value) * scale

    value = scaled("estimate")
    if value is None:
        raise InvalidInput("estimate_missing", param="estimate")
    return Estimate(value, scaled("se"), scaled("ci_low"), scaled("ci_high"))


@dataclass(frozen=True)
class Measured:
    """An item to assess: its target and realisation (optionally with an interval)."""

    kind: Literal["indicator", "activity"]
    code: str
    name: str
    unit: str
    polarity: Polarity
    target: float | None
    realisation: float | None
    baseline: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    agency: str | None = None


@dataclass(frozen=True)
class Assessed:
    """One row of a performance table."""

    kind: str
    code: str
    name: str
    agency: str | None
    unit: str
    polarity: Polarity
    target: float | None
    realisation: float | None
    achievement: float | None
    achievement_low: float | None
    achievement_high: float | None
    band: str | None
    band_en: str | None
    light: Light | None
    lagging: bool
    status: Status = "scored"


@dataclass(frozen=True)
class PerformanceTable:
    """Achievements, bands and lights of a set of items; ``findings`` name what is missing."""

    scheme: str
    rows: tuple[Assessed, ...]
    findings: tuple[Finding, ...] = field(default=())

    def to_arrow(self) -> pa.Table:
        """Return the rows as an Arrow table."""
        names = list(Assessed.__dataclass_fields__)
        return pa.Table.from_pylist([vars(r) for r in self.rows], schema=_SCHEMA).select(names)

    @property
    def lagging(self) -> tuple[Assessed, ...]:
        """The scored items in a red band."""
        return tuple(r for r in self.rows if r.lagging)

    def counts(self) -> dict[str, int]:
        """Return how many rows have each status, and how many scored rows lag."""
        out: dict[str, int] = {s: sum(r.status == s for r in self.rows) for s in STATUSES}
        return {**out, "lagging": len(self.lagging)}


_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("code", pa.string()),
        ("name", pa.string()),
        ("agency", pa.string()),
        ("unit", pa.string()),
        ("polarity", pa.string()),
        ("target", pa.float64()),
        ("realisation", pa.float64()),
        ("achievement", pa.float64()),
        ("achievement_low", pa.float64()),
        ("achievement_high", pa.float64()),
        ("band", pa.string()),
        ("band_en", pa.string()),
        ("light", pa.string()),
        ("lagging", pa.bool_()),
        ("status", pa.string()),
    ]
)


def _unscored(item: Measured) -> tuple[Assessed, Finding]:
    status: Status = "no_target" if item.target is None else "no_realisation"
    row = Assessed(
        item.kind,
        item.code,
        item.name,
        item.agency,
        item.unit,
        item.polarity,
        item.target,
        item.realisation,
        None,
        None,
        None,
        None,
        None,
        None,
        False,
        status,
    )
    missing = "target" if status == "no_target" else "realisation"
    finding = Finding(
        f"performance_{status}",
        "warning",
        {"kind": item.kind, "code": item.code},
        field=f"{item.kind}[{item.code}].{missing}",
    )
    return row, finding


def assess(items: Sequence[Measured], scheme: BandScheme) -> PerformanceTable:
    """Return the achievement, band, light, lagging flag and status of every item.

    An interval for the achievement is given when the realisation has one (an estimate's
    confidence interval). Items without a target or a realisation keep their row with status
    ``no_target`` or ``no_realisation`` (never lagging) and are reported as findings.
    """
    rows: list[Assessed] = []
    found: list[Finding] = []
    for item in items:
        if item.target is None or item.realisation is None:
            row, finding = _unscored(item)
            rows.append(row)
            found.append(finding)
            continue
        value = achievement(item.realisation, item.target, item.polarity, baseline=item.baseline)
        low = high = None
        if item.ci_low is not None and item.ci_high is not None:
            ends = sorted(
                achievement(bound, item.target, item.polarity, baseline=item.baseline)
                for bound in (item.ci_low, item.ci_high)
            )
            low, high = ends
        band = scheme.classify(value)
        rows.append(
            Assessed(
                item.kind,
                item.code,
                item.name,
                item.agency,
                item.unit,
                item.polarity,
                item.target,
                item.realisation,
                value,
                low,
                high,
                band.label_id,
                band.label_en,
                band.light,
                band.light == "red",
                "scored",
            )
        )
    return PerformanceTable(scheme.code, tuple(rows), tuple(found))
