"""Schema-conformant registry Parquet for the profile benchmarks, generated in chunks.

``python benchmarks/profile_data.py --families N [--region CODE] --out DIR [--chunk C] [--seed S]``
writes ``DIR/families/part-*.parquet`` and ``DIR/persons/part-*.parquet`` (about 3 persons per
family). Memory stays at one chunk whatever N is, so the whole country (95M families) can be
written on a laptop. Values are plausible, not calibrated: this feeds timings, not statistics
(``rpkd synth`` makes the calibrated district).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd.releases import schema as s

REFERENCE_DAY = np.datetime64("2025-03-01")
NAMES = ("Siti", "Ahmad", "Dewi", "Budi", "Rina", "Agus", "Nur", "Yanti", "Joko", "Lestari")


def desa_codes(region: str) -> np.ndarray:
    """Return every desa/kelurahan code inside ``region`` ("00" for the whole country)."""
    blob = resources.files("rpkd").joinpath("data/regions/regions.csv.gz").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(blob)), encoding="utf-8") as fh:
        codes = [
            row["code"]
            for row in csv.DictReader(fh)
            if row["code"].count(".") == 3
            and (region == "00" or row["code"].startswith(region + "."))
        ]
    return np.asarray(sorted(codes))


def _pick(rng: np.random.Generator, codes: tuple[str, ...], p: list[float], n: int) -> pa.Array:
    probs = np.asarray(p + [0.0] * (len(codes) - len(p)))
    index = rng.choice(len(codes), size=n, p=probs / probs.sum())
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(codes))


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, 11, "0"), "")


def families_chunk(
    rng: np.random.Generator, desa: np.ndarray, start: int, n: int, mean_size: float
) -> pa.Table:
    """Return ``n`` families with ids from ``start``; column ``family_size`` drives the persons."""
    size = np.minimum(1 + rng.poisson(mean_size - 1.0, n), 30)
    desil = rng.integers(1, 11, n).astype(np.float64)
    desil[rng.random(n) < 0.02] = np.nan
    codes = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(desa), n), pa.int32()), pa.array(desa)
    )
    return pa.table(
        {
            "family_id": _ids("K", start, n),
            "desa_code": codes,
            "family_size": pa.array(size, pa.int64()),
            "urban": pa.array(rng.random(n) < 0.55),
            "floor_material": _pick(rng, s.FLOOR, [30, 5, 10, 25, 18, 3, 8, 1], n),
            "wall_material": _pick(rng, s.WALL, [60, 5, 25, 4, 2, 3, 1], n),
            "wall_condition": _pick(rng, s.CONDITION, [75, 20, 5], n),
            "roof_material": _pick(rng, s.ROOF, [10, 30, 50, 5, 2, 1, 1, 1], n),
            "roof_condition": _pick(rng, s.CONDITION, [75, 20, 5], n),
            "floor_area_m2": pa.array(np.round(rng.lognormal(3.9, 0.5, n), 1)),
            "drinking_water": _pick(rng, s.WATER, [35, 15, 20, 10, 5, 3, 2, 5, 4, 1], n),
            "toilet": _pick(rng, s.TOILET, [80, 8, 4, 8], n),
            "sewage": _pick(rng, s.SEWAGE, [65, 2, 20, 13], n),
            "electricity": _pick(rng, s.ELECTRICITY, [85, 8, 5, 2], n),
            "pmt_score": pa.array(rng.normal(0.0, 1.0, n)),
            "desil": pa.array(desil, pa.int64(), from_pandas=True),
        }
    )


def persons_chunk(rng: np.random.Generator, families: pa.Table, start: int) -> pa.Table:
    """Return the members of ``families``: a head, usually a spouse, then children or others."""
    size = families["family_size"].to_numpy()
    n = int(size.sum())
    owner = np.repeat(np.arange(len(size)), size)
    rank = np.arange(n) - np.repeat(np.cumsum(size) - size, size)
    relation = np.where(rank == 0, 0, np.where(rank == 1, 1, 2))
    head_age = rng.integers(22, 85, len(size))
    age = np.where(relation == 2, rng.integers(0, 26, n), head_age[owner] + rng.integers(-5, 6, n))
    age = np.clip(age, 0, 100)
    born = REFERENCE_DAY - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    female_head = rng.random(len(size)) < 0.15
    sex = np.where(
        relation == 0,
        female_head[owner],
        np.where(relation == 1, ~female_head[owner], rng.random(n) < 0.5),
    )
    dead = (relation != 0) & (rng.random(n) < 0.005)
    death = np.where(
        dead, REFERENCE_DAY - rng.integers(1, 700, n).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    school = np.where((age >= 5) & (age <= 24), rng.choice(3, n, p=[0.03, 0.82, 0.15]), -1)
    attendance = pa.DictionaryArray.from_arrays(
        pa.array(school, pa.int32(), mask=school < 0), pa.array(s.SCHOOL_ATTENDANCE)
    )
    adult = age >= 15
    work = np.where(adult, rng.choice(5, n, p=[0.6, 0.05, 0.08, 0.17, 0.1]), -1)
    sector = np.where(work == 0, rng.choice(len(s.SECTOR), n), -1)
    return pa.table(
        {
            "person_id": _ids("P", start, n),
            "family_id": families["family_id"].take(pa.array(owner)),
            "name": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, len(NAMES), n), pa.int32()), pa.array(NAMES)
            ),
            "sex": pa.array(np.where(sex, "P", "L")),
            "birth_date": pa.array(born.astype("datetime64[D]"), pa.date32()),
            "relation": pa.DictionaryArray.from_arrays(
                pa.array(relation, pa.int32()), pa.array(["kepala_keluarga", "istri_suami", "anak"])
            ),
            "disability": _pick(rng, s.DISABILITY, [97.5, 1.2, 0.8, 0.5], n),
            "school_attendance": attendance,
            "work_status": pa.DictionaryArray.from_arrays(
                pa.array(work, pa.int32(), mask=work < 0), pa.array(s.WORK_STATUS)
            ),
            "sector": pa.DictionaryArray.from_arrays(
                pa.array(sector, pa.int32(), mask=sector < 0), pa.array(s.SECTOR)
            ),
            "jkn_status": _pick(rng, s.JKN, [40, 15, 30, 15], n),
            "pregnant": pa.array((relation == 1) & sex & (age < 45) & (rng.random(n) < 0.08)),
            "death_date": pa.array(death.astype("datetime64[D]"), pa.date32()),
        }
    )


def generate(
    out: Path,
    families: int,
    region: str,
    chunk: int,
    seed: int,
    mean_size: float,
    worker: int = 0,
    workers: int = 1,
) -> tuple[int, int]:
    """Write the registry in chunks (this worker's share of them); return (families, persons).

    Categorical columns are written dictionary-encoded (as Parquet stores them anyway); every
    engine reads them back as strings.
    """
    desa = desa_codes(region)
    (out / "families").mkdir(parents=True, exist_ok=True)
    (out / "persons").mkdir(parents=True, exist_ok=True)
    written_persons = 0
    for part, start in enumerate(range(0, families, chunk)):
        if part % workers != worker:
            continue
        rng = np.random.default_rng([seed, part])
        fam = families_chunk(rng, desa, start, min(chunk, families - start), mean_size)
        # Person ids are unique per chunk: the family's chunk index leads them.
        per = persons_chunk(rng, fam, part * chunk * 40)
        pq.write_table(fam, out / "families" / f"part-{part:05d}.parquet", compression="zstd")
        pq.write_table(per, out / "persons" / f"part-{part:05d}.parquet", compression="zstd")
        written_persons += per.num_rows
    return families, written_persons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, required=True)
    parser.add_argument("--region", default="62.03", help='region code, "00" for the country')
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", type=int, default=0, help="this process' index (0-based)")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the chunks")
    parser.add_argument(
        "--persons-per-family",
        type=float,
        default=3.0425,
        help="mean family size (DTSEN 2026: 3.0425; Kapuas about 3.54)",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    fam, per = generate(
        args.out,
        args.families,
        args.region,
        args.chunk,
        args.seed,
        args.persons_per_family,
        args.worker,
        args.workers,
    )
    print(f"{fam} families, {per} persons in {time.perf_counter() - began:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
