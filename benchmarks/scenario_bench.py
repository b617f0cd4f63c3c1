"""Benchmark: a scenario and the budget optimiser on the Kapuas demo (issue 17).

Needs the workspace of ``rpkd demo`` (about 4 minutes to build once)::

    .venv/bin/rpkd demo --workspace /tmp/scen-ws
    .venv/bin/python benchmarks/scenario_bench.py --workspace /tmp/scen-ws

Times, in one process:

* ``run_scenario`` of ``docs/examples/scenario-kapuas-2027.toml`` (three packages, 2025-2027)
  with 200 draws of the targeting errors, after a warm-up that imports the libraries and opens
  the engine: the first run (which measures the errors: PMT fit, cross-validation, the registry
  ranked) and the runs after it (the measured model read back from ``derived/``);
* ``optimise_budget`` over the 17 kecamatan × 10 programmes (the kit's seven-programme menu and
  three district top-ups and transfers below), objective extreme poverty to 0 and P0 to 3%, 30
  draws, a 6-point frontier.

Goals: a scenario in under 5 s with 200 draws; the optimiser in under 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rpkd.workflows import Workspace, list_releases, optimise_budget, run_scenario

ROOT = Path(__file__).parents[1]
SCENARIO = ROOT / "docs" / "examples" / "scenario-kapuas-2027.toml"
MENU = """
name = "Sepuluh program"
[[programme]]
programme = "pkh"
[[programme]]
programme = "sembako"
[[programme]]
programme = "pbi_jk"
[[programme]]
programme = "pip"
[[programme]]
programme = "blt_dd"
[[programme]]
programme = "rtlh"
[[programme]]
programme = "prakerja"
[[programme]]
code = "topup_ekstrem"
rule = "desil <= 3"
top_up_to = "extreme"
[[programme]]
code = "bantuan_lansia"
unit = "person"
rule = "age >= 60 AND desil <= 5"
amount = 300000
[[programme]]
code = "bantuan_anggota"
rule = "desil <= 6"
amount = 100000
per_member = true
"""


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.machine()} {platform.processor() or 'cpu'}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/scen-ws"))
    parser.add_argument("--release", default="kapuas-demo")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    with Workspace.open(args.workspace) as ws, tempfile.TemporaryDirectory() as tmp:
        for derived in (args.workspace / "derived" / args.release / "simulation").glob("*.json"):
            derived.unlink()  # the first run measures the errors again
        start = time.perf_counter()
        list_releases(ws)  # libraries imported and the engine opened: not a scenario's cost
        print(f"warm-up (imports, engine): {time.perf_counter() - start:.2f} s")
        for run in range(args.runs):
            start, cpu = time.perf_counter(), time.process_time()
            result = run_scenario(ws, SCENARIO, args.release, draws=args.draws)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            last = result.to_json()["years"][-1]
            print(f"scenario run {run + 1}: {seconds:.2f} s wall, {cpu:.2f} s CPU "
                  f"({args.draws} draws, {len(result.years)} years; {last['year']}: registry "
                  f"cost Rp{last['cost']:,.0f}, {last['families_reached']:,} families)")  # fmt: skip
        menu = Path(tmp) / "menu.toml"
        menu.write_text(MENU, encoding="utf-8")
        for objective, target in (("extreme", 0.0), ("p0", 0.03)):
            start, cpu = time.perf_counter(), time.process_time()
            found = optimise_budget(ws, args.release, objective=objective, target=target,
                                    scenario=menu, draws=30, points=6)  # fmt: skip
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            cells = found.allocation.cells
            programmes = len({c.programme for c in cells})
            areas = len({c.area for c in cells})
            solution = found.allocation.solution
            print(f"optimise {objective} to {target:.0%}: {seconds:.2f} s wall, {cpu:.2f} s CPU; "
                  f"{len(cells)} cells "
                  f"({programmes} programmes × {areas} kecamatan × desil), budget "
                  f"Rp{solution.budget:,.0f} reaching {solution.level:.4%} (floor "
                  f"{found.allocation.floor:.4%}, baseline {found.allocation.baseline:.4%}); "
                  f"findings {[f.code for f in found.findings]}")  # fmt: skip


if __name__ == "__main__":
    main()
