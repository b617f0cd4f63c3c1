"""Survey design (Horvitz-Thompson weights, fpc, strata) and the beneficiary lists' truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from rpkd.releases import schema
from rpkd.synth import SynthResult

Reader = Callable[[Path], pa.Table]


def test_weights_are_inverse_inclusion_probabilities(
    small_parquet: SynthResult, read: Reader
) -> None:
    survey = read(small_parquet.out / "survey.parquet").to_pandas()
    families = read(small_parquet.out / "families.parquet")
    # Horvitz-Thompson: the weights estimate the number of families; with only 6,000 families a
    # desa is a single block and block sizes vary, so only a loose check here (the default run
    # with blocks of ~100 families is checked tightly in test_calibration)
    assert abs(survey.weight.sum() / families.num_rows - 1) < 0.15
    psus = survey.groupby("stratum").psu.nunique()
    assert (psus >= 2).all()
    # SRS at both stages: w = (N_h / n_h) (M_i / m_i) with N_h = fpc1, M_i = fpc2
    n_h = survey.stratum.map(psus)
    m_i = survey.psu.map(survey.groupby("psu").size())
    assert np.allclose(survey.weight, survey.fpc1 / n_h * survey.fpc2 / m_i)
    assert (survey.groupby("psu").fpc2.first() >= survey.groupby("psu").size()).all()
    assert (survey.groupby("stratum").fpc1.first() >= psus).all()
    assert survey.psu.map(lambda p: p[:10]).eq(survey.desa_code.str.replace(".", "")).all()


def test_survey_matches_registry_and_truth(small_parquet: SynthResult, read: Reader) -> None:
    out = small_parquet.out
    survey = read(out / "survey.parquet").to_pandas()
    link = read(out / "truth" / "survey.parquet").to_pandas()
    families = read(out / "families.parquet").to_pandas().set_index("family_id")
    truth = read(out / "truth" / "families.parquet").to_pandas().set_index("family_id")
    merged = survey.merge(link, on="household_id")
    assert len(merged) == len(survey) and merged.family_id.is_unique
    registry = families.loc[merged.family_id]
    assert (registry.family_size.to_numpy() == merged.household_size.to_numpy()).all()
    for column in schema.HOUSING_COLUMNS:
        assert (registry[column].to_numpy() == merged[column].to_numpy()).all(), column
    ratio = (
        merged.expenditure_per_capita.to_numpy()
        / truth.loc[merged.family_id].consumption_per_capita.to_numpy()
    )
    assert ratio.min() > 0.8 and ratio.max() < 1.25  # small measurement noise only


def test_list_rows_link_to_real_persons(small_csv: SynthResult, read: Reader) -> None:
    out = small_csv.out
    persons = read(out / "persons.csv").to_pandas().set_index("person_id")
    truth = read(out / "truth" / "families.csv").to_pandas().set_index("family_id")
    for programme in schema.PROGRAMMES:
        rows = read(out / f"beneficiaries_{programme}.csv").to_pandas()
        links = read(out / "truth" / f"links_{programme}.csv").to_pandas()
        assert rows.record.tolist() == links.record.tolist()
        linked = links[links.person_id != ""]
        assert linked.person_id.isin(persons.index).all()
        # the families of linked rows are exactly the families that receive the programme
        family = persons.loc[linked.person_id, "family_id"]
        receiving = set(truth.index[truth[f"receives_{programme}"] == "true"])
        assert set(family) == receiving, programme
        # most NIKs are as registered; none of the flawed ones silently point elsewhere
        listed = rows.set_index("record").loc[linked.record, "nik"].to_numpy()
        registered = persons.loc[linked.person_id, "nik"].to_numpy()
        assert (listed == registered).mean() > 0.9


def test_lists_have_the_flaws_agencies_make(small_csv: SynthResult, read: Reader) -> None:
    out = small_csv.out
    rows = read(out / "beneficiaries_pbi_jk.csv").to_pandas()
    links = read(out / "truth" / "links_pbi_jk.csv").to_pandas()
    persons = read(out / "persons.csv").to_pandas().set_index("person_id")
    assert (rows.nik == "").mean() > 0.01
    assert rows.nik.str.len().isin([15, 17]).any()
    assert rows.birth_date.str.endswith(("-01-01", "-12-31")).mean() > 0.01
    assert links.person_id[links.person_id != ""].duplicated().any()
    assert (links.person_id == "").any()  # ghosts
    dead = persons.loc[links.person_id[links.person_id != ""], "death_date"]
    assert (dead != "").any()  # deceased persons still listed
    names = rows.name.str.upper()
    assert names.str.contains(r"^(?:MUHAMAD|MOH\.|SITY|ST\.|H\.|HJ\.) ").any()
    assert (rows.name == rows.name.str.upper()).mean() > 0.3
    pkh = read(out / "beneficiaries_pkh.csv").to_pandas()
    assert pkh.birth_date.str.match(r"^\d{2}-\d{2}-\d{4}$").all() or (pkh.birth_date == "").any()
    assert set(pkh.amount.astype(float)) <= {float(a) for a in range(0, 12_000_001, 100_000)}


def test_targeting_errors_are_realistic(small_parquet: SynthResult, read: Reader) -> None:
    out = small_parquet.out
    families = read(out / "families.parquet").to_pandas().set_index("family_id")
    truth = read(out / "truth" / "families.parquet").to_pandas().set_index("family_id")
    joined = families.join(truth)
    poor = joined[joined.poor]
    # desil is a PMT prediction: most poor families are in desil 1-4, not all of them
    share = (poor.desil <= 4).mean()
    assert 0.6 < share < 0.98
    rank = joined.consumption_per_capita.rank(pct=True)
    corr = np.corrcoef(rank, joined.desil)[0, 1]
    assert 0.5 < corr < 0.9
    for programme in ("pkh", "sembako"):
        eligible, receives = joined[f"eligible_{programme}"], joined[f"receives_{programme}"]
        assert (receives & ~eligible).any() and (eligible & ~receives).any()
