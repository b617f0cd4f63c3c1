"""The dashboard's part that depends on a release alone: headline figures and the district map.

:func:`release_part` returns P0, P1, P2, the extreme-poverty rate and the number of poor with
their 95% intervals (:func:`rpkd.workflows.poverty.poverty_figures`, logit intervals for the
headcounts) and the kecamatan P0 map by Fay–Herriot (:func:`rpkd.workflows.sae.map_release`),
or the findings that say why one is missing. A release never changes, so the part is computed
once: kept in memory and stored beside the release as ``derived/dashboard/<key>.json``, its key
naming the release's manifest digest, the kit's documents used and rpkd's version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from rpkd import locale
from rpkd.errors import RpkdError
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import cache
from rpkd.workflows.area_map import AreaMap, area_map
from rpkd.workflows.results import plain

if TYPE_CHECKING:
    from rpkd.releases.catalog import Release
    from rpkd.workflows.workspace import Workspace

HeadlineKey = Literal["p0", "p1", "p2", "extreme", "poor"]
Verdict = Literal["met", "not_met", "undecided"]

HEADLINES: tuple[tuple[HeadlineKey, str, str], ...] = (
    ("p0", "fgt0", "poverty"),
    ("p1", "fgt1", "poverty"),
    ("p2", "fgt2", "poverty"),
    ("extreme", "fgt0", "extreme"),
    ("poor", "poor", "poverty"),
)
"""The headline figures: key, measure of the estimates table, poverty line kind."""


MAP_LEVEL, MAP_MEASURE = "kecamatan", "fgt0"
_RELEASE_TOPICS = ("poverty_lines", "precision", "sae", "programmes")
_RELEASE_PARTS: cache.ResultCache[ReleasePart] = cache.ResultCache()


@dataclass(frozen=True)
class Headline:
    """One headline figure (a fraction, or persons for ``poor``) against the plan's target.

    ``target`` and ``realisation`` are the plan's values as fractions; ``against_target`` says
    whether the whole 95% interval is on the good side of the target (``met``), on the bad side
    (``not_met``) or straddles it (``undecided``).
    """

    key: HeadlineKey
    measure: str
    line_kind: str
    line: float
    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    population: float
    indicator: str | None = None
    unit: str | None = None
    polarity: str | None = None
    target: float | None = None
    against_target: Verdict | None = None
    realisation: float | None = None
    achievement: float | None = None
    band: str | None = None
    light: str | None = None


@dataclass(frozen=True)
class ReleasePart:
    """What the dashboard takes from a release alone: figures, lines, map and their findings."""

    region: str | None
    reference_date: date
    lines: Mapping[str, float]
    figures: tuple[Headline, ...]
    map: AreaMap | None
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "reference_date": self.reference_date.isoformat(),
            "lines": dict(self.lines),
            "figures": [plain(asdict(f)) for f in self.figures],
            "map": None if self.map is None else self.map.to_json(),
            "findings": [f.to_json() for f in self.findings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReleasePart:
        return cls(
            region=data["region"],
            reference_date=date.fromisoformat(data["reference_date"]),
            lines=dict(data["lines"]),
            figures=tuple(Headline(**f) for f in data["figures"]),
            map=None if data["map"] is None else AreaMap.from_json(data["map"]),
            findings=tuple(finding_from_json(f) for f in data["findings"]),
        )


def finding_from_json(data: Mapping[str, Any]) -> Finding:
    return Finding(
        data["code"],
        data["severity"],
        data.get("params") or {},
        file=data.get("file"),
        sheet=data.get("sheet"),
        row=data.get("row"),
        field=data.get("field"),
        value=data.get("value"),
    )


def cause(exc: RpkdError) -> Finding:
    return Finding(exc.code, "warning", exc.params, field=exc.param)


LEADS = frozenset(
    {"dashboard_figures_missing", "dashboard_map_missing", "dashboard_no_plan",
     "dashboard_path_missing"}
)  # fmt: skip
"""Findings that say what is left out and end in "because:"; the finding after one is its
cause (:func:`cause`)."""


def notes(findings: Sequence[Finding], lang: Lang = "id") -> tuple[str, ...]:
    """Return ``findings`` as whole sentences in ``lang``: each of :data:`LEADS` joined with
    its cause, capitalised, with a full stop; the same sentence once.

    Examples
    --------
    >>> notes([Finding("dashboard_no_plan"), Finding("plan_none"),
    ...        Finding("dashboard_target_missing", "info", {"indicator": "P0", "year": 2025})],
    ...       "en")[1]
    'Indicator P0 has no target for 2025 yet.'
    """
    out: list[str] = []
    lead: str | None = None
    for f in findings:
        text = locale.message(f.code, lang, **f.params)
        if lead is not None:
            out.append(sentence(f"{lead} {text}"))
            lead = None
        elif f.code in LEADS:
            lead = text
        else:
            out.append(sentence(text))
    if lead is not None:
        out.append(sentence(lead.rstrip(" :;")))
    return tuple(dict.fromkeys(out))


def sentence(text: str) -> str:
    """Return ``text`` as a sentence: its first letter capitalised, ending in a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def release_part(ws: Workspace, release: Release) -> tuple[ReleasePart, str]:
    key = cache.digest(
        "dashboard-release",
        str(ws.path.resolve()),
        release.name,
        cache.release_digest(release),
        cache.kit_digest(ws, _RELEASE_TOPICS),
        MAP_LEVEL,
        MAP_MEASURE,
    )

    def build() -> ReleasePart:
        stored = cache.stored_json(
            ws, release, "dashboard", key, lambda: _compute_release_part(ws, release).to_json()
        )
        return ReleasePart.from_json(stored)

    return _RELEASE_PARTS.get(key, build)[0], key


def _compute_release_part(ws: Workspace, release: Release) -> ReleasePart:
    from rpkd.workflows.poverty import poverty_figures
    from rpkd.workflows.sae import map_release

    found: list[Finding] = []
    lines: dict[str, float] = {}
    figures: tuple[Headline, ...] = ()
    try:
        result = poverty_figures(ws, release.name)
    except RpkdError as exc:
        found += [Finding("dashboard_figures_missing", "warning", {"release": release.name}),
                  cause(exc)]  # fmt: skip
    else:
        lines = {kind: line.value for kind, line in result.lines.items()}
        rows = []
        for key, measure, kind in HEADLINES:
            row = result.estimates.find(measure, line=lines[kind])
            rows.append(
                Headline(
                    key=key,
                    measure=measure,
                    line_kind=kind,
                    line=lines[kind],
                    estimate=row.estimate,
                    se=row.se,
                    ci_low=row.ci_low,
                    ci_high=row.ci_high,
                    n=row.n,
                    population=row.population,
                )
            )
        figures = tuple(rows)
    mapped = None
    try:
        mapped = area_map(
            map_release(ws, release.name, level=MAP_LEVEL, measure=MAP_MEASURE, draw=False)
        )
    except RpkdError as exc:
        found += [Finding("dashboard_map_missing", "warning", {"release": release.name}),
                  cause(exc)]  # fmt: skip
    return ReleasePart(
        region=release.region,
        reference_date=release.reference_date,
        lines=lines,
        figures=figures,
        map=mapped,
        findings=tuple(found),
    )


def clear_cache() -> None:
    """Forget the release parts kept in this process (stored ones stay on disk)."""
    _RELEASE_PARTS.clear()
