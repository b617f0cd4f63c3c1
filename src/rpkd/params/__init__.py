"""Parameter kits: poverty lines, programmes, indicators, bands as data with their sources.

A kit is a folder of TOML files shipped in ``rpkd/params/<kit>/``; ``indonesia`` is the national
default and ``kapuas`` adds the district's own values. A workspace may override any file by
placing one of the same name in ``<workspace>/params/``. Every number carries a ``source``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from rpkd.errors import InvalidInput, NotFound

LineKind = Literal["poverty", "extreme"]


def load(topic: str, *, kit: str = "indonesia", workspace: Path | None = None) -> dict[str, Any]:
    """Return the TOML document ``<kit>/<topic>.toml`` (a workspace copy wins if present)."""
    if workspace is not None:
        override = workspace / "params" / f"{topic}.toml"
        if override.is_file():
            return tomllib.loads(override.read_text(encoding="utf-8"))
    source = resources.files("rpkd").joinpath(f"params/{kit}/{topic}.toml")
    if not source.is_file():
        raise NotFound(
            "params_missing", f"parameter file {kit}/{topic}.toml does not exist", param=topic
        )
    return tomllib.loads(source.read_text(encoding="utf-8"))


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


def poverty_lines(*, workspace: Path | None = None) -> tuple[PovertyLine, ...]:
    """Return every poverty line in the kit."""
    doc = load("poverty_lines", workspace=workspace)
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


def poverty_line(
    kind: LineKind,
    region: str,
    on: date,
    *,
    urban: bool | None = None,
    workspace: Path | None = None,
) -> PovertyLine:
    """Return the line of ``kind`` in force on ``on`` for ``region`` (most specific region wins).

    A line given for a province applies to its kabupaten/kota when they have none of their own;
    the national line (region ``"00"``) applies everywhere else.
    """
    candidates = [
        line
        for line in poverty_lines(workspace=workspace)
        if line.kind == kind
        and line.valid_from <= on
        and (line.valid_to is None or on <= line.valid_to)
        and (line.region == "00" or region == line.region or region.startswith(line.region + "."))
        and (line.urban is None or urban is None or line.urban == urban)
    ]
    if not candidates:
        raise InvalidInput(
            "line_missing", f"no {kind} line for {region} on {on.isoformat()}", param="line"
        )
    return max(
        candidates,
        key=lambda line: (len(line.region) if line.region != "00" else 0, line.urban is not None),
    )
