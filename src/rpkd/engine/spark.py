"""Apache Spark backend (extra ``rpkd[spark]``): the same queries at national scale.

``Settings.spark_master`` chooses the session. A master URL (``local[*]``, ``spark://...``,
``yarn``, ``k8s://...``) starts a classic session whose driver is the ``rpkd`` process (or joins
the one ``spark-submit`` started). A URL ``sc://host:port`` connects to a Spark Connect server
instead: the driver then runs on the server and this process only sends plans over gRPC, so
nothing here may touch the JVM (``sparkContext``), and only SQL settings can be changed from
the client; the server's own configuration decides the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import ibis
import pyarrow as pa

from rpkd.engine.compiled import CompiledShapes
from rpkd.errors import MissingExtra

if TYPE_CHECKING:
    from ibis.expr.types import Table

CONNECT_SCHEME: Final = "sc://"
# Session settings every query relies on; a Connect client may change these too.
SQL_SETTINGS: Final = {"spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "false"}
# Driver settings, only for a classic session started here.
DRIVER_SETTINGS: Final = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}


def is_connect(master: str) -> bool:
    """Return whether ``master`` names a Spark Connect server (``sc://host:port``)."""
    return master.startswith(CONNECT_SCHEME)


def _session(master: str) -> Any:
    """Return a Connect session for ``sc://`` URLs, else a classic session on ``master``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("pyspark", "spark") from exc
    if is_connect(master):
        try:
            import pyspark.sql.connect.session  # noqa: F401 - needs grpcio, as the extra pins
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingExtra("grpcio", "spark") from exc
        session = SparkSession.builder.remote(master).getOrCreate()
        for key, value in SQL_SETTINGS.items():
            session.conf.set(key, value)
        return session
    builder = SparkSession.builder.master(master).appName("rpkd")
    for key, value in {**SQL_SETTINGS, **DRIVER_SETTINGS}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


_users_lock = threading.Lock()
_users: dict[int, int] = {}
"""Open backends per session (by ``id``): the session is shared, closing must count."""


def _join(session: Any) -> None:
    with _users_lock:
        _users[id(session)] = _users.get(id(session), 0) + 1


def _leave(session: Any) -> bool:
    """Count one backend of ``session`` closed; return whether none is left open."""
    with _users_lock:
        left = _users.get(id(session), 1) - 1
        if left > 0:
            _users[id(session)] = left
            return False
        _users.pop(id(session), None)
        return True


class SparkBackend:
    """A SparkSession (local[*] by default, a cluster master, or ``sc://`` Connect) behind Ibis."""

    name: Final = "spark"

    def __init__(self, *, master: str = "local[*]") -> None:
        self.connect = is_connect(master)
        self.native = _session(master)
        _join(self.native)
        self.ibis = ibis.pyspark.connect(self.native)
        self.ibis.compile = CompiledShapes(self.ibis.compile)  # every query compiles here

    def read_parquet(self, paths: Sequence[str], name: str) -> Table:
        frame = self.native.read.parquet(*paths)
        frame.createOrReplaceTempView(name)
        return self.ibis.table(name)

    def from_arrow(self, data: pa.Table, name: str) -> Table:
        if data.num_rows == 0:
            # Connect cannot infer a schema from no rows; the Arrow schema says it.
            from pyspark.sql.pandas.types import from_arrow_schema

            frame = self.native.createDataFrame([], schema=from_arrow_schema(data.schema))
        else:
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
        # Like DuckDB, writing replaces what is at ``path``.
        self.ibis.to_parquet(expr, path, mode="overwrite")

    def batches(self, expr: Table, rows: int) -> Iterator[pa.RecordBatch]:
        yield from expr.to_pyarrow_batches(chunk_size=rows)

    def linkage_api(self) -> Any:
        """Return Splink's Spark API on this session, without Splink's Scala UDF jar.

        rpkd's comparisons use only functions Spark SQL has built in (``levenshtein``, array
        functions; see :mod:`rpkd.linkage.comparisons`), so the jar is not registered. Splink's
        intermediate tables are written as Parquet under the checkpoint directory when a classic
        session has one (``spark.checkpoint.dir``, e.g. on HDFS for a cluster), and persisted
        in executor memory and disk otherwise (always on Connect, which has no ``sparkContext``).
        """
        try:
            from splink import SparkAPI
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingExtra("splink", "linkage") from exc

        parquet = not self.connect and self._checkpoint_dir() is not None
        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.native,
            register_udfs_automatically=False,
            break_lineage_method="parquet" if parquet else "persist",
        )

    def materialise(self, expr: Table, name: str) -> Table:
        """Compute ``expr`` now and keep it as a table whose plan starts afresh.

        A cached frame keeps its whole plan, and Spark analyses that plan again in every query
        that reads it; standardised names take dozens of projections, and the joins of the
        linkage model then make plans too large to analyse. A checkpoint cuts the plan: a
        reliable one in the checkpoint directory when there is one, else a local one held by
        the executors (lost, and the query failed, if an executor dies).
        """
        frame = self.native.sql(str(self.ibis.compile(expr)))
        if self._checkpoint_dir() is not None:
            frame = frame.checkpoint(eager=True)
        else:
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        return self.ibis.table(name)

    def _checkpoint_dir(self) -> str | None:
        """Return the session's checkpoint directory (``spark.checkpoint.dir``), if any."""
        if self.connect:
            value = self.native.conf.get("spark.checkpoint.dir", None)
            return str(value) if value else None
        directory = self.native.sparkContext.getCheckpointDir()
        return str(directory) if directory else None

    def close(self) -> None:
        """Stop the session when no other open backend of this process uses it.

        ``getOrCreate`` gives every backend of a process the same session (the web app opens one
        per request); stopping it under another backend's running query broke that query
        ("sparkSession is null").
        """
        if _leave(self.native):
            self.native.stop()
