"""The registry profile as an analyst would write it in pandas: read Parquet, merge, groupby.

``python benchmarks/profile_pandas.py DATA_DIR OUT.parquet [--memory-gb G]`` reads
``DATA_DIR/families`` and ``DATA_DIR/persons`` and writes the desa x desil counts (the same
columns as ``rpkd.measures.characteristics.summary_counts``). With ``--memory-gb`` the process
limits its own address space (``resource.setrlimit``), so running out of memory ends it with a
MemoryError instead of taking the machine down. Criteria: ``rpkd/params/indonesia/profile.toml``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from rpkd import params
from rpkd.measures.characteristics import criteria

REF = pd.Timestamp("2025-03-01")


def profile(data: Path) -> pd.DataFrame:
    c = criteria(params.load_kit(None).document("profile"))
    fam = pd.read_parquet(data / "families")
    per = pd.read_parquet(data / "persons")
    per = per[per["death_date"].isna() | (pd.to_datetime(per["death_date"]) > REF)]
    born = pd.to_datetime(per["birth_date"])
    age = (
        REF.year - born.dt.year - ((born.dt.month * 100 + born.dt.day) > REF.month * 100 + REF.day)
    )
    head = per["relation"] == "kepala_keluarga"
    per = per.assign(
        members=1,
        heads=head.astype(int),
        elderly_persons=(age >= c.elderly_age).astype(int),
        disability_persons=per["disability"].isin(["ringan", "sedang", "berat"]).astype(int),
        under_five_persons=(age < c.under_five_age).astype(int),
        pregnant_persons=per["pregnant"].fillna(False).astype(int),
        child_out_of_school=(
            age.between(c.school_from, c.school_to)
            & per["school_attendance"].isin(["tidak_pernah", "tidak_sekolah_lagi"])
        ).astype(int),
        female_head=(head & (per["sex"] == "P")).astype(int),
        head_not_working=(
            head
            & per["work_status"].isin(
                ["mencari_kerja", "sekolah", "mengurus_rumah_tangga", "tidak_bekerja"]
            )
        ).astype(int),
        head_agriculture=(
            head & (per["work_status"] == "bekerja") & per["sector"].isin(list(c.agriculture))
        ).astype(int),
        member_jkn_uninsured=per["jkn_status"].isin(list(c.uninsured)).astype(int),
    )
    per_family = (
        per.groupby("family_id")
        .agg(
            members=("members", "sum"),
            heads=("heads", "sum"),
            elderly_persons=("elderly_persons", "sum"),
            disability_persons=("disability_persons", "sum"),
            under_five_persons=("under_five_persons", "sum"),
            pregnant_persons=("pregnant_persons", "sum"),
            child_out_of_school=("child_out_of_school", "max"),
            female_head=("female_head", "max"),
            head_not_working=("head_not_working", "max"),
            head_agriculture=("head_agriculture", "max"),
            member_jkn_uninsured=("member_jkn_uninsured", "max"),
        )
        .reset_index()
    )
    df = fam.merge(per_family, on="family_id", how="inner")
    df["rtlh_wall"] = (
        df["wall_material"].isin(list(c.perishable_wall))
        | df["wall_condition"].isin(list(c.damaged))
    ).astype(int)
    df["rtlh_roof"] = (
        df["roof_material"].isin(list(c.perishable_roof))
        | df["roof_condition"].isin(list(c.damaged))
    ).astype(int)
    df["rtlh_floor"] = df["floor_material"].isin(list(c.floor)).astype(int)
    df["rtlh_toilet"] = df["toilet"].isin(list(c.no_toilet)).astype(int)
    df["rtlh_floor_area"] = (df["floor_area_m2"] / df["members"] < c.floor_area_per_person).astype(
        int
    )
    df["rtlh"] = df[["rtlh_wall", "rtlh_roof", "rtlh_floor", "rtlh_toilet", "rtlh_floor_area"]].max(
        axis=1
    )
    df["unsafe_water"] = df["drinking_water"].isin(list(c.unsafe_water)).astype(int)
    df["no_proper_sanitation"] = (
        df["toilet"].isin(list(c.improper_toilet)) | df["sewage"].isin(list(c.improper_sewage))
    ).astype(int)
    df["no_electricity"] = df["electricity"].isin(list(c.no_electricity)).astype(int)
    df["non_pln_electricity"] = df["electricity"].isin(list(c.non_pln)).astype(int)
    for person, flag in (
        ("disability_persons", "member_disability"),
        ("elderly_persons", "member_elderly"),
        ("under_five_persons", "member_under_five"),
        ("pregnant_persons", "member_pregnant"),
    ):
        df[flag] = (df[person] > 0).astype(int)
    df["without_head"] = (df["heads"] == 0).astype(int)
    df["families"] = 1
    df["persons"] = df["members"]
    df["desa_code"] = df["desa_code"].astype(str)
    columns = [
        "families",
        "persons",
        "rtlh",
        "rtlh_wall",
        "rtlh_roof",
        "rtlh_floor",
        "rtlh_toilet",
        "rtlh_floor_area",
        "unsafe_water",
        "no_proper_sanitation",
        "no_electricity",
        "non_pln_electricity",
        "child_out_of_school",
        "head_not_working",
        "head_agriculture",
        "member_disability",
        "member_elderly",
        "female_head",
        "member_under_five",
        "member_pregnant",
        "member_jkn_uninsured",
        "elderly_persons",
        "disability_persons",
        "under_five_persons",
        "pregnant_persons",
        "without_head",
    ]
    desa = df.groupby(["desa_code", "desil"], dropna=False)[columns].sum().reset_index()
    # Levels: kecamatan and kabupaten are prefixes of the desa code.
    for width in (8, 5):
        df["area"] = df["desa_code"].str[:width]
        df.groupby(["area", "desil"], dropna=False)[columns].sum()
    return desa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory-gb", type=float, default=None)
    args = parser.parse_args()
    if args.memory_gb:
        limit = int(args.memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    began = time.perf_counter()
    try:
        result = profile(args.data)
    except MemoryError:
        print(f"MemoryError after {time.perf_counter() - began:.1f} s", flush=True)
        sys.exit(3)
    seconds = time.perf_counter() - began
    result.to_parquet(args.out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"pandas {seconds:.1f} s, peak RSS {peak:.2f} GB, {len(result)} desa x desil rows",
        flush=True,
    )


if __name__ == "__main__":
    main()
