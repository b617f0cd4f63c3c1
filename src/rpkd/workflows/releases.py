"""Use cases of releases (``rpkd release import | list | show | diff``, DESIGN.md §2 and §7).

:func:`import_release` validates a folder of source files and stores it as an immutable
release, all or nothing; refused data raise :class:`InvalidInput` (``release_refused``) after
the findings report was written to ``<workspace>/findings/``. Importing needs ``release.manage``
on the release's region; writing personal data unmasked into the findings (``unmask_findings``)
also needs ``personal_data.read`` there, checked before any work. Each import writes one audit
row (``release.import``, or ``release.import.findings`` when unmasked). Listing, showing and
comparing releases need ``aggregate.read``.

Examples
--------
>>> from rpkd.workflows.workspace import Workspace
>>> with Workspace.open("rpkd-workspace") as ws:  # doctest: +SKIP
...     outcome = import_release(ws, Path("source"), "dtsen-2025q3", region="62.03")
...     outcome.release.path_of("persons")
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import locale, regions
from rpkd.access.roles import Scope, allowed
from rpkd.access.users import LOCAL_USER
from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding, from_table
from rpkd.releases import catalog, diff, importer
from rpkd.releases.catalog import Release
from rpkd.releases.diff import ReleaseDiff
from rpkd.releases.mapping import load_mapping
from rpkd.workflows import gate
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.locale import Lang
    from rpkd.workflows.workspace import Workspace

Progress = Callable[[str, int, int], None]
"""Progress callback ``(stage, done, total)``; stages ``import.read``, ``import.validate``,
``import.write``, ``import.summary`` (labels ``progress.<stage>`` in the catalogue)."""


def _summary(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per kind of a release: rows, source files, SHA-256 of its Parquet file."""
    return [
        {
            "release": manifest["name"],
            "kind": kind,
            "rows": n,
            "files": ", ".join(s["file"] for s in manifest["sources"] if s["kind"] == kind),
            "sha256": manifest["outputs"].get(f"{kind}.parquet"),
        }
        for kind, n in manifest["rows"].items()
    ]


@dataclass(frozen=True)
class ImportOutcome:
    """An imported release, the warnings it keeps (a preview, errors none) and notes for the user.

    ``findings`` holds at most :data:`rpkd.releases.importer.PREVIEW` warnings in report order;
    the release's ``findings.parquet`` holds all kept ones, ``warnings`` is the exact total.
    """

    release: Release
    warnings: int
    findings: pa.Table = field(repr=False)
    notes: tuple[Finding, ...] = ()

    @property
    def region(self) -> str | None:
        return self.release.region

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(_summary(self.release.manifest))

    def to_json(self) -> list[dict[str, Any]]:
        return records(_summary(self.release.manifest))


@dataclass(frozen=True)
class ReleaseList:
    """The releases of a workspace the actor may read, oldest first."""

    releases: tuple[Release, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": r.name,
                "region": r.region,
                "kinds": ",".join(r.kinds),
                **{f"rows_{k}": r.manifest["rows"].get(k) for k in ("families", "persons")},
                "warnings": sum(r.manifest.get("warnings", {}).values()),
                "created_at": r.manifest.get("created_at"),
                "created_by": r.manifest.get("created_by"),
            }
            for r in self.releases
        ]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows())

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows())


@dataclass(frozen=True)
class ReleaseDetails:
    """One release: its kinds and rows, warnings by rule, source files (``to_json``: manifest)."""

    release: Release

    @property
    def manifest(self) -> dict[str, Any]:
        return self.release.manifest

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(_summary(self.manifest))

    def to_json(self) -> dict[str, Any]:
        return self.manifest

    def warnings(self) -> pa.Table:
        """Return the warnings kept in the release, counted by rule (largest first)."""
        counts = self.manifest.get("warnings", {})
        return pa.table(
            {"rule": list(counts), "count": list(counts.values())},
            schema=pa.schema([("rule", pa.string()), ("count", pa.int64())]),
        )

    def sources(self) -> pa.Table:
        """Return the source files: name, SHA-256 and encoding."""
        return pa.Table.from_pylist(
            [
                {"file": s["file"], "sha256": s["sha256"], "encoding": s["encoding"]}
                for s in self.manifest["sources"]
            ]
        )


def parse_reference_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError("reference_date_invalid", param="reference-date", value=value) from None


