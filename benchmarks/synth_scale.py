"""Benchmark: ``rpkd synth`` of a province or the nation to Parquet, in bounded memory (by hand).

Usage: ``python benchmarks/synth_scale.py --region 00 --families 10000000 --out /tmp/rpkd-nation``.
Reports wall and CPU time per pass, peak resident memory (``getrusage`` and a psutil sampler),
the load average seen during the run, the output size, and the CPU time per million families
with the extrapolation to the DTSEN 2026 national count (95,006,179 families). ``--keep`` keeps
the output (deleted otherwise). Runs ``rpkd.workflows.synthesize_district`` (what ``rpkd synth``
runs) in an empty workspace (the shipped parameter kit).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil

from rpkd.workflows import Workspace, synthesize_district

NATIONAL_FAMILIES = 95_006_179


class _Sampler(threading.Thread):
    """Samples this process's RSS and the 1-minute load average every ``every`` seconds."""

    def __init__(self, every: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.every, self.stop = every, threading.Event()
        self.rss: list[int] = []
        self.load: list[float] = []

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.wait(self.every):
            self.rss.append(me.memory_info().rss)
            self.load.append(os.getloadavg()[0])


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", default="00")
    parser.add_argument("--families", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    stages: dict[str, list[float]] = {}
    started, cpu0 = time.perf_counter(), _cpu()

    def progress(stage: str, done: int, total: int) -> None:
        mark = stages.setdefault(stage, [time.perf_counter(), _cpu(), 0.0, 0.0, 0])
        mark[2], mark[3], mark[4] = time.perf_counter(), _cpu(), total

    sampler = _Sampler()
    sampler.start()
    with (
        tempfile.TemporaryDirectory(prefix="rpkd-synth-ws-") as workspace,
        Workspace.open(workspace) as ws,
    ):
        result = synthesize_district(
            ws, args.region, args.out, families=args.families, fmt="parquet", progress=progress
        )
    wall, cpu = time.perf_counter() - started, _cpu() - cpu0
    sampler.stop.set()
    families = result.summary["families"]
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    per_million = cpu / families * 1e6
    report = {
        "region": result.summary["region"],
        "families": families,
        "persons": result.summary["persons"],
        "chunks": max((m[4] for m in stages.values()), default=0),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "stages": {
            k: {"wall_seconds": round(m[2] - m[0], 1), "cpu_seconds": round(m[3] - m[1], 1)}
            for k, m in stages.items()
        },
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "sampled_rss_mib_max": round(max(sampler.rss, default=0) / 2**20),
        "load_average_1min": {
            "min": round(min(sampler.load, default=0.0), 1),
            "mean": round(sum(sampler.load) / max(len(sampler.load), 1), 1),
            "max": round(max(sampler.load, default=0.0), 1),
        },
        "output_gib": round(size / 2**30, 2),
        "cpu_seconds_per_million_families": round(per_million, 1),
        "extrapolated_national_cpu_hours": round(per_million * NATIONAL_FAMILIES / 1e6 / 3600, 2),
        "extrapolated_national_output_gib": round(size / families * NATIONAL_FAMILIES / 2**30, 1),
        "calibration": {
            r["name"]: [r["target"], r["achieved"]] for r in result.summary["calibration"]
        },
        "serials_spilled": result.summary["serials_spilled"],
        "cores": psutil.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(json.dumps(report, indent=2))
    if not args.keep:
        shutil.rmtree(args.out)


if __name__ == "__main__":
    main()
