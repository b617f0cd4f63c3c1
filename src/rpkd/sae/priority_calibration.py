"""How often a Prioritas 1 area truly was among the k poorest: the measured calibration.

``benchmarks/priority_calibration.py --write`` draws synthetic Kapuas districts whose truth is
known, ranks their kecamatan and desa as ``rpkd priority`` does (Fay–Herriot, the kit's ``k``
and thresholds, probabilities by rate) and counts, among the areas given a probability of at
least the first threshold, those truly among the k poorest. The committed result,
``rpkd/data/priority_calibration.json`` (with its script, command, seeds, families, date and
load average), is what the priority sentences of the Profil page, the API and the RPKD's
Bab III quote: :func:`calibration_finding` returns it as a finding, so the figure is never a
literal in code. The finding says the high probabilities overstate reality when the share
measured is below the threshold the class promises (docs/priority.md, "Calibration").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from rpkd.findings import Finding

CODES = ("priority_calibration_held", "priority_calibration_overstated")
_MODELS = {"fh": "Fay–Herriot", "ebp": "EBP"}


@dataclass(frozen=True)
class Measured:
    """The Prioritas 1 result of one method and level, and the run it comes from."""

    method: str
    level: str
    k: int
    threshold: float
    areas: int
    truly: int
    seeds: tuple[int, ...]
    families: int
    day: date
    command: str

    @property
    def share(self) -> float:
        """The share of the areas given a probability ≥ threshold truly among the k poorest."""
        return self.truly / self.areas


@cache
def _measured() -> tuple[Measured, ...]:
    text = resources.files("rpkd").joinpath("data/priority_calibration.json").read_text("utf-8")
    doc = json.loads(text)
    source = doc["source"]
    return tuple(
        Measured(
            method=str(r["method"]),
            level=str(r["level"]),
            k=int(r["k"]),
            threshold=float(r["threshold"]),
            areas=int(r["areas"]),
            truly=int(r["truly"]),
            seeds=tuple(int(s) for s in source["seeds"]),
            families=int(source["families"]),
            day=date.fromisoformat(source["date"]),
            command=str(source["command"]),
        )
        for r in doc["results"]
    )


def measured(level: str, method: str) -> Measured | None:
    """Return the measured result of ``method`` at ``level``, None when none was measured."""
    return next((m for m in _measured() if (m.level, m.method) == (level, method)), None)


def calibration_finding(level: str, method: str) -> Finding | None:
    """Return the measured calibration of Prioritas 1 at ``level`` by ``method`` as an info
    finding (:func:`as_finding`), None when that method and level were not measured."""
    found = measured(level, method)
    return None if found is None else as_finding(found)


def as_finding(found: Measured) -> Finding | None:
    """Return ``found`` as an info finding: code ``priority_calibration_overstated`` when a
    smaller share than the threshold promises truly was among the k poorest, else
    ``priority_calibration_held``; None when no area reached the threshold."""
    if found.areas == 0:
        return None
    code = CODES[1] if found.share < found.threshold else CODES[0]
    return Finding(
        code,
        "info",
        {
            "level": found.level,
            "model": _MODELS.get(found.method, found.method),
            "k": found.k,
            "threshold": found.threshold,
            "areas": found.areas,
            "truly": found.truly,
            "share": found.share,
            "seeds": len(found.seeds),
            "families": found.families,
            "date": found.day,
        },
    )
