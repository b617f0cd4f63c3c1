"""The engine interface gives the same rows on every engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.errors import MissingExtra, UsageError
from rpkd.settings import Settings

ROWS = pa.table(
    {
        "desa": ["62.03.01.1006", "62.03.01.1006", "62.03.02.2001", None],
        "weight": [1.5, 2.5, 3.0, 1.0],
        "y": [100.0, 300.0, 50.0, 10.0],
    }
)


def test_grouped_weighted_sum_is_identical(engine: eng.Engine) -> None:
    t = eng.table(engine, ROWS)
    expr = t.group_by("desa").aggregate(total=(t.weight * t.y).sum(), n=t.count()).order_by("desa")
    got = eng.fetch(expr).to_pylist()
    # 1.5*100 + 2.5*300 = 900; 3*50 = 150; 1*10 = 10 (null group sorts last).
    assert got == [
        {"desa": "62.03.01.1006", "total": 900.0, "n": 2},
        {"desa": "62.03.02.2001", "total": 150.0, "n": 1},
        {"desa": None, "total": 10.0, "n": 1},
    ]


def test_parquet_round_trip_is_readable_by_the_other_engine(
    engine: eng.Engine, tmp_path: Path
) -> None:
    out = tmp_path / "rows.parquet"
    eng.write_parquet(engine, eng.table(engine, ROWS), out)
    duck = eng.connect(Settings())
    try:
        back = eng.fetch(eng.table(duck, out).order_by("y"))
    finally:
        eng.close(duck)
    assert back.column("y").to_pylist() == [10.0, 50.0, 100.0, 300.0]


def test_read_csv_keeps_every_value_as_text(engine: eng.Engine, tmp_path: Path) -> None:
    source = tmp_path / "f.csv"
    source.write_text("nik,amount\n6203014101900001,12.5\nabc,x\n", encoding="utf-8")
    t = eng.read_csv(engine, source, ["nik", "amount"])
    rows = eng.fetch(t).to_pylist()
    assert rows == [{"nik": "6203014101900001", "amount": "12.5"}, {"nik": "abc", "amount": "x"}]


def test_batches_stream_all_rows(engine: eng.Engine) -> None:
    t = eng.table(engine, pa.table({"i": list(range(2500))}))
    got = sorted(i for b in eng.batches(engine, t, rows=1000) for i in b.column("i").to_pylist())
    assert got == list(range(2500))


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as refused:
        eng.connect(Settings(), name="polars")  # type: ignore[arg-type]
    assert (refused.value.code, refused.value.param) == ("engine_unknown", "engine")
    assert refused.value.params == {"value": "polars", "allowed": ("duckdb", "spark")}


def test_a_missing_extra_names_the_package_to_install() -> None:
    error = MissingExtra("pyspark", "spark")
    assert (error.code, error.param, error.exit_code) == ("missing_extra", "spark", 2)
    assert error.message("en") == (
        "pyspark is not installed; install it with: pip install 'rpkd[spark]'"
    )


def test_spark_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if installed without rpkd[spark]: importing pyspark fails.
    for name in ("pyspark", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtra) as missing:
        eng.connect(Settings(engine="spark"))
    assert missing.value.params == {"package": "pyspark", "extra": "spark"}
    assert missing.value.message("id").endswith("pip install 'rpkd[spark]'")


@pytest.mark.spark
def test_closing_one_spark_engine_keeps_the_session_of_the_others(
    spark_engine: eng.Engine,
) -> None:
    # A second engine of the process (a web request, a workflow) joins the running session;
    # closing it must not stop the session under the first one.
    other = eng.connect(Settings(engine="spark"))
    assert other.backend.native is spark_engine.backend.native
    eng.close(other)
    table = eng.table(spark_engine, pa.table({"x": [1, 2, 3]}))
    assert eng.fetch(table.aggregate(total=table.x.sum()))["total"].to_pylist() == [6]
