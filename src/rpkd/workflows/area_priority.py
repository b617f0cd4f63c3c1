"""Use case: the priority areas (kantong kemiskinan) of one area, drilled down as the Profil page
(the web app's Profil kemiskinan, section "Kantong kemiskinan").

For a release and an area (the district when none is given) :func:`area_priorities` returns the
priority classes of the areas one level below it (a desa: the desa of its kecamatan), taken from
the district-wide ranking of :func:`rpkd.workflows.priority.priority_areas` (every kecamatan, or
every desa of the district, competing for the k poorest places; the kit's ``k``, draws and
thresholds, seed 1): a kecamatan's desa keep their district-wide probabilities and classes.

Permission is the Profil page's (:func:`rpkd.workflows.area_profile.poverty_profile`):
``aggregate.read`` on the area, and the areas listed (and given figures on the map) are only
those the actor may read too; the others are counted as withheld. Desil 1–2 families are the
published profile's (small cells suppressed) for every actor.

A ranking of an immutable release never changes, so it is kept in memory per release, kit and
method: a drill-down only filters it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale, regions
from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.findings import Finding
from rpkd.sae.priority_calibration import CODES, calibration_finding
from rpkd.workflows import cache, gate
from rpkd.workflows.area_profile import Place
from rpkd.workflows.priority import PriorityArea, PriorityAreas
from rpkd.workflows.results import dataclass_table, plain

if TYPE_CHECKING:
    from rpkd.locale import Lang
    from rpkd.workflows.workspace import Workspace

__all__ = ["AreaPriorities", "area_priorities"]

_TOPICS = ("poverty_lines", "precision", "sae", "programmes", "profile")
_RANKINGS: cache.ResultCache[PriorityAreas] = cache.ResultCache(32)
_CHARTS: cache.ResultCache[dict[str, Any]] = cache.ResultCache(64)


@dataclass(frozen=True)
class AreaPriorities:
    """The priority classes of the areas below ``area`` (a desa: of its kecamatan's desa).

    ``ranking`` is the district-wide result the classes come from (its parameters: level, k,
    draws, seed, thresholds), None when the areas could not be estimated (``findings`` say
    why); ``areas`` the rows of the areas listed, those the actor may read, class 1 first;
    ``withheld`` how many areas of ``parent`` it may not read (no figures shown).
    """

    release: str
    reference_date: date
    area: Place
    parent: Place
    level: str
    ranking: PriorityAreas | None = field(repr=False)
    areas: tuple[PriorityArea, ...]
    withheld: int = 0
    findings: tuple[Finding, ...] = ()
    key: str = field(default="", compare=False)

    def counts(self) -> dict[int, int]:
        """Return how many of the areas listed are in each class (1, 2, 3)."""
        return {c: sum(1 for a in self.areas if a.priority == c) for c in (1, 2, 3)}

    def estimated(self) -> int:
        """Return how many areas of the district were ranked (had an estimate)."""
        if self.ranking is None:
            return 0
        found = next((f for f in self.ranking.findings if f.code == "priority_classes"), None)
        return int(found.params["areas"]) if found else len(self.ranking.areas)

    def certainty(self, lang: Lang = "id") -> str:
        """Return the sentences saying how many areas are in each class and how sure a class
        is (the thresholds, the draws and their Monte Carlo error), and how often such a class
        held on synthetic districts with a known truth
        (:func:`rpkd.sae.priority_calibration.calibration_finding`); empty without a ranking."""
        if self.ranking is None:
            return ""
        counts = self.counts()
        first, second, third = (locale.percent(t, lang, 0) for t in self.ranking.thresholds)
        draws = self.ranking.draws
        level = locale.label(f"priority.level.{self.level}", lang)
        text = locale.message(
            "area_priority_certainty", lang, shown=len(self.areas), level=level,
            area=self.parent.name, p1=counts[1], p2=counts[2], p3=counts[3],
            first=first, second=second, third=third, k=self.ranking.k,
            estimated=self.estimated(), draws=locale.number(draws, lang, 0),
            method=locale.label(f"sae.method.{self.ranking.method}", lang),
            error=locale.number(100 * 0.5 / draws**0.5, lang, 1),
        )  # fmt: skip
        measured = calibration_finding(self.level, self.ranking.method)
        return text if measured is None else f"{text} {locale.render(measured, lang)}"

    def charts(self, lang: Lang = "id", *, boundaries: str | None = None) -> dict[str, Any]:
        """Return the priority-class map (``map``, :func:`rpkd.workflows.priority.priority_map`:
        the documents' figure) of the areas listed; ``boundaries`` a URL template with
        ``{region}`` and ``{depth}`` (the web's), None to embed the boundaries. Empty without
        a ranking."""
        from rpkd.workflows.priority import priority_map

        ranking = self.ranking
        if ranking is None:
            return {}

        def build() -> dict[str, Any]:
            shown = PriorityAreas(**{**vars(ranking), "areas": self.areas})
            return {"map": priority_map(shown, self.parent.code, lang, boundaries=boundaries)}

        if not self.key:
            return build()
        return _CHARTS.get(cache.digest("priority-charts", self.key, lang, boundaries), build)[0]

    def notes(self, lang: Lang = "id") -> tuple[str, ...]:
        """Return the findings (why there is no ranking; the model's notes but the class
        counts) as sentences."""
        from rpkd.workflows import release_view

        own = () if self.ranking is None else self.ranking.findings
        said = ("priority_classes", *CODES)  # in the certainty sentences
        found = (*self.findings, *(f for f in own if f.code not in said))
        return release_view.notes(found, lang)

    def to_arrow(self) -> pa.Table:
        """Return one row per area listed (:class:`~rpkd.workflows.priority.PriorityArea`)."""
        return dataclass_table(PriorityArea, self.areas)

    def to_json(self) -> dict[str, Any]:
        ranking = {} if self.ranking is None else self.ranking.to_json()
        head = {k: v for k, v in ranking.items() if k not in ("areas", "findings", "map_file")}
        return dict(
            plain(
                {
                    **head,
                    "reference_date": self.reference_date,
                    "area": vars(self.area),
                    "parent": vars(self.parent),
                    "withheld": self.withheld,
                    "level": self.level,
                    "areas": [asdict(a) for a in self.areas],
                    "findings": [f.to_json() for f in self.findings],
                }
            )
        )


def area_priorities(
    ws: Workspace,
    release: str | None = None,
    *,
    area: str | None = None,
    method: str | None = None,
) -> AreaPriorities:
    """Return the priority classes of the areas below ``area`` in ``release`` (see the module's
    description); ``release`` and ``area`` default as for the Profil page.

    Examples
    --------
    >>> with Workspace.open("rpkd-workspace") as ws:  # doctest: +SKIP
    ...     shown = area_priorities(ws, "kapuas-demo", area="62.03.09")
    """
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.area_profile import _listed, _newest, _place, _readable, _registries
    from rpkd.workflows.sae import map_method

    method = map_method(ws, method)
    wanted = None if not area else regions.region(area).code
    if release is None:
        chosen = _newest(_readable(ws, wanted)) or _newest(_registries(ws))
        if chosen is None:
            raise NotFound("profile_no_release", param="release")
    else:
        chosen = open_release(ws.path, release)
    if chosen.region is None:
        raise InvalidInput("release_region_missing", param="release", release=chosen.name)
    place = _place(ws, chosen, wanted)
    if not regions.contains(chosen.region, place.code):
        raise NotFound("profile_area_outside", param="area", area=place.code, release=chosen.name,
                       region=chosen.region)  # fmt: skip
    gate.authorise(ws.actor, "aggregate.read", Scope(region=place.code))
    listed, withheld = _listed(ws, place)
    if place.depth == "kabupaten":
        level, parent = "kecamatan", place
    else:
        level = "desa"
        above = place if place.depth == "kecamatan" else regions.ancestor(place.code, "kecamatan")
        parent = Place(above.code, above.name, "kecamatan")
    key = cache.digest(
        "priority", str(ws.path.resolve()), chosen.name, cache.release_digest(chosen),
        cache.kit_digest(ws, _TOPICS), level, method,
    )  # fmt: skip
    readable = {code for code, _ in listed}
    found: tuple[Finding, ...] = ()
    try:
        ranking: PriorityAreas | None = _RANKINGS.get(
            key, lambda: _ranking(ws, chosen.name, level, method)
        )[0]
    except (InvalidInput, UsageError) as exc:  # too few areas estimated: said, not failed
        ranking = None
        found = (Finding("dashboard_map_missing", "warning", {"release": chosen.name}),
                 Finding(exc.code, "warning", exc.params, field=exc.param))  # fmt: skip
    return AreaPriorities(
        release=chosen.name,
        reference_date=chosen.reference_date,
        area=place,
        parent=parent,
        level=level,
        ranking=ranking,
        areas=() if ranking is None else tuple(a for a in ranking.areas if a.code in readable),
        withheld=withheld,
        findings=found,
        key="" if ranking is None else cache.digest(key, parent.code, sorted(readable)),
    )


def _ranking(ws: Workspace, release: str, level: str, method: str) -> PriorityAreas:
    from rpkd.workflows.priority import priority_areas

    return priority_areas(ws, release, level=level, method=method)


def clear_cache() -> None:
    """Forget the rankings and charts kept in this process."""
    _RANKINGS.clear()
    _CHARTS.clear()
