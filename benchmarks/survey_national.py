"""Benchmark: national-Susenas-sized FGT by kabupaten/kota, rpkd vs R ``survey::svyby``.

~345,000 households in 514 kabupaten/kota domains, strata = kabupaten × urban/rural, about ten
households per census block (PSU): a stratified two-stage sample. Three measures (P0, P1, P2)
× two lines (a fixed line and a per-household urban/rural line column), whole population and
every domain, with standard errors. Both run on the same data in the same process run; the
numbers must agree to 1e-8 relative, and the script prints both times and their ratio.

Usage: ``.venv/bin/python benchmarks/survey_national.py [--households N] [--domains D]``
(defaults 345,000 and 514; a small run needs enough households per stratum for two PSUs each,
e.g. ``--households 20000 --domains 20``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd.measures import fgt
from rpkd.survey import design

HERE = Path(__file__).parent


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=345_000)
    parser.add_argument("--domains", type=int, default=514, help="kabupaten/kota")
    args = parser.parse_args()
    data = synthesise(args.households, domains=args.domains)
    with tempfile.TemporaryDirectory() as tmp:
        parquet, csv, out = Path(tmp) / "hh.parquet", Path(tmp) / "hh.csv", Path(tmp) / "r.json"
        pq.write_table(data, parquet)
        pcsv.write_csv(data, csv)
        engine = eng.connect()
        started = time.perf_counter()
        table = eng.table(engine, parquet)
        d = design("weight", strata="stratum", psu="psu")
        result = fgt.estimate(
            table, d, welfare="expenditure_per_capita", lines=[600000, "line"], by="kab"
        )
        rpkd_seconds = time.perf_counter() - started
        eng.close(engine)
        subprocess.run(["Rscript", str(HERE / "survey_national.R"), str(csv), str(out)], check=True)
        r = json.loads(out.read_text())
    measures = [
        ("fgt0", 600000),
        ("fgt1", 600000),
        ("fgt2", 600000),
        ("fgt0", "line"),
        ("fgt1", "line"),
        ("fgt2", "line"),
    ]
    worst = 0.0
    for j, (m, line) in enumerate(measures):
        pairs = [
            (result.find(m, line=line).estimate, r["whole"]["estimate"][j]),
            (result.find(m, line=line).se, r["whole"]["se"][j]),
        ]
        for i, dom in enumerate(r["domains"]):
            got = result.find(m, domain=dom, line=line)
            pairs += [(got.estimate, r["estimate"][i][j]), (got.se, r["se"][i][j])]
        for a, b in pairs:
            worst = max(worst, abs(a - b) / abs(b) if b else abs(a))
    assert worst < 1e-8, worst
    print(f"households {data.num_rows}, domains {len(r['domains'])}, estimates {len(result.rows)}")
    print(f"max relative difference rpkd vs R: {worst:.2e}")
    r_seconds = float(r["seconds"][0])
    print(f"rpkd {rpkd_seconds:.2f} s, R svyby {r_seconds:.2f} s")
    print(f"ratio R / rpkd: {r_seconds / rpkd_seconds:.1f}x")


if __name__ == "__main__":
    main()
