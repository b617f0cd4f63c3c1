"""The example scenarios parse with the kit, and docs/scenarios.md documents every key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpkd.params import load
from rpkd.simulation.scenario import PACKAGE_KEYS, read_scenario
from rpkd.targeting.eligibility import catalogue

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("scenario-*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_scenario_reads_without_findings(path: Path) -> None:
    s = read_scenario(path.read_text(encoding="utf-8"), catalogue=catalogue(load("programmes")),
                      defaults=load("scenarios"), file=path.name)  # fmt: skip
    assert s.packages and s.findings == ()


def test_there_are_examples_and_every_key_is_documented() -> None:
    assert len(EXAMPLES) >= 3
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    missing = [key for key in sorted(PACKAGE_KEYS) if f"`{key}`" not in text]
    assert not missing, missing
