"""Parameter kits: poverty lines, programmes, indicators, bands as data with their sources.

A kit is a folder of TOML files shipped in ``rpkd/params/<kit>/``; ``indonesia`` is the national
default and a district kit (``kapuas``) adds the district's own plan. A workspace may override any
topic by placing a file of the same name in ``<workspace>/params/``. Every number carries a
``source``. :func:`load_kit` reads a kit once into a :class:`Kit` value; domain functions take
the documents or values they need from it, never a workspace path.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from rpkd.errors import InvalidInput, NotFound

LineKind = Literal["poverty", "extreme"]
NATIONAL_KIT = "indonesia"
TOPICS = (
    "bands", "documents", "linkage", "monitoring", "mpi", "poverty_lines", "precision", "profile",
    "programmes", "sae", "scenarios", "synth",
)  # fmt: skip


def _packaged(kit: str, topic: str) -> dict[str, Any] | None:
    source = resources.files("rpkd").joinpath(f"params/{kit}/{topic}.toml")
    if not source.is_file():
        return None
    return tomllib.loads(source.read_text(encoding="utf-8"))


def load(topic: str, *, kit: str = NATIONAL_KIT, workspace: Path | None = None) -> dict[str, Any]:
    """Return the TOML document ``<kit>/<topic>.toml`` (a workspace copy wins if present)."""
    if workspace is not None:
        override = workspace / "params" / f"{topic}.toml"
        if override.is_file():
            try:
                return tomllib.loads(override.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise InvalidInput(
                    "params_invalid", param=topic, file=str(override), detail=str(exc)
                ) from exc
    doc = _packaged(kit, topic)
    if doc is None:
        raise NotFound("params_missing", param=topic, kit=kit, topic=topic)
    return doc


@dataclass(frozen=True)
class PovertyLine:
    """A poverty line in rupiah per capita per month, valid for a region and a period."""

    kind: LineKind
    region: str
    value: float
    valid_from: date
    valid_to: date | None
    basis: str
    source: str
    urban: bool | None = None


def parse_lines(doc: Mapping[str, Any]) -> tuple[PovertyLine, ...]:
    """Return the lines of a ``poverty_lines`` document."""
    return tuple(
        PovertyLine(
            kind=row["kind"],
            region=str(row["region"]),
            value=float(row["value"]),
            valid_from=row["valid_from"],
            valid_to=row.get("valid_to"),
            basis=row["basis"],
            source=row["source"],
            urban=row.get("urban"),
        )
        for row in doc["line"]
    )


def select_line(
    lines: tuple[PovertyLine, ...],
    kind: LineKind,
    region: str,
    on: date,
    *,
    urban: bool | None = None,
) -> PovertyLine:
    """Return the line of ``kind`` in force on ``on`` for ``region`` (most specific region wins).

    A line given for a province applies to its kabupaten/kota when they have none of their own;
    the national line (region ``"00"``) applies everywhere else.
    """
    candidates = [
        line
        for line in lines
        if line.kind == kind
        and line.valid_from <= on
        and (line.valid_to is None or on <= line.valid_to)
        and (line.region == "00" or region == line.region or region.startswith(line.region + "."))
        and (line.urban is None or urban is None or line.urban == urban)
    ]
    if not candidates:
        raise InvalidInput("line_missing", param="line", kind=kind, region=region, on=on)
    return max(
        candidates,
        key=lambda line: (len(line.region) if line.region != "00" else 0, line.urban is not None),
    )


@dataclass(frozen=True)
class Kit:
    """The parameters of one workspace, read once: every topic's document, and the plan kit's.

    ``documents`` maps a topic (``poverty_lines``, ``programmes``, ``bands``, ...) to its TOML
    document after workspace overrides; ``plan`` is the district kit's plan document (None for
    a kit without one). Build it with :func:`load_kit`.
    """

    name: str
    documents: Mapping[str, Mapping[str, Any]] = field(repr=False)
    plan: Mapping[str, Any] | None = field(default=None, repr=False)

    def document(self, topic: str, *, sections: tuple[str, ...] = ()) -> Mapping[str, Any]:
        """Return the document of ``topic``; raise :class:`NotFound` if the kit has none.

        ``sections`` are tables the caller reads: a document without one (a workspace file
        holding only the changed keys, when it replaces the whole topic) is refused by name.
        """
        if topic not in self.documents:
            raise NotFound("params_missing", param=topic, kit=self.name, topic=topic)
        document = self.documents[topic]
        for section in sections:
            if not isinstance(document.get(section), Mapping):
                raise InvalidInput(
                    "params_section_missing", param=topic, topic=topic, section=section
                )
        return document

    @cached_property
    def poverty_lines(self) -> tuple[PovertyLine, ...]:
        """Every poverty line of the kit."""
        return parse_lines(self.document("poverty_lines"))

    def poverty_line(
        self, kind: LineKind, region: str, on: date, *, urban: bool | None = None
    ) -> PovertyLine:
        """Return the line of ``kind`` in force on ``on`` for ``region`` (see :func:`select_line`)."""
        return select_line(self.poverty_lines, kind, region, on, urban=urban)

    @property
    def target_year(self) -> int | None:
        """The year extreme poverty should reach zero (the plan kit's, None without one)."""
        if self.plan is None:
            return None
        return int(self.plan["target"]["extreme_poverty_year"])

    @property
    def cv_unreliable_above(self) -> float:
        """The CV above which an estimate is flagged as unreliable (BPS: 25%)."""
        return float(self.document("precision")["cv"]["unreliable_above"])


def load_kit(workspace: Path | None = None, *, plan: str | None = "kapuas") -> Kit:
    """Return the national kit with the district ``plan`` kit and the workspace's overrides.

    A workspace's ``params/<topic>.toml`` replaces the packaged topic (``params/plan.toml``
    replaces the plan kit's plan).
    """
    documents = {topic: load(topic, workspace=workspace) for topic in TOPICS}
    plan_doc = None
    if plan is not None:
        try:
            plan_doc = load("plan", kit=plan, workspace=workspace)
        except NotFound:
            plan_doc = None
    return Kit(name=plan or NATIONAL_KIT, documents=documents, plan=plan_doc)


def plan_kit(name: str, workspace: Path | None = None) -> Mapping[str, Any]:
    """Return the plan document of the district kit ``name`` (a workspace copy wins)."""
    return load("plan", kit=name, workspace=workspace)
