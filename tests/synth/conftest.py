"""Shared synthetic districts for the synth tests (built once per session in a temp folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from rpkd import params
from rpkd.synth import SynthResult, synthesize

Reader = Callable[[Path], pa.Table]


def read_file(path: Path) -> pa.Table:
    """Read a synth output file; CSV columns are all read as text (as written)."""
    if path.suffix == ".parquet":
        return pq.read_table(path)
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8").strip().split(",")
    names = [h.strip('"') for h in header]
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )


@pytest.fixture(scope="session")
def kit() -> params.Kit:
    """The packaged national kit (calibration and poverty lines), read once."""
    return params.load_kit(None)


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory: pytest.TempPathFactory, kit: params.Kit) -> SynthResult:
    """Kapuas with 4,000 families, CSV."""
    return synthesize("62.03", tmp_path_factory.mktemp("small_csv"), kit=kit, families=4000, seed=7)


@pytest.fixture(scope="session")
def small_parquet(tmp_path_factory: pytest.TempPathFactory, kit: params.Kit) -> SynthResult:
    """Kapuas with 6,000 families, Parquet."""
    return synthesize(
        "62.03",
        tmp_path_factory.mktemp("small_parquet"),
        kit=kit,
        families=6000,
        seed=11,
        fmt="parquet",
    )


@pytest.fixture(scope="session")
def read() -> Reader:
    """The reader of synth output files."""
    return read_file
