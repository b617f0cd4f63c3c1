"""The district's poverty figures from a release: both kit lines, logit headcount intervals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows.poverty import poverty_figures
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("poverty")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1200, seed=5)
        import_release(ws, root / "synth", "r1")
        yield ws


def test_figures_use_the_kit_lines_at_the_reference_date(workspace: Workspace) -> None:
    figures = poverty_figures(workspace, "r1", by="kecamatan")
    release_region = "62.03"
    for kind in ("poverty", "extreme"):
        line = workspace.kit.poverty_line(kind, release_region, figures.on)
        assert figures.lines[kind] == line
        assert figures.estimates.find("fgt0", line=line.value).estimate >= 0
    records = figures.to_json()
    assert [r["domain"] for r in records[:3]] == [None, None, None]
    assert {r["measure"] for r in records} >= {"fgt0", "fgt1", "fgt2", "poor", "gini", "qsr"}


def test_headcount_intervals_stay_inside_zero_one(workspace: Workspace) -> None:
    """Logit intervals (R svyciprop) for P0 on both lines: no negative lower bound anywhere,
    even in kecamatan with few or no poor in the sample, where Wald bounds go below zero."""
    figures = poverty_figures(workspace, "r1", by="kecamatan")
    headcounts = [r for r in figures.estimates.rows if r.measure == "fgt0"]
    assert all(r.ci == "logit" for r in headcounts)
    for r in headcounts:
        assert r.ci_low is None or 0 <= r.ci_low <= r.estimate <= (r.ci_high or 1) <= 1
    wald = figures.estimates.with_intervals("wald")
    assert any((r.ci_low or 0) < 0 for r in wald.rows if r.measure == "fgt0")
