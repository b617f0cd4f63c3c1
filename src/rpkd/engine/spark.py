"""Apache Spark backend (extra ``rpkd[spark]``): the same queries at national scale."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import ibis
import pyarrow as pa

from rpkd.errors import MissingExtra

if TYPE_CHECKING:
    from ibis.expr.types import Table


class SparkBackend:
    """A SparkSession (local[*] by default, or a cluster master URL) behind Ibis."""

    name: Final = "spark"

    def __init__(self, *, master: str = "local[*]") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingExtra("pyspark", "spark") from exc
        self.native = (
            SparkSession.builder.master(master)
            .appName("rpkd")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        self.native.sparkContext.setLogLevel("ERROR")
        self.ibis = ibis.pyspark.connect(self.native)

    def read_parquet(self, paths: Sequence[str], name: str) -> Table:
        frame = self.native.read.parquet(*paths)
        frame.createOrReplaceTempView(name)
        return self.ibis.table(name)

    def from_arrow(self, data: pa.Table, name: str) -> Table:
        frame = self.native.createDataFrame(data)
        frame.createOrReplaceTempView(name)
        return self.ibis.table(name)

    def read_csv(self, path: str, name: str, columns: Sequence[str], delimiter: str) -> Table:
        frame = self.native.read.csv(
            path, header=True, sep=delimiter, inferSchema=False, encoding="UTF-8"
        )
        frame.createOrReplaceTempView(name)
        table = self.ibis.table(name)
        present = set(frame.columns)
        return table.select([c for c in columns if c in present]) if columns else table

    def write_parquet(self, expr: Table, path: str) -> None:
        # Spark writes a folder of part files; rpkd readers accept a folder or a file alike.
        self.ibis.to_parquet(expr, path)

    def batches(self, expr: Table, rows: int) -> Iterator[pa.RecordBatch]:
        yield from expr.to_pyarrow_batches(chunk_size=rows)

    def linkage_api(self) -> Any:
        from splink import SparkAPI

        return SparkAPI(spark_session=self.native)  # type: ignore[no-untyped-call]

    def materialise(self, expr: Table, name: str) -> Table:
        frame = self.native.sql(str(self.ibis.compile(expr))).cache()
        frame.createOrReplaceTempView(name)
        return self.ibis.table(name)

    def close(self) -> None:
        self.native.stop()
