"""Benchmark: ``rpkd synth`` of one million families to Parquet (run by hand).

Usage: ``python benchmarks/synth_1m.py [--families N] [--format parquet|csv] [--out DIR]``.
Times ``rpkd.workflows.synthesize_district`` (what ``rpkd synth`` runs) in an empty workspace
(the shipped parameter kit). Reports wall time, CPU time and peak resident memory; the brief
asks for under a minute on two cores and memory bounded by one chunk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from rpkd.workflows import Workspace, synthesize_district


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    parser.add_argument("--region", default="62.03")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rpkd-synth-bench-"))
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="rpkd-synth-ws-") as workspace,
        Workspace.open(workspace) as ws,
    ):
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        result = synthesize_district(
            ws, args.region, out, families=args.families, seed=1, fmt=args.format
        )
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    report = {
        "families": result.summary["families"],
        "persons": result.summary["persons"],
        "format": args.format,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(
            (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime),
            1,
        ),
        "peak_rss_mib": round(cpu_after.ru_maxrss / 1024, 0),
        "output_mib": round(size / 2**20, 1),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "cores": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(json.dumps(report, indent=2))
    if args.out is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
