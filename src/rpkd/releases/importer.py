"""Import a folder of source files as a named, immutable release: all or nothing (DESIGN.md §2).

Everything is written into a hidden temporary folder inside ``releases/`` and renamed into place
with one ``os.rename`` only when every check passed, after the files were flushed to disk. A
process killed at any moment therefore leaves either a complete release or a ``.tmp-*`` folder
that is not a release and that the next import removes.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import regions
from rpkd.errors import InvalidInput
from rpkd.releases import catalog, findings, sources
from rpkd.releases.catalog import MANIFEST, Release
from rpkd.releases.findings import FINDINGS_SCHEMA
from rpkd.releases.mapping import SourceMapping, default, load_mapping
from rpkd.releases.schema import KINDS, SCHEMA_VERSION, TABLES
from rpkd.releases.validate import ORDER, Validation, ordered, typed, validate
from rpkd.settings import Settings

if TYPE_CHECKING:
    from ibis.expr.types import Table

Progress = Callable[[str, int, int], None]  # (what is being done, units done, units in all)
TMP_PREFIX = ".tmp-"
PII_FIELDS = frozenset(c for t in TABLES.values() for c in t.pii)
PREVIEW = 10_000  # findings kept in memory in ImportResult (the report files hold them all)
_STREAM_ROWS = 65_536  # findings per batch streamed from the engine to the report files


@dataclass(frozen=True)
class ImportResult:
    """The release (None when errors blocked it), its findings and the report files written.

    ``findings`` holds at most :data:`PREVIEW` findings (errors chosen first), in report order;
    the report files (on failure) and the release's ``findings.parquet`` (warnings) hold every
    kept finding, and ``errors``/``warnings`` are exact totals.
    """

    release: Release | None
    findings: pa.Table
    report: tuple[Path, ...]
    region: str | None
    errors: int
    warnings: int

    @property
    def ok(self) -> bool:
        return self.release is not None

    def to_arrow(self) -> pa.Table:
        return self.findings


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    def unlock(func: Callable[..., Any], target: str, _exc: object) -> None:  # onerror (3.11)
        os.chmod(os.path.dirname(target), stat.S_IRWXU)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(target, stat.S_IRWXU)
            func(target)

    shutil.rmtree(path, onerror=unlock)


def clean_stale(releases: Path) -> tuple[Path, ...]:
    """Remove temporary folders left by imports whose process no longer runs; return them."""
    removed = []
    for path in releases.glob(f"{TMP_PREFIX}*"):
        pid = path.name.rsplit("-", 2)[-2]
        if path.is_dir() and (not pid.isdigit() or not _alive(int(pid))):
            _remove(path)
            removed.append(path)
    return tuple(removed)


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file, or of a folder's files in name order (Spark part files)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        with item.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def _freeze(folder: Path) -> None:
    """Flush every file to disk and make it read-only (releases are immutable)."""
    for item in sorted(folder.rglob("*"), reverse=True):
        if item.is_file():
            with item.open("rb") as fh:
                os.fsync(fh.fileno())
            item.chmod(0o444)
        elif item.is_dir():
            item.chmod(0o555)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    folder.chmod(0o555)


def _version() -> str:
    try:
        return metadata.version("rpkd")
    except metadata.PackageNotFoundError:
        return "unknown"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _mapping(mapping: SourceMapping | Path | None) -> SourceMapping:
    if mapping is None:
        return default()
    return mapping if isinstance(mapping, SourceMapping) else load_mapping(Path(mapping))


def _masked(batches: Iterable[pa.RecordBatch], unmask: bool) -> Iterator[pa.RecordBatch]:
    """Yield the findings batches cast to the findings schema, PII values masked unless ``unmask``."""
    for batch in batches:
        table = pa.Table.from_batches([batch]).select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)
        yield from (table if unmask else findings.mask_pii(table, PII_FIELDS)).to_batches()


def _stream(engine: eng.Engine, table: Table, unmask: bool) -> Iterator[pa.RecordBatch]:
    """Yield ``table`` (findings) in report order from the engine, batch by batch, masked."""
    yield from _masked(eng.batches(engine, ordered(table), rows=_STREAM_ROWS), unmask)


def _preview(engine: eng.Engine, table: Table, unmask: bool) -> pa.Table:
    """Return at most :data:`PREVIEW` findings in report order, errors chosen before warnings."""
    keys = [ibis.asc(c, nulls_first=True) for c in ORDER]
    first = table.order_by([ibis.asc(table.severity != "error"), *keys])
    rows = eng.fetch(first, limit=PREVIEW).select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)
    if rows.num_rows:
        rows = rows.take(
            pc.sort_indices(rows, sort_keys=[(c, "ascending", "at_start") for c in ORDER])
        )
    return rows if unmask else findings.mask_pii(rows, PII_FIELDS)


def _report(settings: Settings, name: str, batches: Iterable[pa.RecordBatch]) -> tuple[Path, ...]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return findings.write_report(batches, settings.workspace / "findings", f"{name}-{stamp}")


def _write_warnings(engine: eng.Engine, table: Table, path: Path, unmask: bool) -> None:
    """Write the warnings (masked unless ``unmask``) to ``path``, streamed from the engine."""
    warnings = table.filter(table.severity == "warning")
    with pq.ParquetWriter(str(path), FINDINGS_SCHEMA, compression="zstd") as writer:
        for batch in _stream(engine, warnings, unmask):
            writer.write_batch(batch)


def _write(engine: eng.Engine, checked: Validation, folder: Path) -> None:
    for kind in KINDS:
        ctxs = [c for c in checked.contexts if c.kind == kind]
        if not ctxs:
            continue
        parts = [typed(c) for c in ctxs]
        expr = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
        eng.write_parquet(engine, expr, folder / f"{kind}.parquet")


def _manifest(
    name: str,
    checked: Validation,
    staged: tuple[sources.Staged, ...],
    folder: Path,
    mapping: SourceMapping,
    engine_name: str,
    unmask: bool,
) -> dict[str, Any]:
    rows: dict[str, int] = {}
    for item in staged:
        rows[item.source.kind] = rows.get(item.source.kind, 0) + item.rows
    outputs = {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.name.endswith(".parquet")}
    warnings = checked.summary("warning")
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "region": checked.district,
        "kinds": [k for k in KINDS if k in rows],
        "rows": rows,
        "programmes": sorted({s.source.programme for s in staged if s.source.programme}),
        "sources": [s.describe() for s in staged],
        "outputs": outputs,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "created_by": _user(),
        "rpkd_version": _version(),
        "engine": engine_name,
        "mapping": None
        if mapping.path is None
        else {
            "file": mapping.path.name,
            "sha256": mapping.sha256,
            "document": dict(mapping.document),
        },
        "warnings": warnings,
        "deceased": warnings.get("deceased", 0),
        "findings_masked": not unmask,
    }


def import_release(
    source_dir: Path,
    name: str,
    settings: Settings,
    mapping: SourceMapping | Path | None = None,
    region: str | None = None,
    progress: Progress | None = None,
    *,
    unmask_findings: bool = False,
    today: date | None = None,
    engine: eng.Engine | None = None,
) -> ImportResult:
    """Validate ``source_dir`` and, when no check fails, store it as release ``name``.

    Returns an :class:`ImportResult` whose ``release`` is None when errors blocked the import; the
    findings report (CSV and XLSX) is then written to ``<workspace>/findings/``. Raises
    :class:`InvalidInput` if the release exists or the folder holds no source file. ``engine``
    (default: one opened from ``settings`` and closed at the end) is left open when given.
    """
    catalog.check_name(name)
    chosen = _mapping(mapping)
    releases = catalog.releases_dir(settings.workspace)
    releases.mkdir(parents=True, exist_ok=True)
    if (releases / name).exists():
        raise InvalidInput(
            "release_exists",
            f"rilis {name!r} sudah ada; rilis tidak dapat diubah (release exists and is immutable)",
            param="name",
        )
    district = region or (str(settings.extra["region"]) if settings.extra.get("region") else None)
    if district is not None:
        district = regions.region(district).code  # an unknown --region fails before any work
    clean_stale(releases)
    files = sources.discover(Path(source_dir), chosen)
    tmp = releases / f"{TMP_PREFIX}{name}-{os.getpid()}-{secrets.token_hex(4)}"
    staging = tmp / ".staging"
    staging.mkdir(parents=True)
    report = progress or (lambda _what, _done, _total: None)
    total = sum(f.path.stat().st_size for f in files) * 2 + 1
    own = engine is None
    engine = engine or eng.connect(settings)
    try:
        staged_list: list[sources.Staged] = []
        done = 0
        for item in files:

            def advance(n: int, base: int = done, label: str = item.path.name) -> None:
                report(label, base + n, total)

            staged_list.append(sources.stage(item, chosen, staging, advance))
            done += item.path.stat().st_size
        staged = tuple(staged_list)
        report("validasi", done, total)
        checked = validate(engine, staged, chosen, lang=settings.lang, region=district, today=today)
        counts = (
            sum(n for (s, _), n in checked.totals.items() if s == "error"),
            sum(n for (s, _), n in checked.totals.items() if s == "warning"),
        )
        shown = _preview(engine, checked.findings, unmask_findings)
        if not checked.ok:
            written = _report(settings, name, _stream(engine, checked.findings, unmask_findings))
            return ImportResult(None, shown, written, checked.district, *counts)
        report("menulis", done + total // 4, total)
        _write(engine, checked, tmp)
        _write_warnings(engine, checked.findings, tmp / "findings.parquet", unmask_findings)
        _remove(staging)
        manifest = _manifest(name, checked, staged, tmp, chosen, engine.name, unmask_findings)
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        _freeze(tmp)
        try:
            os.rename(tmp, releases / name)
        except OSError as exc:
            raise InvalidInput("release_exists", f"rilis {name!r} sudah ada", param="name") from exc
        report("selesai", total, total)
        paths: tuple[Path, ...] = ()
        return ImportResult(
            catalog.open_release(settings.workspace, name), shown, paths, checked.district, *counts
        )
    finally:
        if own:
            with contextlib.suppress(Exception):
                eng.close(engine)
        if tmp.exists():
            _remove(tmp)
