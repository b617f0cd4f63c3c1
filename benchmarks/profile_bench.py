"""Time the registry profile (all levels) on DuckDB or Spark, and against pandas.

    python benchmarks/profile_bench.py duckdb DATA [--repeat 3] [--memory-limit 8GB] [--public]
        [--string-key]
    python benchmarks/profile_bench.py spark DATA [--repeat 2] [--master local[2]]
    python benchmarks/profile_bench.py pandas DATA [--memory-gb 20] [--compare]

DATA holds ``families/`` and ``persons/`` Parquet (``profile_data.py`` or
``profile_nation_data.py``). ``pandas`` runs ``profile_pandas.py`` in a subprocess, killed if its
resident memory passes ``--memory-gb`` (the machine's RAM less what the system needs), then rpkd
on DuckDB in the same run, and with ``--compare`` checks that both counted the same. Each of the
two starts with the data files just read (in the page cache).
Peak memory is sampled with psutil (this process and its children, e.g. Spark's JVM).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import params
from rpkd.measures.characteristics import (
    COUNT_COLUMNS,
    COUNTED,
    Criteria,
    criteria,
    family_summary,
    summary_counts,
)
from rpkd.measures.profile import RegistryProfile, registry_profile, summary_profile
from rpkd.releases.family_key import COLUMN, has_key
from rpkd.settings import Settings

if TYPE_CHECKING:
    from ibis.expr.types import Table

REF = date(2025, 3, 1)


def _criteria() -> Criteria:
    """Return the profile criteria of the national kit (what ``rpkd profile`` uses by default)."""
    return criteria(params.load_kit(None).document("profile"))


class PeakMemory:
    """Sample the resident memory of this process and its children every 0.2 s.

    With ``kill_children_above`` (bytes), a child whose resident memory passes it is killed: that
    is how "runs out of memory" is decided for pandas (resident memory, not address space).
    """

    def __init__(self, kill_children_above: int | None = None) -> None:
        self.peak = 0
        self.cpu = 0.0  # user + system seconds of this process and its children
        self.killed_at: int | None = None
        self._limit = kill_children_above
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                children = me.children(recursive=True)
                sizes = [c.memory_info().rss for c in children]
                total = me.memory_info().rss + sum(sizes)
                if self._limit is not None:
                    for child, size in zip(children, sizes, strict=True):
                        if size > self._limit:
                            self.killed_at = size
                            child.kill()
            except psutil.Error:
                total = 0
            self.peak = max(self.peak, total)
            time.sleep(0.2)
        self.cpu = _cpu_seconds(me) - self._cpu0

    def __enter__(self) -> PeakMemory:
        self._cpu0 = _cpu_seconds(psutil.Process())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_seconds(process: psutil.Process) -> float:
    own = process.cpu_times()
    children = 0.0
    for child in process.children(recursive=True):
        try:
            t = child.cpu_times()
            children += t.user + t.system
        except psutil.Error:
            continue
    return float(own.user + own.system + own.children_user + own.children_system + children)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) {five:.1f} (5 min) on {psutil.cpu_count()} cores"


def _families_counted(result: RegistryProfile) -> int:
    """Return the families the profile counted: the total of its kabupaten rows (the
    kecamatan and desa rows count the same families again)."""
    desil = result.desil
    rows = pc.and_(pc.equal(desil["indicator"], "families_total"),
                   pc.equal(desil["level"], "kabupaten"))  # fmt: skip
    return int(pc.sum(pc.filter(desil["value"], rows)).as_py())


def _tables(engine: eng.Engine, data: Path, string_key: bool) -> tuple[Table, Table]:
    """Return the families and persons of ``data``; without ``family_key`` if ``string_key``
    (then the profile groups by the string ``family_id``, as for a release of schema 1)."""
    families, persons = eng.table(engine, data / "families"), eng.table(engine, data / "persons")
    if string_key:
        families, persons = (
            t.drop(COLUMN) if COLUMN in t.columns else t for t in (families, persons)
        )
    return families, persons


def run_engine(
    settings: Settings, data: Path, repeat: int, public: bool, string_key: bool = False
) -> tuple[float, float]:
    """Time the profile three ways; return the fastest times from a stored summary and direct.

    *direct*: ``registry_profile`` on the raw tables (what ``rpkd profile`` does the first time,
    and at a reference date other than the release's); *store*: writing the family summary to
    Parquet (done once per release, date and criteria); *stored*: ``summary_profile`` on it
    (every later ``rpkd profile`` of the release).
    """
    began = time.perf_counter()
    engine = eng.connect(settings)
    started = time.perf_counter() - began
    families, persons = _tables(engine, data, string_key)
    key = "family_id" if string_key or not has_key(families, persons) else COLUMN
    chosen = _criteria()
    with tempfile.TemporaryDirectory(prefix="rpkd-bench-") as tmp:
        path = Path(tmp) / "family-summary.parquet"
        phases: list[tuple[str, Callable[[], RegistryProfile | None], int]] = [
            (
                "direct",
                lambda: registry_profile(
                    families, persons, reference_date=REF, public=public, criteria=chosen
                ),
                repeat,
            ),
            (
                "store",
                lambda: eng.write_parquet(
                    engine, family_summary(families, persons, REF, chosen), path
                ),
                1,
            ),
            (
                "stored",
                lambda: summary_profile(
                    eng.table(engine, path),
                    reference_date=REF,
                    families=families,
                    public=public,
                    criteria=chosen,
                ),
                repeat,
            ),
        ]
        best = {}
        for phase, run, times in phases:
            with PeakMemory() as memory:
                seconds = []
                for _ in range(times):
                    t0 = time.perf_counter()
                    result = run()
                    seconds.append(time.perf_counter() - t0)
            best[phase] = min(seconds)
            counted = f"; families counted {_families_counted(result)}" if result else ""
            print(
                f"{settings.engine} {phase} (all levels, public={public}, by {key}): "
                f"{', '.join(f'{t:.2f}' for t in seconds)} s{counted}; "
                f"peak RSS {memory.peak / 2**30:.2f} GB; CPU {memory.cpu:.1f} s; {_load()}",
                flush=True,
            )
    eng.close(engine)
    print(f"{settings.engine}: engine start {started:.1f} s", flush=True)
    return best["stored"], best["direct"]


def _warm(data: Path) -> None:
    """Read every file of ``data`` once, so that each tool starts with it in the page cache.

    Both tools then start alike, whatever ran before. It did not steady rpkd's time after pandas
    (7.2-9.2 s at 10M families, 2026-12-05): fresh memory pages, not file reads, cost it there.
    """
    for path in sorted(data.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                while fh.read(1 << 24):
                    pass


def run_pandas(data: Path, memory_gb: float, compare: bool, memory_limit: str | None) -> None:
    out = Path(tempfile.mkdtemp()) / "pandas.parquet"
    script = Path(__file__).with_name("profile_pandas.py")
    _warm(data)
    with PeakMemory(kill_children_above=int(memory_gb * 2**30)) as memory:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(script), str(data), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    if memory.killed_at is not None:
        tail.append(
            f"killed: resident memory passed {memory_gb} GB ({memory.killed_at / 2**30:.1f})"
        )
    print(
        f"pandas (resident limit {memory_gb} GB): exit {done.returncode}, {wall:.1f} s wall, "
        f"peak RSS {memory.peak / 2**30:.2f} GB, CPU {memory.cpu:.1f} s; {' | '.join(tail)}; "
        f"{_load()}",
        flush=True,
    )
    _warm(data)
    stored, direct = run_engine(Settings(memory_limit=memory_limit), data, 1, public=False)
    if done.returncode == 0:
        print(
            f"pandas / rpkd: {wall / stored:.1f}x (profile from the stored summary), "
            f"{wall / direct:.1f}x (direct)",
            flush=True,
        )
    if not compare or done.returncode != 0:
        return
    engine = eng.connect(Settings())
    families, persons = eng.table(engine, data / "families"), eng.table(engine, data / "persons")
    chosen = _criteria()
    counts = eng.fetch(summary_counts(family_summary(families, persons, REF, chosen), chosen))
    eng.close(engine)
    counts = counts.filter(pc.equal(counts["coverage"], COUNTED))
    theirs = pq.read_table(out)
    same = counts.num_rows == theirs.num_rows and all(
        pc.sum(counts[c]).as_py() == pc.sum(theirs[c]).as_py()
        for c in COUNT_COLUMNS
        if c in theirs.column_names
    )
    print(f"pandas and rpkd desa x desil counts agree: {same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["duckdb", "spark", "pandas"])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 8GB")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--memory-gb", type=float, default=20.0, help="pandas: kill it past this resident memory"
    )
    parser.add_argument("--public", action="store_true")
    parser.add_argument("--compare", action="store_true", help="pandas: check the counts agree")
    parser.add_argument(
        "--string-key",
        action="store_true",
        help="group by the string family_id even where the data carry family_key",
    )
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M')} {args.mode} {args.data}", flush=True)
    if args.mode == "pandas":
        run_pandas(args.data, args.memory_gb, args.compare, args.memory_limit)
        return
    settings = Settings(
        engine=args.mode,
        spark_master=args.master,
        memory_limit=args.memory_limit,
        threads=args.threads,
    )
    run_engine(settings, args.data, args.repeat, args.public, args.string_key)


if __name__ == "__main__":
    main()
