"""PMT ranking: OLS against R ``lm(weights=)``, ridge properties, registry desil, rank correlation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from scipy import stats

from rpkd import engine as eng
from rpkd.targeting import ranking
from rpkd.targeting.features import family_features
from rpkd.targeting.pmt_design import matrix, registry_inputs, survey_inputs

GOLDEN = Path(__file__).parents[1] / "golden" / "targeting"


def _survey() -> pa.Table:
    return pacsv.read_csv(GOLDEN / "pmt_survey.csv")


@pytest.fixture
def inputs(engine: eng.Engine) -> pa.Table:
    """The survey's PMT inputs built on each engine (the R golden holds on every one)."""
    return eng.fetch(survey_inputs(eng.table(engine, _survey())))


def test_ols_matches_r_lm_with_weights(inputs: pa.Table) -> None:
    expected = json.loads((GOLDEN / "pmt_ols.json").read_text())
    model = ranking.fit_pmt(inputs, method="ols")
    got = dict(zip(model.terms, model.coefficients, strict=True))
    r2 = expected.pop("r2")
    assert set(got) == set(expected)
    for term, value in expected.items():
        assert got[term] == pytest.approx(value, rel=1e-8, abs=1e-10), term
    assert model.quality.r2 == pytest.approx(r2, rel=1e-10)
    assert model.quality.r2_cv < model.quality.r2  # out of sample fits worse than in sample
    assert 0 <= model.quality.bottom40_exclusion_cv <= 1


def test_ridge_equals_ols_on_augmented_rows(inputs: pa.Table) -> None:
    # Ridge with penalty p on standardised columns = WLS on the data plus rows sqrt(p)·I
    # (Hastie et al. 2009, exercise 3.12), with weights normalised to mean 1.
    model = ranking.fit_pmt(inputs, method="ols")
    w = np.asarray(inputs.column("weight").to_pylist(), float)
    y = np.log(np.asarray(inputs.column("expenditure").to_pylist(), float))
    x = matrix(inputs, model.spec).x
    penalty = 7.5
    got = ranking.solve(x, y, w, penalty)
    wn = w / w.mean()
    mean = wn @ x[:, 1:] / wn.sum()
    sd = np.sqrt(wn @ (x[:, 1:] - mean) ** 2 / wn.sum())
    z = (x[:, 1:] - mean) / sd
    yc = y - wn @ y / wn.sum()
    aug_x = np.vstack([z * np.sqrt(wn)[:, None], np.sqrt(penalty) * np.eye(z.shape[1])])
    aug_y = np.concatenate([yc * np.sqrt(wn), np.zeros(z.shape[1])])
    b, *_ = np.linalg.lstsq(aug_x, aug_y, rcond=None)
    np.testing.assert_allclose(got[1:], b / sd, rtol=1e-9)
    # A vanishing penalty gives the OLS coefficients.
    np.testing.assert_allclose(ranking.solve(x, y, w, 1e-9), model.coefficients, atol=1e-6)


def test_ridge_picks_the_penalty_with_the_smallest_cv_error(inputs: pa.Table) -> None:
    grid = [1e-6, 1.0, 10.0, 1e6]
    model = ranking.fit_pmt(inputs, method="ridge", penalties=grid)
    assert model.penalty in grid
    assert model.penalty != 1e6  # shrinking everything to the mean cannot be best here
    assert model.quality.r2_cv > 0.2


def test_folds_keep_psus_whole() -> None:
    psu = ["a", "a", "b", "c", "c", "d", "e", "e"]
    fold = ranking.folds_of(psu, 2, np.random.default_rng(1))
    for unit in set(psu):
        assert len({f for p, f in zip(psu, fold, strict=True) if p == unit}) == 1
    assert set(fold.tolist()) == {0, 1}


def test_registry_desil_scores_as_numpy_does(
    engine: eng.Engine, inputs: pa.Table, families: pa.Table, persons: pa.Table, on: object
) -> None:
    model = ranking.fit_pmt(inputs, method="ols")
    features = family_features(eng.table(engine, families), eng.table(engine, persons), on=on)
    ranked = {
        r["family_id"]: r for r in eng.fetch(ranking.rank_registry(features, model)).to_pylist()
    }
    # The engine expression and the NumPy design matrix give the same scores.
    reg = eng.fetch(registry_inputs(features))
    by_numpy = matrix(reg, model.spec).x @ np.asarray(model.coefficients)
    for fid, value in zip(reg.column("unit_id").to_pylist(), by_numpy, strict=True):
        assert ranked[fid]["predicted_welfare"] == pytest.approx(value, rel=1e-10)
    # Six families ranked 0..5 from the poorest: desil = floor(10 r / 6) + 1.
    order = sorted(ranked, key=lambda f: (ranked[f]["predicted_welfare"], f))
    assert [ranked[f]["predicted_desil"] for f in order] == [1, 2, 4, 6, 7, 9]


def test_rank_correlation_from_crosstab_equals_spearman() -> None:
    a = [1, 1, 2, 2, 2, 3, 4, 4, 5, 1]
    b = [1, 2, 2, 3, 1, 3, 5, 4, 4, 1]
    cells: dict[tuple[int, int], int] = {}
    for i, j in zip(a, b, strict=True):
        cells[(i, j)] = cells.get((i, j), 0) + 1
    table = pa.table({"desil": [k[0] for k in cells], "predicted_desil": [k[1] for k in cells],
                      "families": list(cells.values())})  # fmt: skip
    assert ranking.rank_correlation(table) == pytest.approx(stats.spearmanr(a, b).statistic)


def test_desil_of_uses_registry_cut_points() -> None:
    cuts = np.arange(1.0, 10.0)  # tops of desil 1..9
    got = ranking.desil_of(np.array([0.5, 1.0, 1.5, 9.0, 9.5]), cuts)
    assert got.tolist() == [1, 1, 2, 9, 10]


def test_households_left_out_are_a_finding(inputs: pa.Table) -> None:
    spent = inputs.column("expenditure").to_pylist()
    spent[0] = 0.0  # no positive expenditure: cannot enter log(expenditure)
    index = inputs.column_names.index("expenditure")
    model = ranking.fit_pmt(inputs.set_column(index, "expenditure", pa.array(spent)))
    (dropped,) = [f for f in model.findings if f.code == "pmt_rows_dropped"]
    assert (dropped.severity, dict(dropped.params)) == ("warning", {"count": 1})
    assert model.quality.n == inputs.num_rows - 1
