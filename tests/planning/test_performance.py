"""Achievement with polarity, zero targets, bands and traffic lights (hand-computed cases)."""

from __future__ import annotations

import pytest

from rpkd import params
from rpkd.errors import InvalidInput, NotFound
from rpkd.planning.performance import Measured, achievement, as_estimate, assess, band_scheme

BANDS = params.load("bands")


@pytest.mark.parametrize(
    ("realisation", "target", "polarity", "expected"),
    [
        (80.0, 100.0, "higher", 80.0),  # 80 / 100
        (98.5, 98.0, "higher", 100.51020408163265),  # 98.5 / 98
        (0.0, 50.0, "higher", 0.0),
        (5.5, 5.0, "lower", 90.0),  # (2*5 - 5.5) / 5 = 4.5 / 5
        (4.5, 5.0, "lower", 110.0),  # (10 - 4.5) / 5
        (10.0, 5.0, "lower", 0.0),  # twice the target
        (12.0, 5.0, "lower", -40.0),  # (10 - 12) / 5, not clipped
        (5.2, 5.0, "lower", 96.0),  # (10 - 5.2) / 5 = 4.8 / 5
    ],
)
def test_achievement_by_polarity(
    realisation: float, target: float, polarity: str, expected: float
) -> None:
    assert achievement(realisation, target, polarity) == pytest.approx(expected, rel=1e-12)  # type: ignore[arg-type]


def test_zero_target_lower_is_better() -> None:
    assert achievement(0.0, 0.0, "lower") == 100.0
    assert achievement(-0.1, 0.0, "lower") == 100.0
    assert achievement(0.4, 0.0, "lower", baseline=0.8) == pytest.approx(50.0)  # (0.8-0.4)/0.8
    assert achievement(1.0, 0.0, "lower", baseline=0.8) == pytest.approx(-25.0)  # (0.8-1)/0.8
    assert achievement(0.4, 0.0, "lower") == 0.0  # no baseline
    assert achievement(0.4, 0.0, "lower", baseline=0.0) == 0.0


def test_zero_target_higher_is_better_and_negative_targets() -> None:
    assert achievement(3.0, 0.0, "higher") == 100.0
    assert achievement(-1.0, 0.0, "higher") == 0.0
    with pytest.raises(InvalidInput) as caught:
        achievement(1.0, -2.0, "higher")
    assert caught.value.code == "achievement_target_negative"


@pytest.mark.parametrize(
    ("value", "band", "light"),
    [
        (120.0, "Sangat Tinggi", "green"),
        (91.0, "Sangat Tinggi", "green"),
        (90.5, "Sangat Tinggi", "green"),
        (90.0, "Tinggi", "green"),
        (76.0, "Tinggi", "green"),
        (75.0, "Sedang", "yellow"),
        (66.0, "Sedang", "yellow"),
        (65.0, "Rendah", "red"),
        (51.0, "Rendah", "red"),
        (50.0, "Sangat Rendah", "red"),
        (-40.0, "Sangat Rendah", "red"),
    ],
)
def test_permendagri_bands(value: float, band: str, light: str) -> None:
    chosen = band_scheme(BANDS).classify(value)
    assert (chosen.label_id, chosen.light) == (band, light)


def test_default_scheme_carries_source_and_caveat_and_six_band_alternative() -> None:
    default = band_scheme(BANDS)
    assert default.code == "permendagri_86_2017"
    assert "86/2017" in default.source and "verify" in default.caveat
    six = band_scheme(BANDS, "lkjip_enam")
    assert len(six.bands) == 6
    assert six.classify(85.1).label_id == "Memuaskan"
    assert six.classify(85.0).label_id == "Sangat Baik"
    assert six.classify(30.0).label_id == "Kurang"
    with pytest.raises(NotFound) as caught:
        band_scheme(BANDS, "tujuh")
    assert caught.value.params["available"] == ["permendagri_86_2017", "lkjip_enam"]


def test_assess_with_estimate_interval_and_missing_values() -> None:
    estimate = as_estimate(
        {"estimate": 0.051, "se": 0.003, "ci_low": 0.045, "ci_high": 0.057}, scale=100
    )
    assert estimate.estimate == pytest.approx(5.1)
    items = [
        Measured(
            "indicator",
            "P0",
            "P0",
            "persen",
            "lower",
            5.0,
            estimate.estimate,
            ci_low=estimate.ci_low,
            ci_high=estimate.ci_high,
        ),
        Measured("indicator", "JKN", "JKN", "persen", "higher", 98.0, None),
        Measured("activity", "K01", "RTLH", "Rp", "higher", 2.0e9, 0.9e9),
        Measured("activity", "K02", "PKH", "Rp", "higher", None, 1.0e9),
    ]
    table = assess(items, band_scheme(BANDS))
    p0, jkn, k01, k02 = table.rows
    assert p0.achievement == pytest.approx(98.0)  # (10 - 5.1) / 5
    assert p0.achievement_low == pytest.approx(86.0)  # CI high 5.7: (10 - 5.7) / 5
    assert p0.achievement_high == pytest.approx(110.0)  # CI low 4.5: (10 - 4.5) / 5
    assert (p0.band, p0.light, p0.lagging) == ("Sangat Tinggi", "green", False)
    assert jkn.achievement is None and jkn.band is None
    assert (jkn.status, k02.status, k02.lagging) == ("no_realisation", "no_target", False)
    assert [(f.code, f.field) for f in table.findings] == [
        ("performance_no_realisation", "indicator[JKN].realisation"),
        ("performance_no_target", "activity[K02].target"),
    ]
    assert k01.achievement == pytest.approx(45.0) and k01.lagging
    assert [r.code for r in table.lagging] == ["K01"]
    assert table.to_arrow().num_rows == 4


def test_unscored_items_say_why_and_never_count_as_on_track_or_lagging() -> None:
    items = [
        Measured("indicator", "P0", "P0", "persen", "lower", 5.0, 5.1),  # 98: scored, green
        Measured("indicator", "KE", "KE", "persen", "lower", 0.0, None),  # no realisation yet
        Measured("indicator", "JKN", "JKN", "persen", "higher", None, 97.0),  # no target yet
        Measured("indicator", "RLS", "RLS", "tahun", "higher", None, None),  # neither: no target
        Measured("activity", "K01", "RTLH", "Rp", "higher", 2.0e9, 0.9e9),  # 45: scored, red
    ]
    table = assess(items, band_scheme(BANDS))
    assert [r.status for r in table.rows] == [
        "scored",
        "no_realisation",
        "no_target",
        "no_target",
        "scored",
    ]
    assert [r.lagging for r in table.rows] == [False, False, False, False, True]
    assert [r.light for r in table.rows] == ["green", None, None, None, "red"]
    assert table.counts() == {"scored": 2, "no_target": 2, "no_realisation": 1, "lagging": 1}
    assert table.to_arrow().column("status").to_pylist() == [r.status for r in table.rows]
