"""Registry files: schema conformance, NIK/KK structure, heads, family sizes, desil."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rpkd import regions
from rpkd.releases import schema
from rpkd.synth import SynthResult

Reader = Callable[[Path], pa.Table]

ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def test_parquet_columns_and_types_follow_the_release_schema(
    small_parquet: SynthResult, read: Reader
) -> None:
    out = small_parquet.out
    for kind in ("families", "persons", "survey", "villages"):
        table = read(out / f"{kind}.parquet")
        spec = schema.table_schema(kind)
        assert table.column_names == [c.name for c in spec.columns]
        for column in spec.columns:
            assert table.schema.field(column.name).type == ARROW[column.dtype], (kind, column.name)
            values = table[column.name]
            if column.required:
                assert values.null_count == 0, (kind, column.name)
            if column.codes is not None:
                seen = set(pc.unique(values.drop_null()).to_pylist())
                assert seen <= set(column.codes), (kind, column.name, seen - set(column.codes))
            if column.minimum is not None and len(values.drop_null()):
                assert pc.min(values).as_py() >= column.minimum, (kind, column.name)
            if column.maximum is not None and len(values.drop_null()):
                assert pc.max(values).as_py() <= column.maximum, (kind, column.name)
    for programme in schema.PROGRAMMES:
        table = read(out / f"beneficiaries_{programme}.parquet")
        assert table.column_names == [c.name for c in schema.BENEFICIARIES.columns]
        assert set(table["programme"].to_pylist()) == {programme}
        assert table["record"].to_pylist() == [str(i) for i in range(1, table.num_rows + 1)]


def test_csv_uses_iso_dates_and_true_false(small_csv: SynthResult, read: Reader) -> None:
    persons = read(small_csv.out / "persons.csv")
    births = persons["birth_date"].to_pylist()
    assert all(dt.date.fromisoformat(b) for b in births[:2000])
    assert set(persons["chronic_illness"].to_pylist()) == {"true", "false"}
    assert set(persons["pregnant"].to_pylist()) == {"true", "false", ""}
    deaths = [d for d in persons["death_date"].to_pylist() if d]
    assert deaths and all(dt.date.fromisoformat(d) < dt.date(2025, 3, 1) for d in deaths)


def test_codes_are_real_and_inside_the_region(small_parquet: SynthResult, read: Reader) -> None:
    villages = read(small_parquet.out / "villages.parquet")
    codes = villages["desa_code"].to_pylist()
    assert len(codes) == 231 and len(set(codes)) == 231
    assert all(regions.exists(c) and c.startswith("62.03.") for c in codes)
    assert len({c[:8] for c in codes}) == 17
    families = read(small_parquet.out / "families.parquet")
    assert set(families["desa_code"].to_pylist()) <= set(codes)
    urban = dict(zip(families["desa_code"].to_pylist(), families["urban"].to_pylist(), strict=True))
    assert all(urban[c] for c in urban if c[9] == "1")  # kelurahan are urban


def _nik_parts(nik: str) -> tuple[str, int, int, int, int]:
    return nik[:6], int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), int(nik[12:])


def test_nik_structure_and_uniqueness(small_parquet: SynthResult, read: Reader) -> None:
    persons = read(small_parquet.out / "persons.parquet")
    families = read(small_parquet.out / "families.parquet")
    desa_of = dict(
        zip(families["family_id"].to_pylist(), families["desa_code"].to_pylist(), strict=True)
    )
    kecamatan = {regions.plain(k.code) for k in regions.children("62.03")}
    nik = persons["nik"].to_pylist()
    present = [n for n in nik if n is not None]
    assert 0.005 < 1 - len(present) / len(nik) < 0.03  # some persons without NIK
    assert len(set(present)) == len(present)
    moved = 0
    rows = zip(
        nik,
        persons["sex"].to_pylist(),
        persons["birth_date"].to_pylist(),
        persons["family_id"].to_pylist(),
        strict=True,
    )
    for n, sex, birth, family in rows:
        if n is None:
            continue
        assert len(n) == 16 and n.isdigit()
        code, dd, mm, yy, serial = _nik_parts(n)
        assert code in kecamatan
        assert dd - (40 if sex == "P" else 0) == birth.day and mm == birth.month
        assert yy == birth.year % 100 and serial >= 1
        moved += code != regions.plain(desa_of[family][:8])
    assert 0.01 < moved / len(present) < 0.06


def test_kk_numbers_unique_per_family(small_parquet: SynthResult, read: Reader) -> None:
    families = read(small_parquet.out / "families.parquet")
    kk = families["kk_number"].to_pylist()
    assert len(set(kk)) == len(kk)
    for number, desa in zip(kk, families["desa_code"].to_pylist(), strict=True):
        assert len(number) == 16 and number.isdigit()
        assert number[:6] == regions.plain(desa[:8])
        dt.date(2000 + int(number[10:12]), int(number[8:10]), int(number[6:8]))


def test_one_head_per_family_and_size_counts_the_living(
    small_parquet: SynthResult, read: Reader
) -> None:
    persons = read(small_parquet.out / "persons.parquet").to_pandas()
    families = read(small_parquet.out / "families.parquet").to_pandas()
    heads = persons[persons.relation == "kepala_keluarga"].groupby("family_id").size()
    assert (heads.reindex(families.family_id).fillna(0) == 1).all()
    living = persons[persons.death_date.isna()].groupby("family_id").size()
    assert (living.reindex(families.family_id).to_numpy() == families.family_size.to_numpy()).all()
    assert persons.death_date.notna().mean() > 0.001
    pregnant = persons[persons.pregnant.fillna(False).astype(bool)]
    ages = (dt.date(2025, 3, 1) - pregnant.birth_date).map(lambda d: d.days / 365.25)
    assert (pregnant.sex == "P").all() and ages.between(15, 50).all()


def test_desil_are_deciles_of_the_pmt_score(small_parquet: SynthResult, read: Reader) -> None:
    families = read(small_parquet.out / "families.parquet").to_pandas()
    shares = families.desil.value_counts(normalize=True).sort_index()
    assert list(shares.index) == list(range(1, 11))
    assert np.allclose(shares.to_numpy(), 0.1, atol=0.01)
    by_desil = families.groupby("desil").pmt_score.agg(["min", "max"])
    assert (by_desil["max"].to_numpy()[:-1] <= by_desil["min"].to_numpy()[1:]).all()


def test_names_are_indonesian_with_common_tokens(small_parquet: SynthResult, read: Reader) -> None:
    persons = read(small_parquet.out / "persons.parquet").to_pandas()
    men = persons[persons.sex == "L"].name
    women = persons[persons.sex == "P"].name
    assert men.str.startswith("Muhammad ").mean() > 0.08
    assert women.str.match(r"^(Siti|Nur|Nor) ").mean() > 0.08
    assert (~persons.name.str.contains(" ")).mean() > 0.01  # mononyms
    assert persons.name.str.match(r"^(Yohanes|Maria|Petrus|Paulus|Elisabeth) ").any()
