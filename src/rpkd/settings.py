"""Workspace settings: where releases and the application database live, which engine runs.

Resolution order for each setting: explicit argument, environment variable, ``rpkd.toml`` in
the workspace, default. Nothing is read at import time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast, get_args

from rpkd.errors import UsageError

EngineName = Literal["duckdb", "spark"]
Lang = Literal["id", "en"]

DEFAULT_WORKSPACE = Path("rpkd-workspace")
SETTINGS_FILE = "rpkd.toml"


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one workspace."""

    workspace: Path = DEFAULT_WORKSPACE
    engine: EngineName = "duckdb"
    spark_master: str = "local[*]"
    database_url: str | None = None
    lang: Lang = "id"
    memory_limit: str | None = None
    threads: int | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def releases_dir(self) -> Path:
        return self.workspace / "releases"

    @property
    def database(self) -> str:
        """SQLAlchemy URL of the application database (SQLite file in the workspace by default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.workspace / 'rpkd.db').resolve()}"


def _choice(value: str, options: tuple[str, ...], param: str) -> str:
    if value not in options:
        raise UsageError(
            "invalid_setting", param=param, setting=param, value=value, allowed=options
        )
    return value


def _count(value: str | None, param: str) -> int | None:
    """Return a positive whole number setting (``threads``), None when unset."""
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError("setting_not_positive", param=param, setting=param, value=value)
    return count


SPARK_MASTER = re.compile(
    r"local(\[(\d+|\*)(\s*,\s*\d+)?\])?|local-cluster\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]"
    r"|yarn|(spark|k8s|sc)://.+"
)
"""The master URLs Spark 4 starts a session on (``SparkContext.createTaskScheduler``'s patterns,
Kubernetes' ``k8s://``) and Spark Connect's ``sc://``."""


def _spark_master(value: str) -> str:
    """Return ``value`` if Spark can start on it (it is not echoed: ``sc://`` may hold a token)."""
    if not SPARK_MASTER.fullmatch(value):
        raise UsageError("spark_master_invalid", param="spark_master")
    return value


def _read_file(path: Path) -> dict[str, object]:
    """Return the values of ``rpkd.toml`` (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            "settings_invalid", param="settings", file=str(path), detail=str(exc)
        ) from exc


def load_settings(
    workspace: Path | str | None = None,
    *,
    engine: str | None = None,
    lang: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Return the settings for ``workspace`` (argument > ``RPKD_*`` env > rpkd.toml > default)."""
    env = os.environ if environ is None else environ
    ws = Path(workspace or env.get("RPKD_WORKSPACE") or DEFAULT_WORKSPACE)
    file_values = _read_file(ws / SETTINGS_FILE)

    def pick(arg: str | None, env_key: str, file_key: str, default: str | None) -> str | None:
        if arg is not None:
            return arg
        if env.get(env_key):
            return env[env_key]
        value = file_values.get(file_key)
        return str(value) if value is not None else default

    engine_name = _choice(
        pick(engine, "RPKD_ENGINE", "engine", "duckdb") or "duckdb", get_args(EngineName), "engine"
    )
    lang_name = _choice(pick(lang, "RPKD_LANG", "lang", "id") or "id", get_args(Lang), "lang")
    threads = pick(None, "RPKD_THREADS", "threads", None)
    known = {"engine", "lang", "spark_master", "database_url", "memory_limit", "threads"}
    return Settings(
        workspace=ws,
        engine=cast(EngineName, engine_name),
        spark_master=_spark_master(
            pick(None, "RPKD_SPARK_MASTER", "spark_master", "local[*]") or "local[*]"
        ),
        database_url=pick(None, "RPKD_DATABASE_URL", "database_url", None),
        lang=cast(Lang, lang_name),
        memory_limit=pick(None, "RPKD_MEMORY_LIMIT", "memory_limit", None),
        threads=_count(threads, "threads"),
        extra={k: v for k, v in file_values.items() if k not in known},
    )