def release_region(ws: Workspace, region: str | None) -> str | None:
    """Return the release region: ``region``, else the workspace's, as a dotted code."""
    chosen = region or (
        str(ws.settings.extra["region"]) if ws.settings.extra.get("region") else None
    )
    return None if chosen is None else regions.region(chosen).code


@gate.personal_data("release.import.findings")
def import_release(
    ws: Workspace,
    source_dir: Path | str,
    name: str,
    *,
    mapping: Path | str | None = None,
    region: str | None = None,
    reference_date: date | str | None = None,
    unmask_findings: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Validate ``source_dir`` and store it as release ``name`` of the workspace: all or nothing.

    Parameters
    ----------
    mapping
        TOML mapping of headers, values and formats (``docs/releases.md``).
    region
        The release's kabupaten/kota (default: the workspace's ``region``, else the one holding
        most families).
    reference_date
        The date the data describe (``YYYY-MM-DD``; default: today): ages, deaths and the
        validity of poverty lines are taken at it; recorded in the manifest.
    unmask_findings
        Write personal data in full in the findings (the report, the release's warnings);
        needs ``personal_data.read`` on the region.

    Raises :class:`InvalidInput` ``release_refused`` (with the first findings, errors first,
    and the report's paths) when any check failed; nothing is created then.
    """
    catalog.check_name(name)
    on = parse_reference_date(reference_date)
    district = release_region(ws, region)
    scope = Scope(region=district)
    gate.authorise(ws.actor, "release.manage", scope)
    if unmask_findings:
        gate.authorise_records(ws, [scope], unmask=True)
    chosen = load_mapping(Path(mapping)) if mapping is not None else None
    releases = catalog.releases_dir(ws.path)
    report = progress or (lambda _stage, _done, _total: None)
    with importer.prepare(
        Path(source_dir),
        name,
        releases,
        ws.engine,
        mapping=chosen,
        region=district,
        reference_date=on,
        unmask=unmask_findings,
        progress=report,
    ) as candidate:
        scope = Scope(region=candidate.region)
        preview = candidate.preview()
        if not candidate.ok:
            paths, written = _write_report(candidate.stream(), ws, name)
            _audit(
                ws,
                name,
                scope,
                unmask_findings,
                written,
                {"refused": True, "errors": candidate.errors, "warnings": candidate.warnings},
            )
            shown = from_table(preview.filter(pc.equal(preview["severity"], "error")))
            raise InvalidInput(
                "release_refused",
                param="source_dir",
                findings=shown,
                name=name,
                errors=candidate.errors,
                warnings=candidate.warnings,
                report=[str(p) for p in paths],
            )
        # the account that imported: the signed-in user, or the OS account on a laptop without users
        user = ws.actor.username
        release = candidate.commit(created_by=None if user == LOCAL_USER else user)
    rows = sum(release.manifest["rows"].values())
    kept = _kept_warnings(release)
    _audit(
        ws,
        name,
        scope,
        unmask_findings,
        kept if unmask_findings else rows,
        {"refused": False, "rows": rows, "warnings": candidate.warnings},
    )
    notes: list[Finding] = []
    if candidate.warnings:
        notes.append(
            Finding("release_warnings", "info", {"count": candidate.warnings, "name": name})
        )
    report("import.summary", 0, 1)
    unsaved = _store_summary(ws, name)
    if unsaved is not None:
        notes.append(unsaved)
    report("import.summary", 1, 1)
    return ImportOutcome(release, candidate.warnings, preview, tuple(notes))


def _kept_warnings(release: Release) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(release.path / "findings.parquet").num_rows)


def _audit(
    ws: Workspace, name: str, scope: Scope, unmask: bool, records: int, parameters: dict[str, Any]
) -> None:
    """Write the one audit row of an import (unmasked findings are a personal-data export)."""
    action = "release.import.findings" if unmask else "release.import"
    gate.audit_records(
        ws,
        action,
        release=name,
        scopes=[scope],
        records=records,
        unmask=unmask,
        parameters=parameters,
    )


def _store_summary(ws: Workspace, name: str) -> Finding | None:
    """Store the profile's family summary once (profiles then read it); a note if it fails."""
    from rpkd.workflows.profile import store_family_summary

    try:
        store_family_summary(ws, name)
    except OSError as exc:  # the release stands; the first profile will store it
        return Finding("family_summary_unsaved", "warning", {"reason": exc.strerror or str(exc)})
    return None


def _write_report(
    batches: Iterator[pa.RecordBatch], ws: Workspace, name: str
) -> tuple[tuple[Path, Path], int]:
    """Write the findings report to ``<workspace>/findings/NAME-<UTC time>.csv`` and ``.xlsx``.

    Both files are written in one pass over the findings stream, batch by batch, so memory does
    not grow with the number of findings: the CSV (UTF-8 with BOM, so Excel opens it) holds every
    row, the XLSX stops at Excel's sheet limit. Columns :data:`REPORT_COLUMNS`; the message is
    the rule's sentence in the workspace's language. Returns the paths and the rows written.
    """
    import csv

    from rpkd.reports.xlsx import Column, Sheet, neutralise_row, write_workbook

    folder = ws.path / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    messages = _Messages(ws.lang)
    written = 0
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REPORT_COLUMNS)

        def rendered() -> Iterator[pa.RecordBatch]:
            nonlocal written
            for batch in batches:
                out = messages.batch(batch)
                columns = (out.column(c).to_pylist() for c in REPORT_COLUMNS)
                writer.writerows(neutralise_row(r) for r in zip(*columns, strict=True))
                written += out.num_rows
                yield out

        columns = [
            Column(
                c,
                locale.label(f"release.report.{c}", ws.lang),
                format="integer" if c == "row" else "text",
            )
            for c in REPORT_COLUMNS
        ]
        sheet = Sheet(locale.label("release.report.sheet", ws.lang), rendered(), columns)
        write_workbook(xlsx_path, [sheet], streaming=True)
    return (csv_path, xlsx_path), written


REPORT_COLUMNS = ("file", "kind", "row", "field", "value", "rule", "severity", "message")
"""Columns of the findings report (DESIGN.md §7): ``rule`` is the finding's code."""


class _Messages:
    """Renders the ``message`` of findings rows in one language, each distinct sentence once."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.cache: dict[tuple[str, str, str | None, str], str] = {}

    def text(self, code: str, params: str, field: str | None, kind: str) -> str:
        key = (code, params, field, kind)
        if key not in self.cache:
            values = json.loads(params or "{}")
            values.setdefault("field", field_label(kind, field, self.lang))
            self.cache[key] = locale.message(code, self.lang, **values)
        return self.cache[key]

    def batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        columns = {c: batch.column(c).to_pylist() for c in ("code", "params", "field", "kind")}
        message = [self.text(*key) for key in zip(*columns.values(), strict=True)]
        return pa.record_batch(
            {
                "file": batch.column("file"),
                "kind": batch.column("kind"),
                "row": batch.column("row"),
                "field": batch.column("field"),
                "value": batch.column("value"),
                "rule": batch.column("code"),
                "severity": batch.column("severity"),
                "message": pa.array(message, pa.string()),
            }
        )


def field_label(kind: str, field: str | None, lang: Lang) -> str:
    """Return the label of a release column in ``lang`` (the name itself for other fields)."""
    from rpkd.releases.schema import KINDS, table_schema

    schema = table_schema(kind) if kind in KINDS else None
    column = schema.by_column.get(field) if schema is not None and field else None
    if column is None:
        return field or ""
    return column.label_en if lang == "en" else column.label_id


def list_releases(ws: Workspace) -> ReleaseList:
    """Return the workspace's releases whose region the actor may read aggregates of."""
    grants = ws.actor.grants
    found = catalog.list_releases(ws.path)
    return ReleaseList(
        tuple(r for r in found if allowed(grants, "aggregate.read", Scope(region=r.region)))
    )


def show_release(ws: Workspace, name: str) -> ReleaseDetails:
    """Return release ``name`` (``NotFound`` naming the releases that exist when it does not)."""
    release = catalog.open_release(ws.path, name)
    gate.authorise(ws.actor, "aggregate.read", Scope(region=release.region))
    return ReleaseDetails(release)


def diff_releases(ws: Workspace, old: str, new: str) -> ReleaseDiff:
    """Return the families added, removed, moved and with a changed desil from ``old`` to ``new``."""
    before, after = catalog.open_release(ws.path, old), catalog.open_release(ws.path, new)
    for release in (before, after):
        gate.authorise(ws.actor, "aggregate.read", Scope(region=release.region))
    return diff.diff_releases(ws.engine, before, after)
