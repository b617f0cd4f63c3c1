"""Does backward selection help the Fay–Herriot map? FH with and without it on synthetic truth.

For each seed a synthetic Kapuas (``rpkd.synth``, as ``benchmarks/sae_accuracy.py``: same seeds,
families and truth) is mapped by FH at kecamatan and desa level (P0, no benchmarking) with the
shipped kit's covariates, with the village covariates of the accuracy study's
``fh-arcsin-village`` added, with a wide set (every registry share of
:data:`rpkd.sae.inputs.AREA_COVARIATES` but the puskesmas distance, plus those village columns),
and each of the two larger sets after backward selection (``[fay_herriot] selection``). Printed
as Markdown, pooled over seeds and areas: RMSE in points of P0, coverage of the nominal 95%
interval and the mean number of covariates kept.

    nice -n 10 .venv/bin/python benchmarks/fh_selection.py --seeds 1-10 --families 20000
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from sae_accuracy import FH_VILLAGE, _families, _seeds, _truth

from rpkd import engine as eng
from rpkd import params
from rpkd.sae.area_estimates import SaeTables, estimate_areas
from rpkd.sae.inputs import AREA_COVARIATES, Level
from rpkd.synth import synthesize

LEVELS: tuple[Level, ...] = ("kecamatan", "desa")
_Z95 = 1.959963984540054


def _variants(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the ``sae`` documents compared, by name."""

    def changed(**values: Any) -> dict[str, Any]:
        out = copy.deepcopy(doc)
        out["fay_herriot"] = {**out["fay_herriot"], **values}
        return out

    village = {lv: [f"village_{c}" for c in FH_VILLAGE[lv]] for lv in LEVELS}
    shipped = {lv: [*doc["fay_herriot"][lv], *village[lv]] for lv in LEVELS}
    shares = [c for c in AREA_COVARIATES if c != "distance_puskesmas_km"]
    wide = {lv: [*shares, *village[lv]] for lv in LEVELS}
    return {
        "fh": changed(),
        "fh-village": changed(**shipped),
        "fh-village-bic": changed(selection="bic", **shipped),
        "fh-village-aic": changed(selection="aic", **shipped),
        "fh-wide": changed(**wide),
        "fh-wide-bic": changed(selection="bic", **wide),
        "fh-wide-kic": changed(selection="kic", **wide),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-10")
    parser.add_argument("--families", type=int, default=20_000)
    args = parser.parse_args()
    kit = params.load_kit(None)
    variants = _variants(dict(kit.document("sae")))
    errors: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    kept: dict[tuple[str, str], list[int]] = {}
    with tempfile.TemporaryDirectory() as work:
        for seed in _seeds(args.seeds):
            folder = Path(work) / f"seed{seed}"
            made = synthesize("62.03", folder, kit=kit, families=args.families, seed=seed,
                              fmt="parquet")  # fmt: skip
            line = float(made.summary["lines"]["poverty"]["value"])
            on = date.fromisoformat(made.summary["reference_date"])
            truth = _truth(_families(folder), line)
            engine = eng.connect()
            try:
                tables = SaeTables(*(eng.table(engine, folder / f"{n}.parquet")
                                     for n in ("survey", "families", "persons", "villages")))  # fmt: skip
                for level in LEVELS:
                    for name, settings in variants.items():
                        mapped = estimate_areas(
                            tables, region="62.03", level=level, measure="fgt0", method="fh",
                            line=line, on=on, seed=seed, settings=settings,
                            programmes=kit.document("programmes"),
                        )  # fmt: skip
                        for a in mapped.areas:
                            if a.estimate is None or a.mse is None:
                                continue
                            error = a.estimate - truth[level][a.area]
                            inside = abs(error) <= _Z95 * math.sqrt(a.mse)
                            errors.setdefault((name, level), []).append((error, inside))
                        count = len(mapped.model["covariates"])
                        kept.setdefault((name, level), []).append(count)
            finally:
                eng.close(engine)
            print(f"seed {seed}", file=sys.stderr, flush=True)
    print("| variant | level | RMSE (points) | 95% coverage | covariates kept (mean) |")
    print("|---|---|---|---|---|")
    for (name, area_level), rows in errors.items():
        rmse = 100 * math.sqrt(sum(e * e for e, _ in rows) / len(rows))
        coverage = sum(inside for _, inside in rows) / len(rows)
        counts = kept[(name, area_level)]
        print(f"| {name} | {area_level} | {rmse:.2f} | {coverage:.1%} | "
              f"{sum(counts) / len(counts):.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
