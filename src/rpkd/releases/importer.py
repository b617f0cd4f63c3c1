"""Import a folder of source files as a named, immutable release: all or nothing (DESIGN.md §2).

:func:`prepare` stages and validates the folder inside a hidden temporary folder of
``releases/`` and yields a :class:`Candidate`: the findings (counts, a preview, the full stream
in report order) and, when no check failed, :meth:`Candidate.commit`, which writes the release
and renames it into place with one ``os.rename`` after every file was flushed to disk. A process
killed at any moment therefore leaves either a complete release or a ``.tmp-*`` folder that is
not a release and that the next import removes. Writing the findings report is the caller's
(the import workflow's): the stream is open while the candidate is.
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.releases import catalog, family_key, findings, sources
from rpkd.releases.catalog import MANIFEST, Release
from rpkd.releases.mapping import SourceMapping, default
from rpkd.releases.schema import KINDS, SCHEMA_VERSION, TABLES
from rpkd.releases.validate import ORDER, Validation, ordered, typed, validate

if TYPE_CHECKING:
    from ibis.expr.types import Table

Progress = Callable[[str, int, int], None]  # (what is being done, units done, units in all)
TMP_PREFIX = ".tmp-"
STAGING = ".staging"
PII_FIELDS = frozenset(c for t in TABLES.values() for c in t.pii)
PREVIEW = 10_000  # findings kept in memory by a Candidate (the report files hold them all)
_STREAM_ROWS = 65_536  # findings per batch streamed from the engine to the report files


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


def staging_name(name: str) -> str:
    """Return the hidden name ``.tmp-<name>-<pid>-<token>`` under which this process writes
    ``name`` before renaming it into place; :func:`clean_stale` removes it once the process
    has ended (a kill between writing and renaming leaves nothing visible)."""
    return f"{TMP_PREFIX}{name}-{os.getpid()}-{secrets.token_hex(4)}"


def clean_stale(folder: Path) -> tuple[Path, ...]:
    """Remove the ``.tmp-<name>-<pid>-<token>`` folders and files of ``folder`` whose process
    no longer runs (left by a killed import, link, document or derived table); return them."""
    removed = []
    for path in folder.glob(f"{TMP_PREFIX}*"):
        pid = path.name.rsplit("-", 2)[-2]
        if pid.isdigit() and _alive(int(pid)):
            continue
        if path.is_dir():
            _remove(path)
        else:
            path.unlink(missing_ok=True)
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


def _masked(batches: Iterable[pa.RecordBatch], unmask: bool) -> Iterator[pa.RecordBatch]:
    """Yield the findings batches cast to :data:`findings.SCHEMA`, PII masked unless ``unmask``."""
    for batch in batches:
        table = pa.Table.from_batches([batch]).select(findings.SCHEMA.names)
        table = table.cast(findings.SCHEMA)
        yield from (table if unmask else findings.mask_pii(table, PII_FIELDS)).to_batches()


@dataclass(frozen=True)
class Candidate:
    """A validated import waiting in its temporary folder: findings, and the release if ok.

    ``errors`` and ``warnings`` are exact totals; :attr:`preview` holds at most
    :data:`PREVIEW` findings (errors first) in report order; :meth:`stream` yields every kept
    finding. Values of personal-data fields are masked unless the import unmasks them.
    """

    name: str
    releases: Path
    folder: Path
    engine: eng.Engine
    checked: Validation
    staged: tuple[sources.Staged, ...]
    mapping: SourceMapping
    reference_date: date
    unmask: bool
    progress: Progress = field(repr=False)

    @property
    def errors(self) -> int:
        return sum(n for (s, _), n in self.checked.totals.items() if s == "error")

    @property
    def warnings(self) -> int:
        return sum(n for (s, _), n in self.checked.totals.items() if s == "warning")

    @property
    def ok(self) -> bool:
        return self.checked.ok

    @property
    def region(self) -> str | None:
        return self.checked.district

    def preview(self) -> pa.Table:
        """Return at most :data:`PREVIEW` findings in report order, errors chosen first."""
        table = self.checked.findings
        keys = [ibis.asc(c, nulls_first=True) for c in ORDER]
        first = table.order_by([ibis.asc(table.severity != "error"), *keys])
        rows = eng.fetch(first, limit=PREVIEW).select(findings.SCHEMA.names)
        rows = rows.cast(findings.SCHEMA)
        if rows.num_rows:
            order = [(c, "ascending", "at_start") for c in ORDER]
            rows = rows.take(pc.sort_indices(rows, sort_keys=order))
        return rows if self.unmask else findings.mask_pii(rows, PII_FIELDS)

    def stream(self, severity: str | None = None) -> Iterator[pa.RecordBatch]:
        """Yield the kept findings (of one ``severity``, or all) in report order, batch by batch."""
        table = self.checked.findings
        if severity is not None:
            table = table.filter(table.severity == severity)
        batches = eng.batches(self.engine, ordered(table), rows=_STREAM_ROWS)
        yield from _masked(batches, self.unmask)

    def commit(self, *, created_by: str | None = None) -> Release:
        """Write the release (tables, warnings, manifest), freeze it and rename it into place.

        ``created_by`` (the acting user; default: the operating-system account) is recorded in
        the manifest.
        """
        if not self.ok:
            raise RuntimeError(f"release {self.name} has {self.errors} errors: not committed")
        total = 3
        self.progress("import.write", 0, total)
        _write(self.engine, self.checked, self.folder)
        with pq.ParquetWriter(
            str(self.folder / "findings.parquet"), findings.SCHEMA, compression="zstd"
        ) as writer:
            for batch in self.stream("warning"):
                writer.write_batch(batch)
        self.progress("import.write", 1, total)
        _remove(self.folder / STAGING)
        manifest = self._manifest(created_by or _user())
        (self.folder / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        _freeze(self.folder)
        self.progress("import.write", 2, total)
        try:
            os.rename(self.folder, self.releases / self.name)
        except OSError as exc:
            raise InvalidInput("release_exists", param="name", name=self.name) from exc
        self.progress("import.write", total, total)
        return catalog.load(self.releases / self.name)

    def _manifest(self, created_by: str) -> dict[str, Any]:
        rows: dict[str, int] = {}
        for item in self.staged:
            rows[item.source.kind] = rows.get(item.source.kind, 0) + item.rows
        outputs = {
            p.name: sha256(p) for p in sorted(self.folder.iterdir()) if p.suffix == ".parquet"
        }
        warnings = self.checked.summary("warning")
        mapping = self.mapping
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "region": self.checked.district,
            "kinds": [k for k in KINDS if k in rows],
            "rows": rows,
            "programmes": sorted({s.source.programme for s in self.staged if s.source.programme}),
            "sources": [s.describe() for s in self.staged],
            "outputs": outputs,
            "reference_date": self.reference_date.isoformat(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "created_by": created_by,
            "rpkd_version": _version(),
            "engine": self.engine.name,
            "mapping": None
            if mapping.path is None
            else {
                "file": mapping.path.name,
                "sha256": mapping.sha256,
                "document": dict(mapping.document),
            },
            "warnings": warnings,
            "deceased": warnings.get("deceased", 0),
            "findings_masked": not self.unmask,
        }


def _rows(checked: Validation, kind: str) -> Table | None:
    """Return the typed rows of every file of ``kind``, with ``_part`` and ``_row`` (file order)."""
    parts = [
        typed(c, row=True).mutate(_part=ibis.literal(i, "int32"))
        for i, c in enumerate(c for c in checked.contexts if c.kind == kind)
    ]
    if not parts:
        return None
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _write(engine: eng.Engine, checked: Validation, folder: Path) -> None:
    """Write one Parquet file per kind, rows in a deterministic order (reproducible digests).

    Families and persons get the integer :mod:`~rpkd.releases.family_key` and are written in
    key order (persons of a family in file order): on Spark that order is a range
    partitioning, each part file holding whole desa. Other kinds keep their files' order.
    """
    tables = {kind: _rows(checked, kind) for kind in KINDS}
    families, persons = tables["families"], tables["persons"]
    if families is not None:
        families = family_key.keyed_families(families)
        tables["families"] = families.order_by(family_key.COLUMN)
        if persons is not None:
            persons = family_key.keyed_persons(persons, families)
            tables["persons"] = persons.order_by([family_key.COLUMN, "_part", "_row"])
    for kind, expr in tables.items():
        if expr is not None:
            if families is None or kind not in ("families", "persons"):
                expr = expr.order_by(["_part", "_row"])
            eng.write_parquet(engine, expr.drop("_part", "_row"), folder / f"{kind}.parquet")


def check_new(releases: Path, name: str) -> None:
    """Raise unless ``name`` is a valid release name not yet taken in ``releases``."""
    catalog.check_name(name)
    if (releases / name).exists():
        raise InvalidInput("release_exists", param="name", name=name)


@contextlib.contextmanager
def prepare(
    source_dir: Path,
    name: str,
    releases: Path,
    engine: eng.Engine,
    *,
    mapping: SourceMapping | None = None,
    region: str | None = None,
    reference_date: date | None = None,
    unmask: bool = False,
    progress: Progress | None = None,
) -> Iterator[Candidate]:
    """Stage and validate ``source_dir`` as release ``name`` of the folder ``releases``.

    Yields the :class:`Candidate`; its temporary folder (and the findings stream) is removed
    when the block ends, unless :meth:`Candidate.commit` renamed it into place. ``region`` is
    the release's district (dotted Kemendagri code; default: the kabupaten/kota holding most
    families), ``reference_date`` the date the data describe (default: today): ages and
    births in the future are judged at it, and it is recorded in the manifest. Raises
    :class:`InvalidInput` if the name is taken or the folder holds no source file.
    """
    check_new(releases, name)
    chosen = mapping or default()
    on = reference_date or date.today()
    report = progress or (lambda _stage, _done, _total: None)
    releases.mkdir(parents=True, exist_ok=True)
    clean_stale(releases)
    files = sources.discover(Path(source_dir), chosen)
    tmp = releases / staging_name(name)
    staging = tmp / STAGING
    staging.mkdir(parents=True)
    try:
        sizes = [f.path.stat().st_size for f in files]
        total, done = sum(sizes) or 1, 0
        staged: list[sources.Staged] = []
        for item, size in zip(files, sizes, strict=True):

            def advance(n: int, base: int = done) -> None:
                report("import.read", min(base + n, total), total)

            staged.append(sources.stage(item, chosen, staging, advance))
            done += size
        report("import.read", total, total)
        report("import.validate", 0, 1)
        checked = validate(engine, staged, chosen, today=on, region=region)
        report("import.validate", 1, 1)
        yield Candidate(
            name, releases, tmp, engine, checked, tuple(staged), chosen, on, unmask, report
        )
    finally:
        if tmp.exists():
            _remove(tmp)
