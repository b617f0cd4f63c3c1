"""Spark Connect (``spark_master = "sc://host:port"``): the same results as DuckDB.

The test starts a Spark Connect server of its own (PySpark's ``spark-submit`` running
``SparkConnectServer`` in local mode on a free loopback port) and stops it afterwards. rpkd runs
as a Connect client in a child Python process: Spark does not let one process hold a classic
session (the suite's ``spark_engine``) and a Connect session at once. The child writes what it
computed as Parquet; the test compares it with DuckDB's result on the same data, computed here.

Run as a script, this module is that child: ``python test_spark_connect.py TASK URL IN OUT``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyspark  # the suite needs the spark extra (scripts/test.sh installs it)
import pytest

from rpkd import engine as eng
from rpkd.settings import Settings, load_settings

LINKAGE_TESTS = Path(__file__).resolve().parents[1] / "linkage"
REFERENCE_DATE = dt.date(2025, 3, 1)
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
START_TIMEOUT = 240.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory: pytest.TempPathFactory, spark_java_options: str) -> Iterator[str]:
    """Start a local Spark Connect server; yield its ``sc://`` URL; stop it."""
    home = Path(pyspark.__file__).parent
    port = _free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    command = [
        str(home / "bin" / "spark-submit"),
        "--class",
        SERVER_CLASS,
        "--master",
        "local[2]",
        "--driver-memory",
        "1g",
        "--driver-java-options",
        spark_java_options,
        "--conf",
        f"spark.connect.grpc.binding.port={port}",
        "--conf",
        "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf",
        "spark.driver.host=127.0.0.1",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.sql.shuffle.partitions=2",
        "spark-internal",
    ]
    environment = {**os.environ, "SPARK_HOME": str(home)}
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"Spark Connect server did not start on port {port}:\n{tail}")
            time.sleep(1.0)
        yield f"sc://127.0.0.1:{port}"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _client(task: str, url: str, source: Path, out: Path) -> None:
    """Run this module as the Connect client for ``task``; fail with its output if it fails."""
    done = subprocess.run(
        [sys.executable, __file__, task, url, str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic Kapuas registry (families and persons as Parquet)."""
    from rpkd import params
    from rpkd.synth import synthesize

    folder = tmp_path_factory.mktemp("release")
    synthesize("62.03", folder, kit=params.load_kit(None), families=300, seed=3, fmt="parquet")
    return folder


def _profile(engine: eng.Engine, source: Path) -> pa.Table:
    from rpkd.measures.profile import registry_profile

    return registry_profile(
        eng.table(engine, source / "families.parquet"),
        eng.table(engine, source / "persons.parquet"),
        reference_date=REFERENCE_DATE,
    ).to_arrow()


@pytest.mark.spark
def test_registry_profile_over_connect_equals_duckdb(
    connect_url: str, release: Path, tmp_path: Path
) -> None:
    _client("profile", connect_url, release, tmp_path)
    duck = eng.connect(Settings())
    try:
        expected = _profile(duck, release)
    finally:
        eng.close(duck)
    got = pq.read_table(tmp_path / "profile.parquet")
    assert got.num_rows == expected.num_rows > 0
    assert got.equals(expected)


@pytest.mark.spark
def test_engine_operations_over_connect(connect_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "rows.csv").write_text("nama,umur\nSiti,41\nBudi,\n", encoding="utf-8")
    _client("operations", connect_url, source, tmp_path)
    got = pq.read_table(tmp_path / "operations.parquet").to_pylist()
    assert got == [
        {"check": "csv", "value": "Siti|41;Budi|"},
        {"check": "materialised", "value": "2,3"},
        {"check": "batches", "value": "1,1"},
        {"check": "parquet_round_trip", "value": "2,3"},
        {"check": "empty_arrow", "value": "0:x,y"},
    ]


def _link_workspace(root: Path) -> Path:
    """A workspace with the hand-made registry as release ``dtsen-uji`` and its list as CSV."""
    sys.path.insert(0, str(LINKAGE_TESTS))
    from linkage_fixture import build, write_workspace

    return write_workspace(root, build())


def _link(settings: Settings) -> pa.Table:
    """Run the ``rpkd link`` workflow in a workspace of these settings (its engine included)."""
    from rpkd.workflows.link import link_list
    from rpkd.workflows.workspace import Workspace

    with Workspace(settings) as ws:
        return link_list(ws, ws.path / "beneficiaries_pkh.csv", "dtsen-uji").links


@pytest.mark.spark
@pytest.mark.slow
def test_rpkd_link_over_connect_equals_duckdb(connect_url: str, tmp_path: Path) -> None:
    over_connect = _link_workspace(tmp_path / "connect")
    _client("link", connect_url, over_connect, tmp_path)
    expected = _link(Settings(workspace=_link_workspace(tmp_path / "duckdb")))
    got = pq.read_table(tmp_path / "links.parquet")
    key = ["record", "person_id", "method", "deceased", "shared"]
    assert got.select(key).to_pylist() == expected.select(key).to_pylist()
    for a, b in zip(
        got["match_probability"].to_pylist(),
        expected["match_probability"].to_pylist(),
        strict=True,
    ):
        assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9)
    # The standardised registry was cached by the server (a folder of part files) and reused;
    # beside it, the link result kept for a relink of the same list (rpkd.workflows.link).
    kept = over_connect / "releases" / "dtsen-uji" / "derived" / "linkage"
    cached = sorted(kept.iterdir())
    assert [c.name.split("-")[0] for c in cached] == ["registry", "run"]
    assert all(c.is_dir() for c in cached)


def _operations(engine: eng.Engine, source: Path, out: Path) -> pa.Table:
    """Every other :mod:`rpkd.engine` operation once, each summed up as text."""
    checks: list[tuple[str, str]] = []
    rows = eng.fetch(eng.read_csv(engine, source / "rows.csv", ["nama", "umur"]))
    checks.append(("csv", ";".join(f"{r['nama']}|{r['umur'] or ''}" for r in rows.to_pylist())))
    small = eng.table(engine, pa.table({"x": [1, 2, 3], "y": ["a", "b", "c"]}))
    kept = eng.materialise(engine, small.filter(small.x > 1), "rpkd_connect_kept")
    values = eng.fetch(eng.named(engine, "rpkd_connect_kept").order_by("x"))["x"].to_pylist()
    checks.append(("materialised", ",".join(map(str, values))))
    sizes = [batch.num_rows for batch in eng.batches(engine, kept.order_by("x"), rows=1)]
    checks.append(("batches", ",".join(map(str, sizes))))
    written = out / "kept.parquet"
    eng.write_parquet(engine, kept, written)
    eng.write_parquet(engine, kept, written)  # writing again replaces, as on DuckDB
    again = eng.fetch(eng.table(engine, written).order_by("x"))["x"].to_pylist()
    checks.append(("parquet_round_trip", ",".join(map(str, again))))
    nothing = pa.table({"x": pa.array([], pa.int64()), "y": pa.array([], pa.string())})
    empty = eng.fetch(eng.table(engine, nothing))
    checks.append(("empty_arrow", f"{empty.num_rows}:{','.join(empty.column_names)}"))
    return pa.table({"check": [c for c, _ in checks], "value": [v for _, v in checks]})


def main(task: str, url: str, source: Path, out: Path) -> None:
    """Connect to ``url`` as rpkd does (``RPKD_SPARK_MASTER``) and write ``task``'s result."""
    settings = load_settings(source, environ={"RPKD_ENGINE": "spark", "RPKD_SPARK_MASTER": url})
    if task == "link":  # the whole ``rpkd link`` use case: it opens and closes its engine
        pq.write_table(_link(settings), out / "links.parquet")
        return
    engine = eng.connect(settings)
    try:
        if task == "profile":
            pq.write_table(_profile(engine, source), out / "profile.parquet")
        elif task == "operations":
            pq.write_table(_operations(engine, source, out), out / "operations.parquet")
        else:
            raise SystemExit(f"unknown task {task}")
    finally:
        eng.close(engine)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
