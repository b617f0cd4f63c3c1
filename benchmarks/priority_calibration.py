"""Are the priority probabilities calibrated? Compare them with the true k poorest areas.

For each seed a synthetic Kapuas district is generated (``rpkd.synth``, whose truth holds every
family's true consumption), the headcount rate of every kecamatan and desa is estimated by
each method of ``--methods`` (Fay–Herriot and EBP) as ``rpkd priority`` does, and each area's probability of being among the k poorest
(:func:`rpkd.sae.priority.priority_table`, the kit's rule) is set beside whether it truly is
(true P0 among the k highest). Printed as Markdown: by class, how many areas and the share truly
among the k poorest; by probability band, the mean probability against the observed share; and
the Brier score against that of the point-estimate list (probability 1 for the k highest
estimates, 0 otherwise).

    .venv/bin/python benchmarks/priority_calibration.py --seeds 1-5 --families 20000

With ``--write FILE`` the Prioritas 1 result (areas with a probability at least the kit's first
threshold, and how many of them truly were among the k poorest) is also written as JSON with
its source (script, command, seeds, families, date, load average): the shipped
``src/rpkd/data/priority_calibration.json``, which the priority sentences of the Profil page,
the API and the RPKD's Bab III quote (:mod:`rpkd.sae.priority_calibration`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast, get_args

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))

from sae_accuracy import _families, _seeds, _truth

from rpkd import engine as eng
from rpkd import params
from rpkd.sae.area_estimates import Method, SaeTables, estimate_areas
from rpkd.sae.inputs import Level
from rpkd.sae.priority import priority_rule, priority_table
from rpkd.synth import synthesize

LEVELS: tuple[Level, ...] = ("kecamatan", "desa")
BANDS = ((0.0, 0.05), (0.05, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01))


def _run_seed(seed: int, families: int, work: Path, methods: list[Method]) -> list[dict[str, Any]]:
    kit = params.load_kit(None)
    rule = priority_rule(kit.document("sae"))
    folder = work / f"seed{seed}"
    result = synthesize("62.03", folder, kit=kit, families=families, seed=seed, fmt="parquet")
    line = float(result.summary["lines"]["poverty"]["value"])
    on = date.fromisoformat(result.summary["reference_date"])
    truth = _truth(_families(folder), line)
    rows: list[dict[str, Any]] = []
    engine = eng.connect()
    try:
        tables = SaeTables(
            survey=eng.table(engine, folder / "survey.parquet"),
            families=eng.table(engine, folder / "families.parquet"),
            persons=eng.table(engine, folder / "persons.parquet"),
            villages=eng.table(engine, folder / "villages.parquet"),
        )
        for method, level in ((m, lv) for m in methods for lv in LEVELS):
            k = rule.k[level]
            mapped = estimate_areas(
                tables, region="62.03", level=level, measure="fgt0", method=method, line=line,
                on=on, seed=seed, settings=kit.document("sae"),
                programmes=kit.document("programmes"),
            )  # fmt: skip
            areas = pa.Table.from_pylist(
                [{"area": a.area, "estimate": a.estimate, "mse": a.mse,
                  "population": a.population} for a in mapped.areas],
                schema=pa.schema([("area", pa.string()), ("estimate", pa.float64()),
                                  ("mse", pa.float64()), ("population", pa.float64())]),
            )  # fmt: skip
            found = priority_table(areas, k=k, rule=rule, seed=seed).to_pylist()
            true_rates = {a: truth[level][a] for a in (r["area"] for r in found)}
            top = set(sorted(true_rates, key=lambda a: -true_rates[a])[:k])
            estimates = {a.area: a.estimate for a in mapped.areas if a.estimate is not None}
            naive = set(sorted(estimates, key=lambda a: -estimates[a])[:k])
            for r in found:
                rows.append({"seed": seed, "method": method, "level": level,
                             "probability": r["probability_rate"],
                             "priority_rate": _class(r["probability_rate"], rule.thresholds),
                             "truth": r["area"] in top, "naive": r["area"] in naive})  # fmt: skip
            print(f"seed {seed} {method} {level}: {len(found)} areas", file=sys.stderr, flush=True)
    finally:
        eng.close(engine)
    return rows


def _class(p: float, thresholds: tuple[float, float, float]) -> int | None:
    for number, threshold in enumerate(thresholds, start=1):
        if p >= threshold:
            return number
    return None


def _report(rows: list[dict[str, Any]], method: str, seeds: list[int], families: int) -> str:
    rows = [r for r in rows if r["method"] == method]
    out = [
        f"{method.upper()}, `k` and thresholds of the shipped kit, probabilities by rate; seeds "
        f"{seeds[0]}–{seeds[-1]}, {families:,} families each "
        f"(`benchmarks/priority_calibration.py`).",
        "",
        "| level | class | areas | truly among the k poorest |",
        "|---|---|---|---|",
    ]
    for level in LEVELS:
        mine = [r for r in rows if r["level"] == level]
        for c in (1, 2, 3, None):
            chosen = [r for r in mine if r["priority_rate"] == c]
            share = sum(r["truth"] for r in chosen) / len(chosen) if chosen else float("nan")
            name = f"Prioritas {c}" if c else "none"
            out.append(f"| {level} | {name} | {len(chosen)} | {share:.0%} |")
    out += ["", "| level | probability band | areas | mean probability | truly among the k poorest |",
            "|---|---|---|---|---|"]  # fmt: skip
    for level in LEVELS:
        mine = [r for r in rows if r["level"] == level]
        for low, high in BANDS:
            chosen = [r for r in mine if low <= r["probability"] < high]
            if not chosen:
                continue
            mean = sum(r["probability"] for r in chosen) / len(chosen)
            share = sum(r["truth"] for r in chosen) / len(chosen)
            out.append(f"| {level} | {low:.2f}–{min(high, 1):.2f} | {len(chosen)} | {mean:.2f} "
                       f"| {share:.2f} |")  # fmt: skip
    out += ["", "| level | Brier score, probabilities | Brier score, list of the k highest estimates |",
            "|---|---|---|"]  # fmt: skip
    for level in LEVELS:
        mine = [r for r in rows if r["level"] == level]
        brier = sum((r["probability"] - r["truth"]) ** 2 for r in mine) / len(mine)
        naive = sum((r["naive"] - r["truth"]) ** 2 for r in mine) / len(mine)
        out.append(f"| {level} | {brier:.4f} | {naive:.4f} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--methods", default="fh,ebp", help="small-area methods, comma-separated")
    parser.add_argument("--write", type=Path, help="write the Prioritas 1 result as JSON here")
    args = parser.parse_args()
    seeds = _seeds(args.seeds)
    methods = [cast(Method, m) for m in args.methods.split(",")]
    if unknown := [m for m in methods if m not in get_args(Method)]:
        parser.error(f"unknown method(s): {', '.join(unknown)}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as work:
        for seed in seeds:
            rows += _run_seed(seed, args.families, Path(work), methods)
    print("\n\n".join(_report(rows, m, seeds, args.families) for m in methods))
    if args.write is not None:
        args.write.write_text(_measured(rows, seeds, args.families), encoding="utf-8")


def _measured(rows: list[dict[str, Any]], seeds: list[int], families: int) -> str:
    """Return the Prioritas 1 result by level as JSON, with the run's source."""
    kit = params.load_kit(None)
    rule = priority_rule(kit.document("sae"))
    threshold = rule.thresholds[0]
    results = []
    for method, level in dict.fromkeys((r["method"], r["level"]) for r in rows):
        first = [r for r in rows if (r["method"], r["level"]) == (method, level)
                 and r["probability"] >= threshold]  # fmt: skip
        results.append({"method": method, "level": level, "k": rule.k[level],
                        "threshold": threshold, "basis": "rate", "areas": len(first),
                        "truly": sum(1 for r in first if r["truth"])})  # fmt: skip
    source = {
        "script": "benchmarks/priority_calibration.py",
        "command": " ".join(["benchmarks/priority_calibration.py", *sys.argv[1:]]),
        "seeds": seeds,
        "families": families,
        "date": datetime.now(UTC).date().isoformat(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    return json.dumps({"source": source, "results": results}, indent=2) + "\n"


if __name__ == "__main__":
    main()
