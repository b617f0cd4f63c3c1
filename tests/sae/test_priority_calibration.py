"""The measured calibration of Prioritas 1 (``rpkd/data/priority_calibration.json``, written by
``benchmarks/priority_calibration.py --write``): its source, and the sentence quoting it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest

from rpkd import locale, params
from rpkd.sae.priority import priority_rule
from rpkd.sae.priority_calibration import as_finding, calibration_finding, measured

ROOT = Path(__file__).parents[2]
DATA = json.loads(
    resources.files("rpkd").joinpath("data/priority_calibration.json").read_text("utf-8")
)


def test_the_figure_comes_with_its_source() -> None:
    source = DATA["source"]
    assert (ROOT / source["script"]).is_file()
    assert source["command"].startswith(source["script"])
    assert source["seeds"] and source["families"] > 0
    assert date.fromisoformat(source["date"]) <= datetime.now(UTC).date()
    assert len(source["load_average"]) == 3
    rule = priority_rule(params.load_kit(None).document("sae"))
    for result in DATA["results"]:
        assert 0 <= result["truly"] <= result["areas"]
        # measured with the shipped kit's Prioritas 1 threshold and k, so the sentence fits it
        assert result["threshold"] == rule.thresholds[0]
        assert result["k"] == rule.k[result["level"]]
    assert {(r["method"], r["level"]) for r in DATA["results"]} == {
        ("fh", "kecamatan"),
        ("fh", "desa"),
        ("ebp", "kecamatan"),
        ("ebp", "desa"),
    }


@pytest.mark.parametrize("method", ["fh", "ebp"])
@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_the_sentence_carries_the_measured_figure_in_both_languages(
    level: str, method: str
) -> None:
    [row] = [r for r in DATA["results"] if (r["level"], r["method"]) == (level, method)]
    share = row["truly"] / row["areas"]
    found = calibration_finding(level, method)
    assert found is not None and found.severity == "info"
    overstated = share < row["threshold"]
    assert found.code == ("priority_calibration_overstated" if overstated else
                          "priority_calibration_held")  # fmt: skip
    pct = f"{round(100 * share)}%"
    indonesian = locale.render(found, "id")
    english = locale.render(found, "en")
    figure = f"{row['truly']} ({pct})"
    assert f"dari {row['areas']} {level} yang diberi peluang ≥ 80%" in indonesian
    assert f"of the {row['areas']} {level} given a probability ≥ 80%" in english
    assert figure in indonesian and figure in english
    assert f"{len(DATA['source']['seeds'])} kabupaten sintetis" in indonesian
    day = date.fromisoformat(DATA["source"]["date"])
    assert locale.date_text(day, "id") in indonesian and locale.date_text(day, "en") in english
    assert ("melebihi kenyataan" in indonesian) == overstated
    assert ("overstate reality" in english) == overstated


def test_the_class_is_said_to_overstate_only_below_its_threshold() -> None:
    """By hand: 12 of 20 (60%) below a threshold of 80% overstates; 16 of 20 (80%) holds."""
    base = measured("desa", "fh")
    assert base is not None
    low = as_finding(replace(base, areas=20, truly=12, threshold=0.8))
    assert low is not None and low.code == "priority_calibration_overstated"
    assert low.params["share"] == pytest.approx(0.6)
    assert "hanya 12 (60%) yang memang termasuk" in locale.render(low, "id")
    held = as_finding(replace(base, areas=20, truly=16, threshold=0.8))
    assert held is not None and held.code == "priority_calibration_held"
    assert "16 (80%) truly were." in locale.render(held, "en")
    assert as_finding(replace(base, areas=0, truly=0)) is None  # no area reached the threshold


def test_an_unmeasured_method_says_nothing() -> None:
    assert measured("desa", "direct") is None and calibration_finding("desa", "direct") is None
