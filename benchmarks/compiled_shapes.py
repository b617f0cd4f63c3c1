"""CPU of ``import_release`` in a long-lived process, with and without kept query shapes.

    .venv/bin/python benchmarks/compiled_shapes.py [--families 800] [--runs 4]

A server or a worker imports list after list of the same kinds; each import validates its files
with one large Ibis expression and a few dozen small ones. :mod:`rpkd.engine.compiled` compiles
each shape of expression once. This writes synthetic districts of the same format (other seeds,
the same reference date), then imports each in one process, alternately with the shapes kept
(rpkd as it is) and with Ibis compiling every expression (the backend's own ``compile``), and
prints the CPU seconds of each import and the median of each side (the first import of each
side compiles every shape and is left out of its median).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rpkd.workflows import Workspace
from rpkd.workflows.releases import import_release
from rpkd.workflows.synth import synthesize_district


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=800)
    parser.add_argument("--runs", type=int, default=4, help="imports on each side")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rpkd-shapes-"))
    seconds: dict[str, list[float]] = {"kept": [], "ibis": []}
    with Workspace.open(root / "ws") as ws:
        backend = ws.engine.backend.ibis
        kept = backend.compile  # rpkd's CompiledShapes
        ibis_own = type(backend).compile.__get__(backend)
        for run in range(2 * args.runs):
            side = "kept" if run % 2 == 0 else "ibis"
            backend.compile = kept if side == "kept" else ibis_own
            source = root / f"source-{run}"
            synthesize_district(ws, "62.03", source, families=args.families, seed=run + 1)
            started = time.process_time()
            import_release(ws, source, f"r{run}", reference_date="2025-03-01")
            seconds[side].append(time.process_time() - started)
            print(f"{side:4}  import {run // 2 + 1}: {seconds[side][-1]:.2f} CPU s", flush=True)
    for side, values in seconds.items():
        print(
            f"{side:4}  median of imports 2-{args.runs}: {statistics.median(values[1:]):.2f} CPU s"
        )


if __name__ == "__main__":
    main()
