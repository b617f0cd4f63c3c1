"""Benchmark: import 1M families and ~3.5M persons (CSV), validated and written.

Generates a valid Kapuas-like registry with NumPy (vectorised; NIKs follow the Dukcapil rule),
writes it as CSV, then times ``rpkd.workflows.import_release`` (what ``rpkd release import`` runs)
in a fresh workspace and samples the peak RSS of this process and its children with psutil. The
workflow ends by storing the profile's family summary; that step is timed apart, and the import
time, CPU time and peak RSS printed first stop before it (the figures of ``RESULTS.md``). Run by
hand::

    .venv/bin/python benchmarks/import_1m.py [--families 1000000] [--keep DIR] [--memory-limit 4GB]
    .venv/bin/python benchmarks/import_1m.py --source SYNTH_DIR --memory-limit 4GB  # e.g. 10M

``--source`` imports an existing folder (such as ``rpkd synth --format csv`` output without its
beneficiary lists) instead of generating one.

Goal (issue): under 2 minutes on a 2-core machine, in memory bounded by ``--memory-limit``
(DuckDB's ``memory_limit``, as ``RPKD_MEMORY_LIMIT``) plus a constant.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.csv as pacsv

from rpkd import regions
from rpkd.errors import InvalidInput
from rpkd.releases.schema import FAMILIES, RELATION
from rpkd.settings import Settings
from rpkd.workflows import Workspace, import_release

REGION = "62.03"


def _codes(rng: np.random.Generator, column: str, n: int) -> pa.Array:
    codes = FAMILIES.column(column).codes or ()
    return pa.array(np.asarray(codes, dtype=object)[rng.integers(0, len(codes), n)], pa.string())


def generate(folder: Path, families: int, seed: int = 20251) -> tuple[int, int]:
    """Write families.csv and persons.csv to ``folder``; return (families, persons)."""
    rng = np.random.default_rng(seed)
    desa = np.array([regions.plain(r.code) for r in regions.descendants(REGION, "desa")])
    desa_dotted = np.array([r.code for r in regions.descendants(REGION, "desa")], dtype=object)
    fam_desa = rng.integers(0, len(desa), families)
    size = rng.choice(np.arange(1, 8), families, p=[0.10, 0.15, 0.22, 0.25, 0.15, 0.08, 0.05])
    ids = np.char.add("F", np.char.zfill(np.arange(families).astype(str), 8))
    kec6 = np.array([d[:6] for d in desa])[fam_desa]
    kk = np.char.add(kec6, np.char.zfill(np.arange(families).astype(str), 10))

    # persons: one head first in every family, then other members
    fam_of = np.repeat(np.arange(families), size)
    n = len(fam_of)
    first = np.r_[0, np.cumsum(size)[:-1]]
    is_head = np.zeros(n, bool)
    is_head[first] = True
    relation = np.asarray(RELATION[1:4], dtype=object)[rng.integers(0, 3, n)]
    relation[is_head] = "kepala_keluarga"
    female = rng.random(n) < 0.5
    birth = np.datetime64("1945-01-01") + rng.integers(0, 28_800, n).astype("timedelta64[D]")
    dead = (~is_head) & (rng.random(n) < 0.01)
    death = np.where(dead, np.datetime64("2024-06-30"), np.datetime64("NaT"))
    living = np.bincount(fam_of, weights=~dead, minlength=families).astype(int)

    # NIK: kecamatan + DDMMYY (DD + 40 for women) + serial unique within (kecamatan, birth date)
    person_kec = kec6[fam_of]
    day = birth.astype("datetime64[D]")
    days = (day - np.datetime64("1900-01-01")).astype(int)
    key = np.unique(person_kec, return_inverse=True)[1] * 100_000 + days
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    serial = np.empty(n, int)
    serial[order] = np.arange(n) - group_start + 1

    def two(values: np.ndarray) -> np.ndarray:
        return np.char.zfill(values.astype(str), 2)

    month_start = day.astype("datetime64[M]")
    dd = two((day - month_start).astype(int) + 1 + 40 * female)
    mm = two(month_start.astype(int) % 12 + 1)
    yy = two((day.astype("datetime64[Y]").astype(int) + 1970) % 100)
    nik = person_kec
    for part in (dd, mm, yy, np.char.zfill(serial.astype(str), 4)):
        nik = np.char.add(nik, part)

    fam_table = pa.table(
        {
            "family_id": ids,
            "kk_number": kk,
            "desa_code": pa.array(desa_dotted[fam_desa], pa.string()),
            "address": pa.array(
                np.char.add("Jl. Contoh No. ", (np.arange(families) % 500).astype(str))
            ),
            "family_size": living,
            "urban": rng.random(families) < 0.3,
            **{
                c: _codes(rng, c, families)
                for c in (
                    "floor_material",
                    "wall_material",
                    "roof_material",
                    "drinking_water",
                    "toilet",
                    "electricity",
                    "cooking_fuel",
                )
            },
            "floor_area_m2": np.round(rng.uniform(12, 150, families), 1),
            "has_motorcycle": rng.random(families) < 0.6,
            "pmt_score": np.round(rng.normal(0, 1, families), 4),
            "desil": rng.integers(1, 11, families),
        }
    )
    per_table = pa.table(
        {
            "person_id": np.char.add("P", np.char.zfill(np.arange(n).astype(str), 9)),
            "family_id": ids[fam_of],
            "nik": nik,
            "name": pa.array(np.char.add("Warga ", (np.arange(n) % 9973).astype(str))),
            "sex": np.where(female, "P", "L"),
            "birth_date": pa.array(day.astype("datetime64[D]")),
            "relation": pa.array(relation, pa.string()),
            "education": _codes_from(rng, ("sd", "smp", "sma", "tidak_punya_ijazah"), n),
            "death_date": pa.array(death.astype("datetime64[D]")),
        }
    )
    pacsv.write_csv(fam_table, folder / "families.csv")
    pacsv.write_csv(per_table, folder / "persons.csv")
    return families, n


def _codes_from(rng: np.random.Generator, codes: tuple[str, ...], n: int) -> pa.Array:
    return pa.array(np.asarray(codes, dtype=object)[rng.integers(0, len(codes), n)], pa.string())


class PeakRSS:
    """Sample the resident memory of this process and its children every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Stages:
    """The workflow's progress callback: when each stage (``import.read`` ...) first reported.

    ``mark`` is the wall time, CPU time (process and children) and peak RSS when the family
    summary began, i.e. at the end of the import proper.
    """

    me: psutil.Process
    rss: PeakRSS
    began: dict[str, float] = field(default_factory=dict)
    mark: tuple[float, float, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.began:
            self.began[stage] = time.perf_counter()
            if stage == "import.summary":
                self.mark = (self.began[stage], _cpu(self.me), self.rss.peak)


def _cpu(me: psutil.Process) -> float:
    return float(sum(me.cpu_times()[:4]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated data here")
    parser.add_argument("--source", type=Path, default=None, help="import this folder instead")
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory_limit (default: DuckDB's, 80%% of RAM)"
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="rpkd-bench-"))
    source = args.source or root / "source"
    source.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.source is not None or ((source / "persons.csv").is_file() and args.keep is not None):
        print(f"reusing {source}")
    else:
        families, persons = generate(source, args.families)
        print(
            f"generated {families:,} families, {persons:,} persons "
            f"in {time.perf_counter() - t0:.1f} s"
        )
    size = sum(p.stat().st_size for p in source.iterdir() if p.is_file()) / 1e6
    print(f"source: {size:,.0f} MB CSV")
    workspace = root / "ws"
    shutil.rmtree(workspace, ignore_errors=True)
    me = psutil.Process()
    settings = Settings(workspace=workspace, memory_limit=args.memory_limit)
    with Workspace(settings) as ws:
        ws.actor  # noqa: B018 (opens the application database before the clock starts)
        cpu0 = _cpu(me)
        load0 = psutil.getloadavg()[0]
        with PeakRSS() as rss:
            stages = Stages(me, rss)
            t2 = time.perf_counter()
            try:
                outcome = import_release(
                    ws, source, "bench", reference_date=date(2025, 7, 1), progress=stages
                )
            except InvalidInput as error:
                if error.code != "release_refused":
                    raise
                print(f"import: FAILED; {error.message('en')}")
                for finding in error.findings[:20]:
                    print(finding.to_json())
                outcome = None
            t3 = time.perf_counter()
    cpu = _cpu(me) - cpu0
    if outcome is not None:
        print(f"import: ok; errors 0, warnings {outcome.warnings}")
        print(f"rows: {outcome.release.manifest['rows']}")
    end, cpu_end, peak = stages.mark or (t3, cpu0 + cpu, rss.peak)
    print(
        f"import wall time {end - t2:.1f} s; CPU time (user+sys, with children) "
        f"{cpu_end - cpu0:.1f} s; peak RSS (process + children) {peak / 2**30:.2f} GiB; "
        f"load average before/after {load0:.1f}/{psutil.getloadavg()[0]:.1f}; "
        f"memory_limit {args.memory_limit or 'DuckDB default'}"
    )
    ends = [*list(stages.began.values())[1:], t3]
    spans = zip(stages.began.items(), ends, strict=False)
    print("stages (wall s): " + ", ".join(f"{s} {stop - t:.1f}" for (s, t), stop in spans))
    if stages.mark is not None:
        print(
            f"with the family summary (all of rpkd release import): {t3 - t2:.1f} s wall, "
            f"{cpu:.1f} s CPU, peak RSS {rss.peak / 2**30:.2f} GiB"
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, python {platform.python_version()}"
    )
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
