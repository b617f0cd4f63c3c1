"""Use case: link an agency's beneficiary list to a release's persons (``rpkd link``).

Opens the release, reads the list as the agency keeps it (CSV, XLSX or Parquet, through the
importer's source reader), standardises both sides, links them (:mod:`rpkd.linkage.model`),
builds the clerical-review queue and, when the clerk's decisions are given, applies them.
Releases are immutable: the links are written beside the release under
``derived/links/<list>-<tag>/`` (or ``<workspace>/derived/<release>/links/...`` when the release
folder is read-only), tagged with the parameters that produced them.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import params
from rpkd.access.masking import initials, mask_nik
from rpkd.errors import InvalidInput
from rpkd.linkage.model import LinkResult, ModelSettings, Thresholds, link
from rpkd.linkage.review import apply_decisions, mask_queue, read_decisions, review_queue
from rpkd.linkage.standardise import Rules, rules_from, standardise_list, standardise_registry
from rpkd.releases.catalog import Release, open_release
from rpkd.releases.importer import sha256
from rpkd.releases.mapping import default as default_mapping
from rpkd.releases.sources import SourceFile, stage
from rpkd.settings import Settings
from rpkd.workflows.derived import digest, output_folder, stored

CONTRACT_COLUMNS = ("record", "person_id", "match_probability", "method")


@dataclass(frozen=True)
class LinkOutcome:
    """A linked list: final links, the (masked) review queue and where they were written."""

    release: str
    links: pa.Table
    queue: pa.Table
    folder: Path
    parameters: dict[str, Any] = field(compare=False)
    result: LinkResult = field(compare=False, repr=False)

    def to_arrow(self) -> pa.Table:
        """Return one record per list row: record, person_id, match_probability, method."""
        return self.links.select(list(CONTRACT_COLUMNS))

    def counts(self) -> dict[str, int]:
        """Return list rows by method and flagged rows (deceased, shared)."""
        methods = self.links.column("method").to_pylist()
        out = {m: methods.count(m) for m in ("nik", "probabilistic", "review", "none")}
        out["deceased"] = sum(bool(v) for v in self.links.column("deceased").to_pylist())
        out["shared"] = sum(bool(v) for v in self.links.column("shared").to_pylist())
        out["rows"] = self.links.num_rows
        return out


def _read_list(engine: eng.Engine, path: Path, folder: Path) -> Any:
    """Return the list as an all-text table with ``record`` (the data row number if absent)."""
    if not path.is_file():
        raise InvalidInput("list_missing", f"{path}: berkas tidak ada", param="list")
    programme = (
        path.stem.removeprefix("beneficiaries_") if path.stem.startswith("beneficiaries_") else None
    )
    staged = stage(
        SourceFile("beneficiaries", path, programme), default_mapping(), folder, lambda _: None
    )
    unreadable = [i for i in staged.issues if i.rule in ("file_unreadable", "file_empty")]
    if unreadable:
        raise InvalidInput(
            "list_unreadable",
            f"{path.name}: berkas tidak dapat dibaca ({unreadable[0].rule})",
            param="list",
        )
    if "name" not in staged.columns:
        raise InvalidInput(
            "list_column_missing",
            f"{path.name}: kolom name (nama penerima) tidak ada",
            param="name",
        )
    # Handed over as Arrow, not as a path: the staged file is in this process's temporary
    # folder, which a cluster's executors or a Spark Connect server cannot read.
    table = eng.table(engine, pq.read_table(staged.path))
    record = table.record.cast("string") if "record" in table.columns else None
    numbered = table.mutate(
        record=(
            record.fill_null(table._row.cast("string"))
            if record is not None
            else table._row.cast("string")
        )
    )
    return eng.materialise(engine, numbered, f"rpkd_link_rows_{staged.sha256[:12]}")


def _masked(queue: pa.Table) -> pa.Table:
    """Return the queue with names as initials, NIK/KK partly hidden and birth dates as years."""
    masks: dict[str, pa.Array] = {}
    for side in ("list", "registry"):
        masks[f"{side}_name"] = pa.array(
            [initials(v) for v in queue.column(f"{side}_name").to_pylist()], pa.string()
        )
        for key in ("nik", "kk"):
            masks[f"{side}_{key}"] = pa.array(
                [mask_nik(v) for v in queue.column(f"{side}_{key}").to_pylist()], pa.string()
            )
        masks[f"{side}_birth_date"] = pa.array(
            [
                None if v is None else str(v)[:4] + "-**-**" if str(v)[:4].isdigit() else "**"
                for v in queue.column(f"{side}_birth_date").to_pylist()
            ],
            pa.string(),
        )
    return mask_queue(queue, masks)


def _standardised_registry(
    engine: eng.Engine, release: Release, rules: Rules, base: Path | None
) -> Any:
    """Return the release's persons standardised, cached as Parquet beside the release.

    The registry side does not depend on the list, so every list of the same release reuses
    it; the file name carries the birth-date rules and rpkd version that produced it.
    """
    stem = f"registry-{digest({'rules': rules.__dict__, 'rpkd': version('rpkd')})}.parquet"

    def build() -> Any:
        persons = eng.table(engine, release.path_of("persons"))
        families = eng.table(engine, release.path_of("families"))
        return standardise_registry(engine, persons, families, rules)

    return stored(engine, base / stem if base is not None else None, build)[0]


def _write_queue(queue: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(queue.column_names)
        for row in queue.to_pylist():
            writer.writerow(["" if v is None else v for v in row.values()])


def _decisions(path: Path) -> list[dict[str, str | None]]:
    if not path.is_file():
        raise InvalidInput("decisions_missing", f"{path}: berkas tidak ada", param="decisions")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def link_list(
    settings: Settings,
    list_path: Path,
    release_name: str,
    *,
    upper: float | None = None,
    lower: float | None = None,
    decisions: Path | None = None,
    masked: bool = True,
) -> LinkOutcome:
    """Link the list at ``list_path`` to the persons of release ``release_name``.

    Thresholds default to ``params/linkage.toml`` (a workspace copy wins); ``decisions`` is a
    review queue file (as written by an earlier run) with the clerk's ``decision`` column filled.
    """
    release = open_release(settings.workspace, release_name)
    persons_path, families_path = release.path_of("persons"), release.path_of("families")
    doc = params.load("linkage", workspace=settings.workspace)
    defaults = doc.get("thresholds", {})
    thresholds = Thresholds(
        upper=float(upper if upper is not None else defaults.get("upper", Thresholds.upper)),
        lower=float(lower if lower is not None else defaults.get("lower", Thresholds.lower)),
    )
    model_settings = ModelSettings.from_params(doc)
    rules = rules_from(doc)
    engine = eng.connect(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="rpkd-link-") as tmp:
            rows = _read_list(engine, list_path, Path(tmp))
        persons, families = eng.table(engine, persons_path), eng.table(engine, families_path)
        try:
            cache: Path | None = output_folder(settings, release.path, release.name, "linkage")
        except InvalidInput:
            cache = None
        result = link(
            engine,
            standardise_list(engine, rows, rules),
            _standardised_registry(engine, release, rules, cache),
            thresholds=thresholds,
            settings=model_settings,
        )
        home = families.select("family_id", "kk_number", "desa_code")
        registry = persons.drop(*[c for c in ("kk_number", "desa_code") if c in persons.columns])
        registry = registry.left_join(home, registry.family_id == home.family_id)
        queue = review_queue(engine, result.candidates, rows, registry)
    finally:
        eng.close(engine)
    links = result.links
    if decisions is not None:
        links = apply_decisions(links, read_decisions(_decisions(decisions), queue), queue)
    parameters: dict[str, Any] = {
        "release": release.name,
        "list": list_path.name,
        "list_sha256": sha256(list_path),
        "upper": thresholds.upper,
        "lower": thresholds.lower,
        "model_settings": model_settings.__dict__,
        "birth_date_rules": rules.__dict__,
        "decisions_sha256": sha256(decisions) if decisions is not None else None,
        "findings": list(result.findings),
        "rpkd_version": version("rpkd"),
    }
    tag = f"{list_path.stem}-{digest(parameters)}"
    folder = output_folder(settings, release.path, release.name, f"links/{tag}")
    shown = _masked(queue) if masked else queue
    pq.write_table(links, folder / "links.parquet", compression="zstd")
    _write_queue(shown, folder / "review.csv")
    (folder / "parameters.json").write_text(
        json.dumps(parameters, indent=2, default=str), encoding="utf-8"
    )
    (folder / "model.json").write_text(json.dumps(result.model, indent=2), encoding="utf-8")
    return LinkOutcome(release.name, links, shown, folder, parameters, result)
