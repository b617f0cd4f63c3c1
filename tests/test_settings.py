from __future__ import annotations

from pathlib import Path

import pytest

from rpkd.errors import UsageError
from rpkd.settings import load_settings


def test_argument_beats_environment_beats_file(tmp_path: Path) -> None:
    (tmp_path / "rpkd.toml").write_text('engine = "spark"\nlang = "en"\nregion = "62.03"\n')
    from_file = load_settings(tmp_path, environ={})
    assert (from_file.engine, from_file.lang) == ("spark", "en")
    assert from_file.extra == {"region": "62.03"}
    from_env = load_settings(tmp_path, environ={"RPKD_ENGINE": "duckdb"})
    assert from_env.engine == "duckdb"
    assert load_settings(tmp_path, engine="duckdb", lang="id", environ={}).lang == "id"


def test_defaults_and_database_url(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={})
    assert (s.engine, s.lang, s.spark_master) == ("duckdb", "id", "local[*]")
    assert s.database == f"sqlite:///{(tmp_path / 'rpkd.db').resolve()}"
    pg = load_settings(tmp_path, environ={"RPKD_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert pg.database == "postgresql+psycopg://u@h/db"


def test_workspace_from_environment(tmp_path: Path) -> None:
    assert load_settings(environ={"RPKD_WORKSPACE": str(tmp_path)}).workspace == tmp_path


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as refused:
        load_settings(tmp_path, engine="polars", environ={})
    assert (refused.value.code, refused.value.param) == ("invalid_setting", "engine")
    assert (
        refused.value.message("en") == "setting engine must be one of duckdb, spark, not 'polars'"
    )


@pytest.mark.parametrize("threads", ["many", "0", "-2"])
def test_threads_must_be_a_positive_number(tmp_path: Path, threads: str) -> None:
    with pytest.raises(UsageError) as refused:
        load_settings(tmp_path, environ={"RPKD_THREADS": threads})
    assert (refused.value.code, refused.value.params) == (
        "setting_not_positive",
        {"setting": "threads", "value": threads},
    )
    assert load_settings(tmp_path, environ={"RPKD_THREADS": "4"}).threads == 4


def test_a_broken_settings_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "rpkd.toml").write_text('engine = "duckdb\n', encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        load_settings(tmp_path, environ={})
    assert refused.value.code == "settings_invalid"
    assert refused.value.params["file"] == str(tmp_path / "rpkd.toml")


@pytest.mark.parametrize(
    "master",
    ["local", "local[*]", "local[4]", "local[4, 2]", "local-cluster[2, 1, 1024]",
     "spark://host:7077", "yarn", "k8s://https://host:443", "sc://host:15002/;token=abc"],
)  # fmt: skip
def test_the_spark_masters_spark_starts_on_are_taken(tmp_path: Path, master: str) -> None:
    assert load_settings(tmp_path, environ={"RPKD_SPARK_MASTER": master}).spark_master == master


@pytest.mark.parametrize(
    "master", ["lokal", "local[]", "local[x]", "spark:/host", "sc:/h/;token=t"]
)
def test_a_spark_master_spark_cannot_start_on_is_refused_unechoed(
    tmp_path: Path, master: str
) -> None:
    (tmp_path / "rpkd.toml").write_text(f'spark_master = "{master}"\n', encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        load_settings(tmp_path, environ={})
    assert (refused.value.code, refused.value.param) == ("spark_master_invalid", "spark_master")
    assert master not in refused.value.message("en")  # an sc:// URL may hold a token
