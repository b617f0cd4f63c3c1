"""The source files of a release folder, staged by :mod:`rpkd.inputs` under canonical names.

:func:`discover` finds the file of each kind (``families.csv``, ``persons.xlsx``,
``beneficiaries_<programme>.parquet``, or the files the mapping names); :func:`stage` reads one
with the one input reader, its headers renamed to canonical columns by the mapping, and adds
what only a release knows: which columns are unknown (ignored, a warning) and which required
ones are missing. Reading itself (encodings, delimiters, title rows, sheets, empty and ragged
files) is :mod:`rpkd.inputs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rpkd import inputs
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.releases.mapping import KindMapping, SourceMapping
from rpkd.releases.schema import KINDS, table_schema

EXTENSIONS = ("csv", "xlsx", "parquet")
_PROGRAMME = re.compile(r"^beneficiaries_([a-z0-9_]+)$")
# Filled in by the importer, so a list without them is not missing anything.
_FILLED = {"beneficiaries": ("programme", "record")}

Advance = Callable[[int], None]  # bytes of the current file read so far


@dataclass(frozen=True)
class SourceFile:
    """One file of SOURCE_DIR and the kind (and programme, for lists) it holds."""

    kind: str
    path: Path
    programme: str | None = None


@dataclass(frozen=True)
class Staged:
    """A source file staged as Parquet with canonical column names, and its shape findings."""

    source: SourceFile
    staged: inputs.Staged
    findings: tuple[Finding, ...]

    @property
    def path(self) -> Path:
        return self.staged.path

    @property
    def rows(self) -> int:
        return self.staged.rows

    @property
    def readable(self) -> bool:
        """Whether its rows can be checked one by one (it has rows, none of them ragged)."""
        broken = {"file_unreadable", "row_ragged", "sheet_missing"}
        return self.rows > 0 and not any(f.code in broken for f in self.findings)

    def describe(self) -> dict[str, Any]:
        """Return the file's entry in the manifest's ``sources``."""
        layout = self.staged.layout
        return {
            "file": self.source.path.name,
            "kind": self.source.kind,
            "programme": self.source.programme,
            "rows": self.rows,
            "sha256": layout.sha256,
            "bytes": layout.size,
            "encoding": layout.encoding,
            "delimiter": layout.delimiter,
            "header_row": layout.header_row,
            "sheet": layout.sheet,
        }


def discover(source_dir: Path, mapping: SourceMapping) -> tuple[SourceFile, ...]:
    """Return the source files of ``source_dir`` (``truth/``, ``synth.json`` and others ignored)."""
    if not source_dir.is_dir():
        raise InvalidInput("source_missing", param="source_dir", path=str(source_dir))
    found: list[SourceFile] = []
    for kind in KINDS:
        km = mapping.of(kind)
        if kind == "beneficiaries":
            found.extend(_lists(source_dir, km))
            continue
        if km.file:
            path = source_dir / km.file
            if not path.is_file():
                raise InvalidInput("source_file_missing", param="mapping", path=str(path))
            found.append(SourceFile(kind, path))
            continue
        paths = [
            source_dir / f"{kind}.{ext}"
            for ext in EXTENSIONS
            if (source_dir / f"{kind}.{ext}").is_file()
        ]
        if len(paths) > 1:
            raise InvalidInput(
                "file_ambiguous", param="source_dir", kind=kind, files=[p.name for p in paths]
            )
        found.extend(SourceFile(kind, p) for p in paths)
    if not found:
        raise InvalidInput("source_empty", param="source_dir", path=str(source_dir))
    return tuple(found)


def _lists(source_dir: Path, km: KindMapping) -> list[SourceFile]:
    by_programme: dict[str, list[Path]] = {}
    for programme, name in km.files.items():
        by_programme.setdefault(programme.lower(), []).append(source_dir / name)
    for path in sorted(source_dir.iterdir()):
        match = _PROGRAMME.match(path.stem.lower())
        listed = match is not None and path in by_programme.get(match.group(1), [])
        if (
            path.is_file()
            and match
            and path.suffix.lower().lstrip(".") in EXTENSIONS
            and not listed
        ):
            by_programme.setdefault(match.group(1), []).append(path)
    out = []
    for programme, paths in sorted(by_programme.items()):
        if len(paths) > 1:
            raise InvalidInput(
                "file_ambiguous",
                param="source_dir",
                kind=f"beneficiaries_{programme}",
                files=[p.name for p in paths],
            )
        if not paths[0].is_file():
            raise InvalidInput("source_file_missing", param="mapping", path=str(paths[0]))
        out.append(SourceFile("beneficiaries", paths[0], programme))
    return out


def stage(source: SourceFile, mapping: SourceMapping, folder: Path, advance: Advance) -> Staged:
    """Stage one source file as all-text Parquet in ``folder`` under canonical column names.

    Shape problems (an empty or unreadable file, ragged rows, missing, duplicated or unknown
    columns) are findings of the result, never exceptions.
    """
    km = mapping.of(source.kind)
    headers = km.headers()
    filled = _FILLED.get(source.kind, ())
    staged = inputs.stage(
        source.path,
        folder / f"{source.kind}_{source.programme or 'all'}.parquet",
        headers=headers,
        required=[c for c in table_schema(source.kind).required if c not in filled],
        header_row=km.header_row,
        sheet=km.sheet,
        advance=advance,
    )
    canonical = set(headers.values())
    unknown = [
        Finding(
            "column_unknown",
            "warning",
            file=staged.layout.file,
            sheet=staged.layout.sheet,
            field=name,
        )
        for name in staged.columns
        if name not in canonical
    ]
    return Staged(source, staged, (*staged.findings, *unknown))
