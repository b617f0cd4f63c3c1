"""Benchmark ``rpkd link`` on a synthetic district: precision, recall and time per list.

Usage::

    rpkd synth --region 62.03 --seed 1 --out /tmp/kapuas
    python benchmarks/link_synth.py /tmp/kapuas [--programme pkh ...] [--upper 0.95 --lower 0.5]

The synthetic persons and families are written as a release (Parquet and a manifest) in a
temporary workspace; each list is linked with the default parameters and compared with
``truth/links_<programme>.csv``. A link counts as made when its method is ``nik`` or
``probabilistic`` (review rows are not links until a clerk accepts them). Results go to stdout;
copy them into ``benchmarks/RESULTS.md`` with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from rpkd.releases.schema import PROGRAMMES
from rpkd.settings import Settings
from rpkd.workflows import Workspace, link_list


def _release(source: Path, workspace: Path) -> str:
    folder = workspace / "releases" / "synth"
    folder.mkdir(parents=True)
    for kind in ("persons", "families"):
        types = {"birth_date": pa.date32(), "death_date": pa.date32()} if kind == "persons" else {}
        strings = ("person_id", "family_id", "nik", "kk_number", "desa_code")
        options = pcsv.ConvertOptions(
            column_types={**{c: pa.string() for c in strings}, **types}, strings_can_be_null=True
        )
        pq.write_table(
            pcsv.read_csv(source / f"{kind}.csv", convert_options=options),
            folder / f"{kind}.parquet",
        )
    manifest = {"name": "synth", "kinds": ["persons", "families"], "region": None}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return "synth"


def _truth(path: Path) -> dict[str, str | None]:
    options = pcsv.ConvertOptions(
        column_types={"record": pa.string(), "person_id": pa.string()}, strings_can_be_null=True
    )
    table = pcsv.read_csv(path, convert_options=options)
    return {
        r: (p or None)
        for r, p in zip(table["record"].to_pylist(), table["person_id"].to_pylist(), strict=True)
    }


def score(links: pa.Table, truth: dict[str, str | None]) -> dict[str, float]:
    """Return precision and recall of the automatic links (``nik`` and ``probabilistic``)."""
    tp = fp = fn = review = 0
    for row in links.to_pylist():
        true = truth.get(row["record"])
        made = row["person_id"] if row["method"] in ("nik", "probabilistic") else None
        review += row["method"] == "review"
        if made is not None and made == true:
            tp += 1
        elif made is not None:
            fp += 1
            fn += true is not None
        elif true is not None:
            fn += 1
    return {
        "precision": tp / max(tp + fp, 1),
        "recall": tp / max(tp + fn, 1),
        "true_links": tp,
        "false_links": fp,
        "missed": fn,
        "review": review,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("synth", type=Path)
    parser.add_argument("--programme", action="append", choices=PROGRAMMES)
    parser.add_argument("--upper", type=float)
    parser.add_argument("--lower", type=float)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rpkd-link-bench-") as tmp:
        workspace = Path(tmp)
        name = _release(args.synth, workspace)
        settings = Settings(workspace=workspace)
        for programme in args.programme or PROGRAMMES:
            path = args.synth / f"beneficiaries_{programme}.csv"
            # One workspace per list, as one `rpkd link` run: the engine is opened and closed
            # inside the clock; the application database is opened before it.
            with Workspace(settings) as ws:
                ws.actor  # noqa: B018
                wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
                outcome = link_list(ws, path, name, upper=args.upper, lower=args.lower)
            after = resource.getrusage(resource.RUSAGE_SELF)
            truth = _truth(args.synth / "truth" / f"links_{programme}.csv")
            figures: dict[str, Any] = dict(score(outcome.links, truth))
            figures.update(
                programme=programme,
                rows=outcome.links.num_rows,
                seconds=round(time.perf_counter() - wall, 1),
                cpu_seconds=round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 1),
                counts=outcome.counts(),
                findings=outcome.parameters["findings"],
            )
            print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
