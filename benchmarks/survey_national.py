"""Benchmark: national-Susenas-sized FGT by kabupaten/kota, ``rpkd survey estimate`` vs R ``svyby``.

~345,000 households in 514 kabupaten/kota domains, strata = kabupaten × urban/rural, about ten
households per census block (PSU): a stratified two-stage sample. Three measures (P0, P1, P2)
× two lines (a fixed line and a per-household urban/rural line column), whole population and
every domain, with standard errors.

Whole processes, as a user runs them from the shell, are timed (wall clock and CPU seconds of
the child process, user + system):

* ``rpkd survey estimate DATA --format json`` (the console script): Python start-up, imports,
  the workspace, reading and checking the file, the DuckDB aggregation, the variance, the
  intervals and writing 3,090 JSON records to a pipe; from the CSV that R reads and from the
  same data as Parquet (no release: the command reads the file it is given);
* ``Rscript survey_national.R DATA.csv OUT.json``: R start-up, loading ``survey`` and
  ``jsonlite``, ``read.csv``, ``svymean`` + ``svyby`` and writing the JSON.

The data files are written once before any timing. rpkd runs ``--repeats`` times per format
(median reported), R once (it takes minutes). Every rpkd run's estimates and standard errors
must agree with R's to 1e-8 relative; the script prints the times, the load average before and
after, and the ratios R / rpkd.

Usage: ``.venv/bin/python benchmarks/survey_national.py [--households N] [--domains D]
[--repeats K]`` (defaults 345,000, 514 and 3; a small run needs enough households per stratum
for two PSUs each, e.g. ``--households 20000 --domains 20``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

HERE = Path(__file__).parent
MEASURES = [
    ("fgt0", 600000.0),
    ("fgt1", 600000.0),
    ("fgt2", 600000.0),
    ("fgt0", "line"),
    ("fgt1", "line"),
    ("fgt2", "line"),
]


def synthesise(households: int, seed: int = 2026, domains: int = 514) -> pa.Table:
    """Return a synthetic national sample of ``domains`` kabupaten/kota (fixed seed)."""
    rng = np.random.default_rng(seed)
    kab = domains
    per_psu = 10
    psus = households // per_psu
    psu_kab = np.sort(rng.integers(0, kab, psus))
    psu_urban = rng.random(psus) < 0.45
    level = 13.4 + rng.normal(0, 0.2, kab)[psu_kab] + 0.3 * psu_urban + rng.normal(0, 0.15, psus)
    hh_psu = np.repeat(np.arange(psus), per_psu)
    n = hh_psu.size
    urban = psu_urban[hh_psu]
    return pa.table(
        {
            "kab": [f"{k:04d}" for k in psu_kab[hh_psu]],
            "stratum": [
                f"{k:04d}{'u' if u else 'r'}" for k, u in zip(psu_kab[hh_psu], urban, strict=True)
            ],
            "psu": hh_psu.astype(str),
            "weight": rng.uniform(80, 400, n),
            "expenditure_per_capita": np.round(np.exp(level[hh_psu] + rng.normal(0, 0.5, n))),
            "line": np.where(urban, 640000.0, 590000.0),
        }
    )


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Run ``command``; return its standard output, wall seconds and CPU seconds (user + sys)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, wall, cpu


def rpkd_command(data: Path) -> list[str]:
    """The command line a user types (the console script installed beside this Python)."""
    script = Path(sys.executable).parent / "rpkd"
    program = str(script) if script.exists() else shutil.which("rpkd") or "rpkd"
    return [
        program,
        "survey",
        "estimate",
        str(data),
        "--welfare",
        "expenditure_per_capita",
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--line",
        "600000",
        "--line",
        "line",
        "--by",
        "kab",
        "--format",
        "json",
    ]


def worst_difference(records: list[dict[str, Any]], r: dict[str, Any]) -> float:
    """Return the largest relative difference of rpkd's estimates and SEs from R's."""
    found = {(x["measure"], x["line"], x["domain"]): x for x in records}
    worst = 0.0
    for j, (m, line) in enumerate(MEASURES):
        pairs = [(found[m, line, None], r["whole"]["estimate"][j], r["whole"]["se"][j])]
        for i, dom in enumerate(r["domains"]):
            pairs.append((found[m, line, dom], r["estimate"][i][j], r["se"][i][j]))
        for got, estimate, se in pairs:
            for a, b in ((got["estimate"], estimate), (got["se"], se)):
                worst = max(worst, abs(a - b) / abs(b) if b else abs(a))
    return worst


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=345_000)
    parser.add_argument("--domains", type=int, default=514, help="kabupaten/kota")
    parser.add_argument("--repeats", type=int, default=3, help="rpkd runs per format")
    args = parser.parse_args()
    data = synthesise(args.households, domains=args.domains)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parquet, csv, out = folder / "hh.parquet", folder / "hh.csv", folder / "r.json"
        pq.write_table(data, parquet)
        pcsv.write_csv(data, csv)
        env = {**os.environ, "RPKD_WORKSPACE": str(folder / "workspace")}
        print(f"load before: {load()}")
        r_command = ["Rscript", str(HERE / "survey_national.R"), str(csv), str(out)]
        _, r_wall, r_cpu = timed(r_command)
        r = json.loads(out.read_text())
        runs: dict[str, list[tuple[float, float]]] = {"csv": [], "parquet": []}
        worst = 0.0
        for _ in range(args.repeats):
            for fmt, path in (("csv", csv), ("parquet", parquet)):
                stdout, wall, cpu = timed(rpkd_command(path), env)
                runs[fmt].append((wall, cpu))
                records = json.loads(stdout)
                worst = max(worst, worst_difference(records, r))
        print(f"load after: {load()}")
    assert worst < 1e-8, worst
    print(f"households {data.num_rows}, domains {len(r['domains'])}, estimates {len(records)}")
    print(f"max relative difference rpkd vs R: {worst:.2e}")
    print(
        f"R whole process {r_wall:.2f} s wall, {r_cpu:.2f} s CPU "
        f"(read.csv {float(r['read_seconds'][0]):.2f} s, svymean + svyby {float(r['seconds'][0]):.2f} s)"
    )
    for fmt, timings in runs.items():
        wall = statistics.median(w for w, _ in timings)
        cpu = statistics.median(c for _, c in timings)
        walls = ", ".join(f"{w:.2f}" for w, _ in timings)
        print(
            f"rpkd survey estimate ({fmt}): median {wall:.2f} s wall ({walls}), {cpu:.2f} s CPU; "
            f"ratio R / rpkd {r_wall / wall:.1f}x wall, {r_cpu / cpu:.1f}x CPU"
        )


if __name__ == "__main__":
    main()
